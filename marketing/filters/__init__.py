"""Marketing's filters (django-filter)."""
