"""Marketing's reads."""
