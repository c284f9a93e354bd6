"""The scope walker's declarations of the campaign pages (tests/scopeprobes.py joins them
to its table), one module per part of the campaigns."""

import importlib

PARTS = ("campaigns", "targeting", "templates", "sending", "results")


def declarations() -> dict:
    table: dict = {}
    for part in PARTS:
        try:
            module = importlib.import_module(f"tests.campaignprobes.{part}")
        except ModuleNotFoundError as error:
            if error.name != f"tests.campaignprobes.{part}":
                raise
            continue
        table.update(module.DECLARATIONS)
    return table
