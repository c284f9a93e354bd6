"""What the tables of the customers app share: the cell attributes of numbers and of cells
that do not wrap, the dash of an empty cell, money and percentages as text, and which sorts
a table accepts (`sort_of`). The tables themselves live in the topic modules beside this one."""

from decimal import ROUND_HALF_UP, Decimal

import django_tables2 as tables

NUMBER = {"th": {"class": "num"}, "td": {"class": "num"}}
NOWRAP = {"td": {"class": "nowrap"}}
CENT = Decimal("0.01")
DASH = "—"


def sort_of(table_class: type[tables.Table], value: str, *, extra_columns=()) -> str:
    """`value` if it names orderable columns of the table (comma-separated, "-" for
    descending), with `extra_columns` if it takes some, else "": the sort that a link, a
    saved view or an audit entry may carry. The table itself ignores an unknown name; a
    NUL one would break the audit entry."""
    columns = table_class([], extra_columns=list(extra_columns)).columns
    names = [alias.removeprefix("-") for alias in value.split(",")]
    if all(name in columns and columns[name].orderable for name in names):
        return value
    return ""


def money_text(value) -> str:
    """1234567.8 → `1,234,567.80` (the separators spreadsheets and both locales read)."""
    if value is None:
        return DASH
    return f"{value:,.2f}"


def money_plain(value) -> str:
    """1234567.8 → `1234567.80`: money in a CSV, at two decimals and without separators so
    that spreadsheets add it up; quantized as a Decimal (SQLite hands sums back with
    seven decimals), never through a float."""
    if value is None:
        return ""
    return str(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP))


def percent_text(value) -> str:
    """0.8523 → `85.23%`."""
    if value is None:
        return DASH
    return f"{value * 100:.2f}%"
