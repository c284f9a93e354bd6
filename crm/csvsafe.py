"""Neutralising spreadsheet formulas in exported cells (CSV injection).

A cell that a spreadsheet would read as a formula gets a leading apostrophe, which the
spreadsheet shows as text; plain negative numbers stay numbers. Pure and tested alone.
"""

import re

# What Excel, LibreOffice and Google Sheets start a formula (or a DDE call) with.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NEGATIVE_NUMBER = re.compile(r"-[0-9]+(?:\.[0-9]+)?")


def csv_safe(value: str) -> str:
    """`=HYPERLINK(...)` → `'=HYPERLINK(...)`; `-12.50` stays `-12.50`."""
    if value.startswith(FORMULA_PREFIXES) and not NEGATIVE_NUMBER.fullmatch(value):
        return "'" + value
    return value
