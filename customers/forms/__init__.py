"""Django forms of the customers app, by topic: imports.py (starting an import, uploading
corrected rejects), lists.py (saving a view of the customer list) and relationship.py
(logging a contact, opening a service request, moving it and giving it to someone else).

The forms validate input; the services of the same topic do the writing. The customer
list's filter form belongs to its FilterSet (customers/filters/lists.py)."""
