"""Marketing's forms."""
