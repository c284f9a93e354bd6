"""generate_exports: the day folders of the demo and the benchmarks, and the counter's
state that carries from one day to the next (prices, accounts, holdings, margin debt)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

from django.utils.translation import gettext

from customers.demo.accounts import (
    Customer,
    MarginAccount,
    build_customer,
    fund_margin,
    open_during,
)
from customers.demo.days import business_days, default_start_date, previous_business_day
from customers.demo.files import DATA_FILES, Sheet, date_text, write_manifest
from customers.demo.market import Market
from customers.demo.people import build_organisation, customer_row
from customers.demo.rejects import plant_rejects
from customers.demo.trading import Sheets, TradingDay, customer_day, margin_day


def generate_exports(
    *,
    out_dir: Path,
    customers: int,
    days: int,
    seed: int,
    start_date: date | None = None,
    trades_per_day: int | None = None,
    progress: Callable[[str], None] | None = None,
    calendar: str = "weekdays",
    openings: bool = False,
    planted_rejects: bool = False,
) -> list[Path]:
    """Write `days` business-day folders `out_dir/YYYYMMDD/` and return them in date order.

    Same arguments, same bytes. `trades_per_day` scales trading to about that many trades.
    `calendar` names the business days (days.CALENDARS). With `openings`, some customers open
    their accounts on the exported days instead of before them (about one a day per
    accounts.CUSTOMERS_PER_OPENING customers, every branch in turn), so no week lacks new
    accounts. With `planted_rejects`, the last day has a few lines spoilt as counters and hand
    edits spoil them (rejects.PLANTED_REJECTS): the import rejects them, with reasons, to be
    corrected.
    """
    if customers < 1 or days < 1:
        raise ValueError("customers and days must be at least 1")
    dates = business_days(start_date or default_start_date(days, calendar), days, calendar)
    book = CounterBook(
        seed=seed, customers=customers, start=dates[0], opening_days=dates if openings else ()
    )
    folders, previous = [], previous_business_day(dates[0], calendar)
    for day in dates:
        folder = Path(out_dir) / f"{day:%Y%m%d}"
        folder.mkdir(parents=True, exist_ok=True)
        # A manifest left by an earlier run would declare a half-rewritten folder complete.
        (folder / "manifest.csv").unlink(missing_ok=True)
        rows = book.write_day(folder, day, trades_per_day, previous)
        if planted_rejects and day == dates[-1]:
            plant_rejects(folder)
        write_manifest(folder, rows)
        folders.append(folder)
        previous = day
        if progress:
            progress(
                gettext("%(day)s: %(trades)s trades, %(flows)s cash flows, %(positions)s positions")
                % {
                    "day": f"{day:%Y%m%d}",
                    "trades": rows["trades.csv"],
                    "flows": rows["cash_flows.csv"],
                    "positions": rows["positions.csv"],
                }
            )
    return folders


class CounterBook:
    """The counter's state between days: market prices, customers, accounts and holdings.

    Each part draws from its own random stream, so that the market is the same whatever the
    customer count and personal data costs nothing to keep.
    """

    def __init__(
        self, *, seed: int, customers: int, start: date, opening_days: list[date] | tuple = ()
    ) -> None:
        self.seed = seed
        setup = random.Random(f"{seed}/setup")
        self.market = Market(random.Random(f"{seed}/market"))
        self._activity = random.Random(f"{seed}/activity")
        self.start_ord = start.toordinal()
        self.organisation = build_organisation(setup, customers)
        self.customers = [
            build_customer(
                setup,
                index,
                organisation=self.organisation,
                market=self.market,
                start_ord=self.start_ord,
            )
            for index in range(customers)
        ]
        # Customers not yet opened on the day written are left out of every file of it;
        # `pending` holds them in opening order, `live` the others.
        self.pending: list[Customer] = []
        if opening_days:
            self.pending = open_during(
                self.customers,
                list(opening_days),
                seed=seed,
                branches=len(self.organisation.branches),
            )
        self.live = self.customers
        if self.pending:
            self.live = [one for one in self.customers if one.open_ord < self.start_ord]
        self.margins: list[MarginAccount] = []
        for customer in self.customers:
            if customer.margin_open_ord is not None:
                customer.margin = fund_margin(
                    setup,
                    customer,
                    open_ord=customer.margin_open_ord,
                    number=len(self.margins),
                    market=self.market,
                )
                self.margins.append(customer.margin)
        self.total_expected_trades = sum(one.expected_trades for one in self.customers)

    def write_day(
        self, folder: Path, day: date, trades_per_day: int | None, previous: date
    ) -> dict[str, int]:
        """Writes the 12 data files of a day (`previous` is the business day before it) and
        returns their data row counts."""
        dividends = self.market.move()
        scale = 1.0
        if trades_per_day is not None and self.total_expected_trades:
            scale = trades_per_day / self.total_expected_trades
        trading_day = TradingDay.of(day, previous, scale=scale, dividends=dividends)
        today = day.toordinal()
        if self.pending and self.pending[0].open_ord <= today:  # accounts open today
            self.pending = [one for one in self.pending if one.open_ord > today]
            self.live = [one for one in self.customers if one.open_ord <= today]
        sheets = {name: Sheet(folder / name) for name in DATA_FILES}
        roll = self._activity.random
        try:
            self._write_static(sheets)
            self._write_customers(sheets["customers.csv"], day)
            for customer in self.live:
                customer_day(customer, trading_day, market=self.market, roll=roll, sheets=sheets)
            gap = (day - previous).days  # margin interest runs over weekends and holidays too
            for margin in self.margins:
                margin_day(margin, gap, market=self.market, sheets=sheets)
        finally:
            for sheet in sheets.values():
                sheet.close()
        return {name: sheet.rows for name, sheet in sheets.items()}

    def _write_static(self, sheets: Sheets) -> None:
        """The master data: branches, staff, securities and today's quotes, accounts."""
        for branch in self.organisation.branches:
            sheets["branches.csv"].write((branch.code, branch.name, branch.region_name))
        for row in self.organisation.staff:
            sheets["staff.csv"].write(row)
        for security in self.market.securities:
            market, code = security.market, security.code
            row = (market, code, security.name, security.kind, security.industry)
            sheets["securities.csv"].write(row)
            sheets["quotes.csv"].write((market, code, security.price_text(security.price)))
        accounts, holders = sheets["capital_accounts.csv"], sheets["shareholder_accounts.csv"]
        for customer in self.live:
            index, cust_no, status = customer.index, customer.cust_no, customer.status
            opened, normal = date_text(customer.open_ord), customer.fund_account
            accounts.write((normal, cust_no, "normal", "CNY", opened, status))
            sh_prefix = "B" if customer.institution else "A"
            holders.write((_holder(sh_prefix, index), normal, "SH", opened))
            holders.write((_holder("00", index), normal, "SZ", opened))
            if customer.beijing:
                holders.write((_holder("01", index), normal, "BJ", opened))
            if margin := customer.margin:  # 信用证券账户: SH E…, SZ 06…
                since, credit = date_text(margin.open_ord), margin.fund_account
                accounts.write((credit, cust_no, "credit", "CNY", since, status))
                holders.write((_holder("E", index), credit, "SH", since))
                holders.write((_holder("06", index), credit, "SZ", since))

    def _write_customers(self, sheet: Sheet, day: date) -> None:
        roll, today = self._activity.random, day.toordinal()
        for customer in self.live:
            # A few retake the risk questionnaire each day.
            if customer.status == 0 and roll() < 0.002:
                customer.risk_assessed_ord = today
                customer.risk = min(5, max(1, customer.risk + int(roll() * 3) - 1))
            branch = self.organisation.branches[customer.branch]
            sheet.write(
                customer_row(customer, seed=self.seed, branch=branch, start_ord=self.start_ord)
            )


def _holder(prefix: str, index: int) -> str:
    """A 10-character holder account; index * 7919 is a bijection modulo 10**n, so unique."""
    width = 10 - len(prefix)
    return f"{prefix}{(index * 7919 + 1_234_567) % 10**width:0{width}d}"
