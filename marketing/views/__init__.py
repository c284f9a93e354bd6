"""Marketing's pages."""
