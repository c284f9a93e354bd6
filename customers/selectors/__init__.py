"""Reads of the customers app, by topic: customers.py (the customers a user may see, and one
of them), lists.py (the customer list's filter options and saved views), customer360.py (the
360 page's figures, holdings, trades and cash flows), relationship.py (contacts, service
requests and tasks), workbench.py (a user's work for today) and imports.py (the import's
records). Data only: forms, tables and panel contexts are built above, never here."""
