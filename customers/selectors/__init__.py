"""Reads of the customers app, by topic: customers.py (scoped customer reads and lists),
imports.py (the import's records)."""
