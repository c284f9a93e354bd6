"""The files of a day folder as COUNTER_EXPORTS.md lays them out: their columns, the sheet
each is written through, the manifest, and how money and dates are written in them."""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path

_COLUMNS = {  # file: its columns, in the order written
    "branches.csv": "branch_code name region",
    "staff.csv": "staff_code name branch_code role team status",
    "securities.csv": "market sec_code name sec_type industry",
    "quotes.csv": "market sec_code close_price",
    "customers.csv": (
        "cust_no name cust_type id_type id_no gender birth_date mobile email address occupation "
        "branch_code manager_code open_date status risk_level risk_assessed_on investor_class "
        "invest_horizon invest_varieties marketing_consent"
    ),
    "capital_accounts.csv": "fund_account cust_no account_kind currency open_date status",
    "shareholder_accounts.csv": "holder_account fund_account market open_date",
    "balances.csv": "fund_account currency balance available frozen",
    "positions.csv": "fund_account market sec_code quantity available_qty cost_price market_value",
    "trades.csv": (
        "serial_no trade_date fund_account market sec_code side quantity price amount commission "
        "stamp_tax transfer_fee handling_fee regulatory_fee net_amount channel"
    ),
    "cash_flows.csv": "serial_no flow_date fund_account biz_type amount balance_after",
    "credit_accounts.csv": (
        "fund_account financing_debt lending_debt accrued_interest collateral_value "
        "maintenance_ratio"
    ),
}
HEADERS = {name: tuple(columns.split()) for name, columns in _COLUMNS.items()}
DATA_FILES = tuple(HEADERS)

YUAN = 100  # money is kept in integer fen so that sums are exact; prices in 1/1000 yuan (li)


def money_text(fen: int) -> str:
    return f"{fen / 100:.2f}"  # exact: the float is far closer to fen/100 than half a fen


@cache
def date_text(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


class Sheet:
    """One CSV file of a day folder, counting its data rows for the manifest."""

    def __init__(self, path: Path) -> None:
        self._handle = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        self._writer.writerow(HEADERS[path.name])
        self.rows = 0

    def write(self, row: Iterable) -> None:
        self._writer.writerow(row)
        self.rows += 1

    def close(self) -> None:
        self._handle.close()


def write_manifest(folder: Path, rows: dict[str, int]) -> None:
    """manifest.csv: each data file's row count and SHA-256, written last."""
    partial = folder / "manifest.csv.tmp"
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("file", "rows", "sha256"))
        for name in DATA_FILES:
            with (folder / name).open("rb") as data:
                digest = hashlib.file_digest(data, "sha256").hexdigest()
            writer.writerow((name, rows[name], digest))
    os.replace(partial, folder / "manifest.csv")  # the manifest appears whole or not at all
