"""Marketing's tables (django-tables2)."""
