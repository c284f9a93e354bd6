"""Tables (django-tables2) of the customers app, by topic: lists.py (the customer list),
imports.py (the import monitoring pages) and relationship.py (my tasks, the service requests
list); columns.py holds what they share (cell attributes, money and percent texts, and
`sort_of`, the sort a link or a saved view may carry)."""
