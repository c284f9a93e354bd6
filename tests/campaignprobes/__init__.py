"""The scope walker's declarations of the campaign pages (tests/scopeprobes.py joins them
to its table), one module per part of the campaigns."""

import importlib

PARTS = ("campaigns", "targeting", "templates", "sending", "results")


def declarations() -> dict:
    """Every part's table; a part whose module is missing is an error, not a gap."""
    table: dict = {}
    for part in PARTS:
        table.update(importlib.import_module(f"tests.campaignprobes.{part}").DECLARATIONS)
    return table
