"""Reads of the tiers: the figures a month is evaluated from and the qualification rule as SQL
(shared with marketing/services/tiers.py, which writes with them), the admin's preview, the
dashboards' distribution and migration matrix with the customers behind each cell, and one
customer's history for the 360 page.

Functions that take a `user` scope through customers_for_user; those that take a dashboard
scope (analytics.selectors.dashboard_scope, itself made from crm.scoping) read the
pre-aggregated counts of that scope; those that take neither are internal (the preview counts
every customer: it is the admin's, who sees everybody) or take a customer already in scope.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.utils import timezone

from analytics.models import BranchMonth
from analytics.selectors import DashboardScope, customer_rows_in_scope
from crm.dates import months_later, next_month, previous_month
from customers.models import Customer
from customers.selectors.customers import customers_for_user
from marketing.models import CustomerTier, Tier, TierCombine, TierCount, TierRun

HISTORY_MONTHS = 12
# Where the figures a tier reads come from: the month's daily average assets and turnover,
# and the contribution summed over the twelve months up to it. Rounded to the cent, as the
# metrics are (SQLite sums decimals as floats: 100.10 + 200.20 must be 300.30 there too).
FIGURES_SQL = """
SELECT c.id AS customer_id, c.branch_id, c.manager_id,
       COALESCE(m.average_assets, 0) AS average_assets,
       COALESCE(y.contribution, 0) AS contribution,
       COALESCE(m.turnover, 0) AS turnover
FROM customers_customer c
LEFT JOIN analytics_customermonth m ON m.customer_id = c.id AND m.month = %(basis)s
LEFT JOIN (
    SELECT customer_id, ROUND(SUM(contribution), 2) AS contribution
    FROM analytics_customermonth
    WHERE month >= %(window)s AND month <= %(basis)s
    GROUP BY customer_id
) y ON y.customer_id = c.id
"""
# The columns FIGURES_SQL names, by the Tier field whose threshold applies to each.
THRESHOLD_COLUMNS = {
    "min_average_assets": "average_assets",
    "min_contribution": "contribution",
    "min_turnover": "turnover",
}
PREVIEW_SQL = "SELECT {qualified} AS qualified, COUNT(*) FROM ({figures}) f GROUP BY 1"


def figures_sql(*, basis: datetime.date) -> tuple[str, dict]:
    """The figures of every customer for a tier evaluated from `basis` (the first of a
    month), as a subquery with its parameters."""
    return FIGURES_SQL, {"basis": basis, "window": months_later(basis, -(HISTORY_MONTHS - 1))}


def qualification_sql(tiers: Sequence[Tier], keys: Sequence[int]) -> tuple[str, dict]:
    """The tier each row of the figures (alias `f`) qualifies for, as a CASE over `tiers`
    (active, highest first) that yields the tier's key: the highest whose thresholds it meets,
    the last (the floor) otherwise. Thresholds are bound, and cast so that SQLite compares
    numbers with numbers (it binds a Decimal as text)."""
    assert tiers, "at least the floor"
    params: dict = {f"key{index}": key for index, key in enumerate(keys)}
    branches = []
    for index, tier in enumerate(tiers[:-1]):
        tests = []
        for field, column in THRESHOLD_COLUMNS.items():
            value = getattr(tier, field)
            if value is not None:
                name = f"t{index}_{column}"
                params[name] = value
                tests.append(f"f.{column} >= CAST(%({name})s AS NUMERIC)")
        joiner = " AND " if tier.combine == TierCombine.ALL else " OR "
        condition = joiner.join(tests) if tests else "1 = 1"
        branches.append(f"WHEN ({condition}) THEN CAST(%(key{index})s AS BIGINT)")
    floor = f"CAST(%(key{len(tiers) - 1})s AS BIGINT)"
    if not branches:
        return floor, params
    return f"CASE {' '.join(branches)} ELSE {floor} END", params


def tiers_active() -> list[Tier]:
    """The tiers evaluated, highest first; the last is the floor."""
    return list(Tier.objects.filter(active=True).order_by("rank"))


def tier_basis_months() -> list[datetime.date]:
    """The months whose figures are complete: every month the metrics rolled up but the last,
    which stays open until the first business day after it is loaded (analytics._is_open).
    Read from the branch roll-ups, a few rows a month."""
    months = BranchMonth.objects.order_by("month").values_list("month", flat=True).distinct()
    return list(months)[:-1]


def tier_months_due() -> list[datetime.date]:
    """The months the nightly step evaluates, in order: each month is evaluated from the
    complete month before it. The latest always (its figures may have been recomputed), and
    from the first month never evaluated onwards (each month's hysteresis reads the one
    before, so every later month follows)."""
    targets = [next_month(basis) for basis in tier_basis_months()]
    if not targets:
        return []
    evaluated = set(TierRun.objects.values_list("month", flat=True))
    missing = [month for month in targets if month not in evaluated]
    start = missing[0] if missing else targets[-1]
    return [month for month in targets if month >= start]


def tier_latest_month() -> datetime.date | None:
    """The latest month evaluated, if any."""
    return TierRun.objects.order_by("-month").values_list("month", flat=True).first()


# -- the admin's preview ---------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    tier: Tier
    would_hold: int  # qualifying under the edited thresholds (before any hysteresis)
    holds: int | None  # holding it in the latest month evaluated (None: a tier not saved yet)
    edited: bool


@dataclass(frozen=True)
class Preview:
    basis: datetime.date | None  # the month of figures counted; None when there are none
    month: datetime.date | None  # the latest month evaluated, whose holdings are compared
    rows: list[PreviewRow]


def tier_preview(*, edited: Tier) -> Preview:
    """How many customers each active tier would qualify, the edited (unsaved) tier in
    place of its saved version, from the figures the latest evaluation read (or the latest
    complete month when none ran): one grouped query over every customer, and one for
    today's holdings. Internal: the admin's, who sees every customer."""
    saved = [tier for tier in tiers_active() if tier.pk != edited.pk]
    tiers = sorted([*saved, edited] if edited.active else saved, key=lambda tier: tier.rank)
    month = tier_latest_month()
    basis = previous_month(month) if month else next(reversed(tier_basis_months()), None)
    if not tiers or basis is None:
        return Preview(basis=basis, month=month, rows=[])
    figures, params = figures_sql(basis=basis)
    qualified, more = qualification_sql(tiers, range(len(tiers)))
    with connection.cursor() as cursor:
        cursor.execute(PREVIEW_SQL.format(qualified=qualified, figures=figures), {**params, **more})
        counts = {int(key): total for key, total in cursor.fetchall()}
    holds = _holdings(month)
    return Preview(
        basis=basis,
        month=month,
        rows=[
            PreviewRow(
                tier=tier,
                would_hold=counts.get(index, 0),
                holds=holds.get(tier.pk, 0) if tier.pk else None,
                edited=tier is edited,
            )
            for index, tier in enumerate(tiers)
        ],
    )


def _holdings(month: datetime.date | None) -> dict[int, int]:
    if month is None:
        return {}
    rows = TierCount.objects.filter(month=month).values("tier_id").annotate(total=Sum("customers"))
    return {row["tier_id"]: row["total"] for row in rows}


# -- the dashboards ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    count: int
    move: str  # "up", "down", "same" or "new"
    query: str  # the drill-down's parameters


@dataclass(frozen=True)
class MatrixRow:
    tier: Tier | None  # None: customers placed for the first time
    cells: list[MatrixCell]
    total: int


@dataclass(frozen=True)
class Distribution:
    tier: Tier
    count: int
    to_watch: int
    query: str
    watch_query: str


@dataclass(frozen=True)
class TierDashboard:
    month: datetime.date | None
    tiers: list[Tier]  # the matrix's columns: every tier anybody holds or held, highest first
    distribution: list[Distribution]
    matrix: list[MatrixRow]
    total: int

    @property
    def basis(self) -> datetime.date | None:
        return previous_month(self.month) if self.month else None


# The drill-down's `from` for customers placed for the first time (no tier the month before).
NEW = "new"


def _move(before: Tier | None, after: Tier) -> str:
    if before is None:
        return "new"
    if before.pk == after.pk:
        return "same"
    return "up" if after.rank < before.rank else "down"


def tier_dashboard(scope: DashboardScope) -> TierDashboard:
    """The latest month evaluated in the scope: customers per tier (and how many of them are
    to watch), and the migration matrix from the tier held the month before (rows, the first
    for customers placed for the first time) to the tier held now (columns). Two queries over
    the pre-aggregated counts and the tiers (the month is read on its own only when the
    scope has no customer in it)."""
    latest = TierRun.objects.order_by("-month").values("month")[:1]
    grouped = list(
        customer_rows_in_scope(TierCount, scope)
        .filter(month=Subquery(latest))
        .values("month", "previous_tier_id", "tier_id", "to_watch")
        .annotate(total=Sum("customers"))
    )
    month = grouped[0]["month"] if grouped else tier_latest_month()
    if month is None:
        return TierDashboard(month=None, tiers=[], distribution=[], matrix=[], total=0)
    used = {row["tier_id"] for row in grouped} | {row["previous_tier_id"] for row in grouped}
    tiers = list(Tier.objects.filter(Q(active=True) | Q(pk__in=used - {None})).order_by("rank"))
    cells: dict[tuple[int | None, int], int] = {}
    held: dict[int, int] = {}
    watched: dict[int, int] = {}
    for row in grouped:
        key = (row["previous_tier_id"], row["tier_id"])
        cells[key] = cells.get(key, 0) + row["total"]
        held[row["tier_id"]] = held.get(row["tier_id"], 0) + row["total"]
        if row["to_watch"]:
            watched[row["tier_id"]] = watched.get(row["tier_id"], 0) + row["total"]
    distribution = [
        Distribution(
            tier=tier,
            count=held.get(tier.pk, 0),
            to_watch=watched.get(tier.pk, 0),
            query=f"month={month}&to={tier.code}",
            watch_query=f"month={month}&to={tier.code}&watch=1",
        )
        for tier in tiers
    ]
    sources: list[Tier | None] = [*tiers]
    if any(before is None for before, _after in cells):
        sources.insert(0, None)  # the row of customers placed for the first time
    matrix = []
    for before in sources:
        before_pk = before.pk if before else None
        origin = before.code if before else NEW
        row_cells = [
            MatrixCell(
                count=cells.get((before_pk, after.pk), 0),
                move=_move(before, after),
                query=f"month={month}&from={origin}&to={after.code}",
            )
            for after in tiers
        ]
        matrix.append(
            MatrixRow(tier=before, cells=row_cells, total=sum(c.count for c in row_cells))
        )
    return TierDashboard(
        month=month,
        tiers=tiers,
        distribution=distribution,
        matrix=matrix,
        total=sum(held.values()),
    )


def tier_customers(
    user,
    *,
    month: datetime.date,
    to_tier: Tier,
    from_tier: Tier | None = None,
    first_placed: bool = False,
    to_watch: bool = False,
) -> QuerySet[Customer]:
    """The customers behind a cell of the dashboards' tiers, through the customer list's
    scoped queryset: those holding `to_tier` in `month`, coming from `from_tier` (or placed
    for the first time), or to watch."""
    rows = CustomerTier.objects.filter(month=month, tier=to_tier)
    if first_placed:
        rows = rows.filter(previous_tier__isnull=True)
    elif from_tier is not None:
        rows = rows.filter(previous_tier=from_tier)
    if to_watch:
        rows = rows.filter(to_watch=True)
    return customers_for_user(user).filter(id__in=rows.values("customer_id"))


# -- the 360 page --------------------------------------------------------------------------------


def tiers_for_customer(customer: Customer) -> list[CustomerTier]:
    """The customer's last twelve months of tiers, latest first (one query). Internal: the
    customer came through customer_get_for_user."""
    return list(
        CustomerTier.objects.filter(customer=customer)
        .select_related("tier", "qualified_tier")
        .order_by("-month")[:HISTORY_MONTHS]
    )


@dataclass(frozen=True)
class CustomerStanding:
    """What the 360 page says of a customer's tier: the latest month's record, the history
    (latest first), and when the tier's contact standard next wants a contact."""

    current: CustomerTier | None
    history: list[CustomerTier]
    contact_due_on: datetime.date | None
    contact_overdue: bool


def tier_standing_for_customer(customer: Customer, *, today: datetime.date) -> CustomerStanding:
    """The customer's tier and history for the 360 page (one query); the contact standard
    read from the customer's last contact. Internal: the customer is in the caller's scope."""
    history = tiers_for_customer(customer)
    current = history[0] if history else None
    every = current.tier.contact_every_days if current else None
    if not every:
        return CustomerStanding(current, history, contact_due_on=None, contact_overdue=False)
    last = customer.last_contact_at
    if last is None:  # never contacted: overdue from the start
        return CustomerStanding(current, history, contact_due_on=None, contact_overdue=True)
    due = timezone.localdate(last) + datetime.timedelta(days=every)
    return CustomerStanding(current, history, contact_due_on=due, contact_overdue=due < today)


def tier_holders_subquery(month: datetime.date | None) -> Subquery | Value:
    """For a queryset of tiers: the customers holding each in `month` (the admin's list);
    none before any month was evaluated."""
    if month is None:
        return Value(None, output_field=IntegerField())
    held = (
        TierCount.objects.filter(month=month, tier_id=OuterRef("pk"))
        .values("tier_id")
        .annotate(total=Sum("customers"))
        .values("total")
    )
    return Subquery(held)
