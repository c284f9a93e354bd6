"""The spoilt lines the demo plants in its last day, as counters and hand edits spoil them:
the import rejects each with its reason, for the demo's users to correct."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path


def _letter_o_for_zero(value: str) -> str | None:
    return value[0] + value[1:].replace("0", "O", 1) if "0" in value[1:] else None


def _day_first_date(value: str) -> str:
    return f"{date.fromisoformat(value):%d/%m/%Y}"


def _thousands_separator(value: str) -> str | None:
    return f"{Decimal(value):,}" if abs(Decimal(value)) >= 1000 else None


def _leading_zeros_dropped(value: str) -> str | None:
    return value.lstrip("0") if value.startswith("00") else None


def _spaced_mobile(value: str) -> str | None:
    return f"{value[:3]} {value[3:7]} {value[7:]}" if len(value) == 11 else None


# (file, column, the spoilt value of a row's value or None when the row cannot show it): what
# the import of a day with planted rejects must reject, each with its reason.
PLANTED_REJECTS: tuple[tuple[str, str, Callable[[str], str | None]], ...] = (
    ("trades.csv", "fund_account", _letter_o_for_zero),  # unknown account
    ("trades.csv", "trade_date", _day_first_date),  # not a date
    ("cash_flows.csv", "amount", _thousands_separator),  # a spreadsheet's: not a number
    # A spreadsheet that dropped a code's leading zeros: a security code in the wrong format.
    ("positions.csv", "sec_code", _leading_zeros_dropped),
    ("customers.csv", "mobile", _spaced_mobile),  # typed with spaces: the wrong format
)


def plant_rejects(folder: Path) -> None:
    """Spoil one line per PLANTED_REJECTS entry, each on its own line a third into its file;
    the row counts stay as they are."""
    for name in dict.fromkeys(name for name, _, _ in PLANTED_REJECTS):
        path = folder / name
        with path.open(encoding="utf-8", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        spoilt_rows: set[int] = set()
        for file, column, spoil in PLANTED_REJECTS:
            if file != name:
                continue
            at = header.index(column)
            for number in range(len(rows) // 3, len(rows)):
                spoilt = None if number in spoilt_rows else spoil(rows[number][at])
                if spoilt is not None:
                    rows[number][at] = spoilt
                    spoilt_rows.add(number)
                    break
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows([header, *rows])
