"""Filters (django-filter) of the customers app, by topic: lists.py (the customer list and
the manager picker's search, with the list's query parameters as a saved view and an export
keep them), relationship.py (my tasks, the service requests list) and imports.py (the
import runs and one run's rejects).

A FilterSet narrows a queryset its view got from a scoped selector; it never widens one."""
