"""The metrics step of the nightly pipeline: per customer per business day, then per month,
as set-based SQL over the imported facts. Each formula is documented in the README
("Metrics"); re-running a day or month replaces exactly its rows. Which days need computing
again is read from the import runs (`ImportRun.metrics_at`) and the product sales recorded
since, never from a day named by hand.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from analytics.models import (
    RUNNING_FIGURES,
    BranchDay,
    BranchMonth,
    BrokerDay,
    BrokerMonth,
    ContributionPareto,
    CustomerDay,
    CustomerMonth,
    CustomerRunning,
    CustomerYear,
)
from crm.dates import month_end, month_start, next_month, previous_month
from crm.locks import nightly_lock_acquire
from crm.sql import Dialect, literal
from customers.models import (
    LOADED_STATUSES,
    Channel,
    CustomerStatus,
    DailyBalance,
    ImportRun,
    RunKind,
)
from customers.services.figures import DAY_ASSET_JOINS

DAY_SQL = """
INSERT INTO analytics_customerday (
    business_date, customer_id, branch_id, manager_id, cash, market_value, collateral, debt,
    total_assets, net_assets, net_inflow, trade_volume, trade_count, commission,
    net_commission, interest_base, interest_income, margin_interest, product_fees,
    contribution, volume_internet, volume_mobile, volume_phone, volume_counter, turnover)
SELECT {day}, id, branch_id, manager_id, cash, market_value, collateral, debt,
       cash + market_value, cash + market_value - debt, net_inflow, trade_volume, trade_count,
       commission, net_commission, cash, interest_income, margin_interest, product_fees,
       net_commission + interest_income + margin_interest + product_fees,
       volume_internet, volume_mobile, volume_phone, volume_counter,
       CASE WHEN cash + market_value > 0
            THEN ROUND(trade_volume * 1.0 / (cash + market_value), 4) END
FROM (
    SELECT c.id, c.branch_id, c.manager_id,
           COALESCE(b.cash, 0) AS cash,
           COALESCE(p.market_value, 0) AS market_value,
           COALESCE(cr.collateral, 0) AS collateral,
           COALESCE(cr.debt, 0) AS debt,
           COALESCE(f.net_inflow, 0) AS net_inflow,
           COALESCE(t.volume, 0) AS trade_volume,
           COALESCE(t.trades, 0) AS trade_count,
           COALESCE(t.commission, 0) AS commission,
           COALESCE(t.commission, 0) - COALESCE(t.passed_on, 0) AS net_commission,
           COALESCE(t.internet, 0) AS volume_internet, COALESCE(t.mobile, 0) AS volume_mobile,
           COALESCE(t.phone, 0) AS volume_phone, COALESCE(t.counter, 0) AS volume_counter,
           ROUND(COALESCE(b.cash, 0) * {spread} / 360, 2) AS interest_income,
           ROUND(COALESCE(cr.financing, 0) * {margin_rate} / 360, 2) AS margin_interest,
           COALESCE(s.fees, 0) AS product_fees
    FROM customers_customer c
{assets}    LEFT JOIN (
        SELECT a.customer_id, SUM(x.amount) AS net_inflow
        FROM customers_cashflow x JOIN customers_capitalaccount a ON a.id = x.account_id
        WHERE x.flow_date = {day} AND x.biz_type IN ('BANK_IN', 'BANK_OUT')
        GROUP BY a.customer_id
    ) f ON f.customer_id = c.id
    LEFT JOIN (
        SELECT a.customer_id,
               SUM(CASE WHEN x.side IN ('B', 'S') THEN x.amount ELSE 0 END) AS volume,
               COUNT(*) AS trades, SUM(x.commission) AS commission,
               SUM(COALESCE(x.handling_fee, 0) + COALESCE(x.regulatory_fee, 0)) AS passed_on,
               {channels}
        FROM customers_trade x JOIN customers_capitalaccount a ON a.id = x.account_id
        WHERE x.trade_date = {day} GROUP BY a.customer_id
    ) t ON t.customer_id = c.id
    LEFT JOIN (
        SELECT customer_id, SUM(fee) AS fees
        FROM products_productsale WHERE sold_on = {day} GROUP BY customer_id
    ) s ON s.customer_id = c.id
) m
WHERE cash <> 0 OR market_value <> 0 OR debt <> 0 OR net_inflow <> 0 OR trade_count <> 0
   OR product_fees <> 0
"""

MONTH_SQL = """
INSERT INTO analytics_customermonth (
    month, customer_id, branch_id, manager_id, total_assets, average_assets, days,
    net_inflow, trade_volume, trade_count, commission, net_commission, interest_base,
    interest_income, margin_interest, product_fees, contribution, volume_internet,
    volume_mobile, volume_phone, volume_counter)
SELECT {month}, d.customer_id, last.branch_id, last.manager_id,
       SUM(CASE WHEN d.business_date = {last_day} THEN d.total_assets ELSE 0 END),
       ROUND(SUM(d.total_assets * {weight}) * 1.0 / {days}, 2),
       {days},
       SUM({inside} * d.net_inflow), SUM({inside} * d.trade_volume),
       SUM({inside} * d.trade_count), SUM({inside} * d.commission),
       SUM({inside} * d.net_commission),
       SUM(d.interest_base * {weight}),
       ROUND(SUM(d.interest_income * {weight}), 2),
       ROUND(SUM(d.margin_interest * {weight}), 2),
       SUM({inside} * d.product_fees),
       SUM({inside} * d.net_commission) + ROUND(SUM(d.interest_income * {weight}), 2)
           + ROUND(SUM(d.margin_interest * {weight}), 2) + SUM({inside} * d.product_fees),
       SUM({inside} * d.volume_internet), SUM({inside} * d.volume_mobile),
       SUM({inside} * d.volume_phone), SUM({inside} * d.volume_counter)
FROM analytics_customerday d
JOIN (
    SELECT customer_id, branch_id, manager_id FROM (
        SELECT customer_id, branch_id, manager_id,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY business_date DESC) AS n
        FROM analytics_customerday WHERE business_date IN ({days_in_month})
    ) ranked WHERE n = 1
) last ON last.customer_id = d.customer_id
WHERE d.business_date IN ({all_days})
GROUP BY d.customer_id, last.branch_id, last.manager_id
"""


SUMMED = (
    "total_assets",
    "net_inflow",
    "trade_volume",
    "trade_count",
    "commission",
    "net_commission",
    "interest_income",
    "margin_interest",
    "product_fees",
    "contribution",
    "volume_internet",
    "volume_mobile",
    "volume_phone",
    "volume_counter",
)
CHANNELS = tuple(Channel.values)
# Buy and sell volume per order channel, for the channel mix.
CHANNEL_SUMS = ", ".join(
    f"SUM(CASE WHEN x.channel = {literal(channel)} AND x.side IN ('B', 'S')"
    f" THEN x.amount ELSE 0 END) AS {channel}"
    for channel in CHANNELS
)


def _rollup_sql(
    *, target: str, period: str, value: str, group: str, source: str, extra: tuple[str, ...] = ()
) -> str:
    """Sums of customer rows of one period per branch or per broker (set-based)."""
    columns = [period, group, "customers", "active_customers", *SUMMED, *extra]
    selected = [
        period,
        group,
        "COUNT(*)",
        "SUM(CASE WHEN trade_count > 0 THEN 1 ELSE 0 END)",
        *(f"SUM({name})" for name in SUMMED),
        *("MAX(branch_id)" if name == "branch_id" else f"SUM({name})" for name in extra),
    ]
    return (
        f"INSERT INTO {target} ({', '.join(columns)}) SELECT {', '.join(selected)} "
        f"FROM {source} WHERE {period} = {value} AND {group} IS NOT NULL "
        f"GROUP BY {period}, {group}"
    )


def _rollups(*, period: str, value: datetime.date, daily: bool) -> None:
    source, branch_target, broker_target = (
        ("analytics_customerday", BranchDay, BrokerDay)
        if daily
        else ("analytics_customermonth", BranchMonth, BrokerMonth)
    )
    extra = () if daily else ("average_assets",)
    for model in (branch_target, broker_target):
        model.objects.filter(**{period: value}).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            _rollup_sql(
                target=branch_target._meta.db_table,
                period=period,
                value=_date_sql(value),
                group="branch_id",
                source=source,
                extra=extra,
            )
        )
        cursor.execute(
            _rollup_sql(
                target=broker_target._meta.db_table,
                period=period,
                value=_date_sql(value),
                group="manager_id",
                source=source,
                extra=("branch_id", *extra),
            )
        )


# Per branch, and per broker (whose branch is their customers'), so that a team's accounts
# are the sum of its members' rows. The status codes are the model's (ACCOUNT_STATUSES).
ACCOUNTS_SQL = """
INSERT INTO {table} (business_date, {group}, {branch_column} new_accounts, accounts_normal,
    accounts_dormant, accounts_closed, accounts_frozen_or_lost, {zeros})
SELECT {day}, c.{group}, {branch_value}
       SUM(CASE WHEN c.open_date = {day} THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = {normal} THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = {dormant} THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = {closed} THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status IN ({frozen}, {reported_lost}) THEN 1 ELSE 0 END),
       {zero_values}
FROM customers_customer c WHERE c.{group} IS NOT NULL GROUP BY c.{group}
ON CONFLICT (business_date, {group}) DO UPDATE SET
    new_accounts = excluded.new_accounts, accounts_normal = excluded.accounts_normal,
    accounts_dormant = excluded.accounts_dormant, accounts_closed = excluded.accounts_closed,
    accounts_frozen_or_lost = excluded.accounts_frozen_or_lost
"""
ACCOUNT_STATUSES = {
    "normal": literal(CustomerStatus.NORMAL),
    "dormant": literal(CustomerStatus.DORMANT),
    "closed": literal(CustomerStatus.CLOSED),
    "frozen": literal(CustomerStatus.FROZEN),
    "reported_lost": literal(CustomerStatus.REPORTED_LOST),
}


PARETO_SQL = """
INSERT INTO analytics_contributionpareto (
    month, scope, bucket, cumulative_share, min_contribution)
SELECT {month}, scope, bucket,
       ROUND(SUM(SUM(total)) OVER (PARTITION BY scope ORDER BY bucket) * 1.0
             / SUM(SUM(total)) OVER (PARTITION BY scope), 4),
       MIN(total)
FROM (
    SELECT {scope} AS scope, m.contribution AS total,
           NTILE(100) OVER (PARTITION BY {scope} ORDER BY m.contribution DESC) AS bucket
    FROM analytics_customermonth m {join}
    WHERE m.month = {month} AND m.contribution > 0 {where}
) ranked
GROUP BY scope, bucket
"""
# The scopes of the curve: the company, each branch, and each team (minus its id, by the
# team its members are in now).
PARETO_SCOPES = (
    ("0", "", ""),
    ("m.branch_id", "", ""),
    ("-s.team_id", "JOIN crm_staff s ON s.id = m.manager_id", "AND s.team_id IS NOT NULL"),
)


def _pareto(month: datetime.date) -> None:
    """The month's contribution curve for the company (scope 0), every branch and team."""
    ContributionPareto.objects.filter(month=month).delete()
    with connection.cursor() as cursor:
        for scope, join, where in PARETO_SCOPES:
            cursor.execute(
                PARETO_SQL.format(month=_date_sql(month), scope=scope, join=join, where=where)
            )


# This year's contribution per customer up to the latest month rolled up, ranked in the
# company with ties sharing a rank (1, 2, 2, 4, as the branch rank of the 360 page), and
# how many are ranked. Totals are rounded to the cent first: SQLite sums decimals as
# floats, and two equal totals must tie.
YEAR_SQL = """
INSERT INTO analytics_customeryear (year, customer_id, contribution, company_rank, company_ranked)
SELECT {year}, customer_id, total, RANK() OVER (ORDER BY total DESC), COUNT(*) OVER ()
FROM (
    SELECT customer_id, ROUND(SUM(contribution), 2) AS total
    FROM analytics_customermonth
    WHERE month >= {first} AND month <= {last}
    GROUP BY customer_id
) ytd
"""


def _year_to_date(year: int) -> None:
    """Replace the year's contribution ranks from its monthly roll-ups (one statement)."""
    CustomerYear.objects.filter(year=year).delete()
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            YEAR_SQL.format(year=int(year), first=_date_sql(first), last=_date_sql(last))
        )


def _accounts(day: datetime.date) -> None:
    """Account counts per branch and per broker for the day (every branch and broker with
    customers, even one without metrics)."""
    zeros = ("customers", "active_customers", *SUMMED)
    groups = (
        {"table": "analytics_branchday", "group": "branch_id", "branch_column": ""},
        {"table": "analytics_brokerday", "group": "manager_id", "branch_column": "branch_id,"},
    )
    with connection.cursor() as cursor:
        for group in groups:
            cursor.execute(
                ACCOUNTS_SQL.format(
                    **group,
                    **ACCOUNT_STATUSES,
                    branch_value="MAX(c.branch_id)," if group["branch_column"] else "",
                    day=_date_sql(day),
                    zeros=", ".join(zeros),
                    zero_values=", ".join("0" for _ in zeros),
                )
            )


def _date_sql(day: datetime.date) -> str:
    return Dialect(connection.vendor).day(day)


def _rate(name: str, default: str) -> str:
    return str(Decimal(str(getattr(settings, name, default))))


@transaction.atomic
def metrics_compute_day(*, day: datetime.date, running: bool = True) -> int:
    """Replace the day's customer metrics; returns the rows written. `running=False` leaves
    the running totals to the caller (metrics_compute_days: once for all its days)."""
    nightly_lock_acquire()
    # Stamped on the runs as when the day was computed: taken before any fact is read, so
    # that a product sale recorded while the day is computed leaves the day stale.
    started = timezone.now()
    # The runs whose facts this computation reads: loaded (their status is saved after their
    # facts commit) before it started. One that finishes meanwhile stays stale for next time.
    measured = list(_loaded_runs().filter(business_date=day).values_list("pk", flat=True))
    CustomerDay.objects.filter(business_date=day).delete()
    sql = DAY_SQL.format(
        assets=DAY_ASSET_JOINS.format(day=_date_sql(day)),
        day=_date_sql(day),
        channels=CHANNEL_SUMS,
        spread=_rate("INTEREST_SPREAD_ANNUAL", "0.012"),
        margin_rate=_rate("MARGIN_INTEREST_RATE", "0.06"),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.rowcount
    if running:
        running_totals_compute(day=day)
    _rollups(period="business_date", value=day, daily=True)
    _accounts(day)
    ImportRun.objects.filter(pk__in=measured).update(metrics_at=started)
    return rows


# A day's running totals: the previous metrics day's, plus the day's own rows (a customer
# without a row that day carries the previous sums; one first seen that day starts).
# Money is rounded to the cent: SQLite sums decimals as floats.
RUNNING_SQL = """
INSERT INTO analytics_customerrunning (business_date, customer_id, {columns}, days)
SELECT {day}, customer_id, {sums}, SUM(days)
FROM (
    SELECT customer_id, {columns}, 1 AS days
    FROM analytics_customerday WHERE business_date = {day}
    {carried}
) r
GROUP BY customer_id
"""
RUNNING_CARRIED = """UNION ALL
    SELECT customer_id, {columns}, days
    FROM analytics_customerrunning WHERE business_date = {previous}"""
# The distinct days of a table from a day on, one index probe per day (a loose index scan).
DAYS_FROM_SQL = """
WITH RECURSIVE days (day) AS (
    SELECT MIN(business_date) FROM {table} WHERE business_date >= {first}
    UNION ALL
    SELECT (SELECT MIN(t.business_date) FROM {table} t WHERE t.business_date > days.day)
    FROM days WHERE days.day IS NOT NULL
)
SELECT day FROM days WHERE day IS NOT NULL AND {where}
"""


def running_totals_compute(*, day: datetime.date) -> None:
    """Replace the day's running totals, then those of every later day with metrics (a
    corrected or late day changes the sums of every day after it)."""
    # Every later day with metrics, whether or not its running totals exist yet (days just
    # computed by metrics_compute_days), or with running totals (carried over a day that
    # has no rows).
    after = day + datetime.timedelta(days=1)
    later = set(_days_from("analytics_customerday", after))
    later |= set(_days_from("analytics_customerrunning", after))
    for each in [day, *sorted(later)]:
        _running_day(each)


def running_totals_rebuild() -> int:
    """Every running total again from the daily metrics (a backfill); returns the days."""
    CustomerRunning.objects.all().delete()
    days = _days_from("analytics_customerday", datetime.date(1900, 1, 1))
    for day in days:
        _running_day(day)
    return len(days)


def _running_day(day: datetime.date) -> None:
    CustomerRunning.objects.filter(business_date=day).delete()
    previous = (
        CustomerRunning.objects.filter(business_date__lt=day)
        .order_by("-business_date")
        .values_list("business_date", flat=True)
        .first()
    )
    columns = ", ".join(RUNNING_FIGURES)
    sums = ", ".join(
        f"SUM({name})" if name == "trade_count" else f"ROUND(SUM({name}), 2)"
        for name in RUNNING_FIGURES
    )
    carried = (
        RUNNING_CARRIED.format(columns=columns, previous=_date_sql(previous)) if previous else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            RUNNING_SQL.format(columns=columns, sums=sums, day=_date_sql(day), carried=carried)
        )


def _days_from(table: str, first: datetime.date, *, where: str = "1 = 1") -> list[datetime.date]:
    """The distinct days of `table` from `first` on that pass `where` (a fixed condition)."""
    with connection.cursor() as cursor:
        cursor.execute(DAYS_FROM_SQL.format(table=table, first=_date_sql(first), where=where))
        return _days_of(cursor.fetchall())


def month_weights(
    business_days: list[datetime.date], month: datetime.date, *, until: datetime.date
) -> dict[datetime.date, int]:
    """Natural days each business day stands for within the month, up to `until`.

    A business day covers itself and the days up to the next business day (a weekend or a
    holiday carries Friday's figures); the last business day before the month covers the
    month's first days when the month does not start on a business day.
    """
    last_of_month = month_end(month)
    end = min(last_of_month, until)
    days = sorted(business_days)
    weights = {}
    for index, day in enumerate(days):
        following = days[index + 1] if index + 1 < len(days) else end + datetime.timedelta(1)
        start = max(day, month)
        stop = min(following, end + datetime.timedelta(1))
        if stop > start:
            weights[day] = (stop - start).days
    return weights


@transaction.atomic
def metrics_compute_month(*, month: datetime.date) -> int:
    """Replace the month's customer roll-ups from the daily metrics; returns rows written."""
    nightly_lock_acquire()
    month = month_start(month)
    last_of_month = month_end(month)
    CustomerMonth.objects.filter(month=month).delete()
    for model in (BranchMonth, BrokerMonth):
        model.objects.filter(month=month).delete()
    in_month = sorted(
        CustomerDay.objects.filter(business_date__range=(month, last_of_month))
        .values_list("business_date", flat=True)
        .distinct()
    )
    if not in_month:
        _year_to_date(month.year)
        return 0
    carried = (
        CustomerDay.objects.filter(business_date__lt=month)
        .order_by("-business_date")
        .values_list("business_date", flat=True)
        .first()
    )
    candidates = ([carried] if carried else []) + in_month
    # A finished month counts to its end; the current one up to its latest loaded day.
    weights = month_weights(
        candidates, month, until=max(in_month) if _is_open(month) else last_of_month
    )
    days = sum(weights.values())
    weight = (
        "(CASE d.business_date "
        + " ".join(f"WHEN {_date_sql(day)} THEN {w}" for day, w in weights.items())
        + " ELSE 0 END)"
    )
    inside = f"(CASE WHEN d.business_date >= {_date_sql(month)} THEN 1 ELSE 0 END)"
    sql = MONTH_SQL.format(
        month=_date_sql(month),
        last_day=_date_sql(in_month[-1]),
        weight=weight,
        inside=inside,
        days=days,
        days_in_month=", ".join(_date_sql(day) for day in in_month),
        all_days=", ".join(_date_sql(day) for day in weights),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.rowcount
    with connection.cursor() as cursor:
        # A literal 1.0 keeps SQLite from dividing integers.
        cursor.execute(
            "UPDATE analytics_customermonth SET turnover = "
            "ROUND(trade_volume * 1.0 / average_assets, 4) "
            f"WHERE month = {_date_sql(month)} AND average_assets > 0"
        )
    _rollups(period="month", value=month, daily=False)
    _pareto(month)
    _year_to_date(month.year)
    return rows


def _is_open(month: datetime.date) -> bool:
    """A month is still open while no later business day has been loaded."""
    return not DailyBalance.objects.filter(business_date__gte=next_month(month)).exists()


def metrics_for_run(*, run: ImportRun) -> None:
    """The metrics a loaded import run touches: its day, and the months that day weighs in.
    A run that loaded nothing (refused, failed, already loaded) touches nothing."""
    if run.status in LOADED_STATUSES:
        metrics_compute_days(days=[run.business_date])


def metrics_compute_days(*, days: Iterable[datetime.date]) -> list[datetime.date]:
    """Compute the days, then each month they weigh in once; returns those months."""
    days = sorted(set(days))
    for day in days:
        metrics_compute_day(day=day, running=False)
    if days:
        # From the earliest day on, once: each day's own would redo every later day again.
        with transaction.atomic():
            nightly_lock_acquire()
            running_totals_compute(day=days[0])
    months = _months_weighed(days)
    for month in months:
        metrics_compute_month(month=month)
    return months


def metrics_compute_stale() -> list[datetime.date]:
    """Every day whose metrics miss what was loaded for it, then their months (the nightly
    pipeline after its import, a correction, `compute_metrics`); returns those days."""
    days = metrics_stale_days()
    metrics_compute_days(days=days)
    return days


def metrics_compute_missing() -> list[datetime.date]:
    """Every loaded business day without metrics, then their months (backfills, demo)."""
    days = _days_loaded_without_metrics()
    metrics_compute_days(days=days)
    return days


def metrics_stale_days() -> list[datetime.date]:
    """Days a loaded run has changed since their metrics were computed (a re-delivered day,
    a correction, a late day: `metrics_at` still empty), days with a product sale recorded
    after their metrics were computed (a back-dated sale), and days loaded without metrics."""
    unmeasured = (
        _loaded_runs()
        .filter(metrics_at__isnull=True)
        .values_list("business_date", flat=True)
        .distinct()
    )
    return sorted(
        set(unmeasured) | set(_days_sold_since_computed()) | set(_days_loaded_without_metrics())
    )


# When each loaded day was last computed (its runs' latest `metrics_at`; a run never
# measured leaves the day stale anyway), then one probe of the sales' day index per day.
SOLD_SINCE_COMPUTED_SQL = """
SELECT r.day
FROM (
    SELECT business_date AS day, MAX(metrics_at) AS computed
    FROM customers_importrun
    WHERE kind IN ({kinds}) AND status IN ({statuses})
    GROUP BY business_date
) r
WHERE EXISTS (
    SELECT 1 FROM products_productsale s WHERE s.sold_on = r.day AND s.created_at > r.computed
)
"""


def _days_sold_since_computed() -> list[datetime.date]:
    """Computed days with a product sale recorded after their latest computation."""
    with connection.cursor() as cursor:
        cursor.execute(
            SOLD_SINCE_COMPUTED_SQL.format(
                kinds=", ".join(literal(kind) for kind in (RunKind.DAY, RunKind.CORRECTION)),
                statuses=", ".join(literal(status) for status in LOADED_STATUSES),
            )
        )
        return _days_of(cursor.fetchall())


def _loaded_runs():
    return ImportRun.objects.filter(
        kind__in=(RunKind.DAY, RunKind.CORRECTION), status__in=LOADED_STATUSES
    )


def _days_loaded_without_metrics() -> list[datetime.date]:
    """The balances' days (one index probe per day, instead of reading every balance of
    every day) without customer metrics."""
    return _days_from(
        "customers_dailybalance",
        datetime.date(1900, 1, 1),
        where="NOT EXISTS (SELECT 1 FROM analytics_customerday d WHERE d.business_date = day)",
    )


def _days_of(rows) -> list[datetime.date]:
    # SQLite hands dates out of a raw query as ISO text.
    return sorted(
        day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)
        for (day,) in rows
    )


def _months_weighed(days: list[datetime.date]) -> list[datetime.date]:
    """The months whose roll-ups read these days: each day's own month; the next month when
    a day is the last business day before it (it stands for the next month's first days
    until its first business day) and that month is rolled up already; the previous month
    when a day is the first loaded in its month (it closes the previous month, which then
    counts to its end) and the previous month ended on a day without business."""
    months = set()
    by_month: dict[datetime.date, list[datetime.date]] = {}
    for day in days:
        by_month.setdefault(month_start(day), []).append(day)
    for month, in_month in by_month.items():
        months.add(month)
        following = next_month(month)
        last = max(in_month)
        if (
            CustomerMonth.objects.filter(month=following).exists()
            and not CustomerDay.objects.filter(
                business_date__gt=last, business_date__lt=following
            ).exists()
        ):
            months.add(following)
        previous = previous_month(month)
        first = min(in_month)
        if (
            CustomerMonth.objects.filter(month=previous).exists()
            and not DailyBalance.objects.filter(
                business_date__gte=month, business_date__lt=first
            ).exists()
            and not CustomerDay.objects.filter(
                business_date=month - datetime.timedelta(days=1)
            ).exists()
        ):
            months.add(previous)
    return sorted(months)
