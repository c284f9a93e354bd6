"""Writes of the products app, by topic: the suitability record of checks and confirmations
of the special risk warning (checks.py), the matching rules edited in admin (rules.py), and
the other helpers' topics beside them (the library, sales, applications, compliance). Import
from the topic module."""
