"""Pages of the customers app, by topic: customers.py (the workbench), lists.py (the customer
list, saved views, the export), customer360.py (the 360 page and its reveals), panels.py (the
360 page's panels and their contexts, for the page and the actions that answer with them),
relationship.py (contacts, service requests and tasks) and imports.py (import monitoring)."""
