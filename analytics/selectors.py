"""Reads of the analytics app. Functions named `*_for_customer` take a customer the caller
obtained through the scoping road (customer_get_for_user); dashboard reads take a
`DashboardScope` made by `dashboard_scope(user)`, the only way to one, which goes through
crm.scoping. Dashboards read the pre-aggregated tables only: a branch's or the company's
from the branch roll-ups, a team's as the sum of its members' broker roll-ups.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from analytics.models import (
    BranchDay,
    BranchMonth,
    BrokerDay,
    BrokerMonth,
    ContributionPareto,
    CustomerDay,
    CustomerMonth,
    CustomerYear,
)
from crm.dates import month_start, months_later, previous_month
from crm.models import Branch, Staff
from crm.roles import may_open_dashboards
from crm.scoping import reach_of
from crm.selectors import staff_for_user
from customers.models import Channel, ImportRun, Interaction, Task, TaskStatus
from customers.selectors.customers import customers_for_user

# Ranks by this year's contribution in the branch, ties sharing a rank (1, 2, 2, 4): the
# customers with a strictly greater total, plus one. The customer's own total is read in
# the same query, not bound as a parameter: SQLite binds a Decimal as text, and a number
# never exceeds text there, so every customer came out first. Totals are rounded to the
# cent because SQLite sums decimals as floats (100.10 + 200.20 is not 300.30 there). The
# scan reads the branch's months only (their index). The rank in the whole company is read
# from the year-to-date table the nightly metrics keep (CustomerYear): summing every
# customer's months per page takes 0.3-0.7 s at 100,000 customers.
RANK_SQL = """
WITH ytd AS (
    SELECT customer_id, ROUND(SUM(contribution), 2) AS total
    FROM analytics_customermonth
    WHERE branch_id = %(branch)s AND month >= %(since)s AND month <= %(until)s
    GROUP BY customer_id
), me AS (SELECT total FROM ytd WHERE customer_id = %(customer)s)
SELECT COUNT(*), SUM(CASE WHEN total > (SELECT total FROM me) THEN 1 ELSE 0 END)
FROM ytd
WHERE EXISTS (SELECT 1 FROM me)
"""
HEADLINES = ("total_assets", "net_inflow", "trade_volume", "net_commission", "contribution")
DEFAULT_DAYS = 60  # a dashboard's default period, in days


def contribution_for_customer(customer, *, today: datetime.date, viewer=None) -> dict:
    """The last twelve months of contribution, this year's totals and the customer's rank
    by contribution this year among the customers of their branch (two queries) and, when
    the `viewer` sees the whole company (head office), in the company (one more)."""
    year_start = today.replace(month=1, day=1)
    first = months_later(today, -11)
    months = list(
        CustomerMonth.objects.filter(customer=customer, month__gte=first, month__lte=today)
        .order_by("month")
        .values(
            "month",
            "contribution",
            "commission",
            "net_commission",
            "interest_income",
            "margin_interest",
            "product_fees",
            "average_assets",
        )
    )
    this_year = [m for m in months if m["month"] >= year_start]
    rank, ranked = (
        contribution_rank(customer, since=year_start, until=today) if this_year else (None, None)
    )
    company = viewer is not None and this_year and reach_of(viewer).everything
    company_rank, company_ranked = (
        company_rank_for_customer(customer, year=today.year) if company else (None, None)
    )
    return {
        "months": months,
        # Months without rows are "nothing brought" once the metrics step ran over them.
        "computed": bool(months) or metrics_ran(since=first, until=today),
        "contribution_ytd": sum((m["contribution"] for m in this_year), Decimal("0")),
        "commission_ytd": sum((m["commission"] for m in this_year), Decimal("0")),
        "net_commission_ytd": sum((m["net_commission"] for m in this_year), Decimal("0")),
        "rank": rank,
        "ranked": ranked,
        "company_rank": company_rank,
        "company_ranked": company_ranked,
    }


def contribution_rank(
    customer, *, since: datetime.date, until: datetime.date
) -> tuple[int | None, int | None]:
    """Internal (no scoping): the customer's rank by contribution from `since` to `until`
    among the customers of their branch, and how many are ranked; (None, None) where the
    customer contributed nothing in the period (one query)."""
    params = {"branch": customer.branch_id, "since": since, "until": until, "customer": customer.pk}
    with connection.cursor() as cursor:
        cursor.execute(RANK_SQL, params)
        ranked, above = cursor.fetchone()
    return ((above + 1), ranked) if ranked else (None, None)


def company_rank_for_customer(customer, *, year: int) -> tuple[int | None, int | None]:
    """Internal (no scoping): the customer's rank by this year's contribution in the whole
    company and how many are ranked, as the nightly metrics left them (CustomerYear); one
    row, (None, None) before the metrics have ranked the year."""
    row = (
        CustomerYear.objects.filter(year=year, customer=customer)
        .values_list("company_rank", "company_ranked")
        .first()
    )
    return row if row is not None else (None, None)


def metrics_ran(*, since: datetime.date, until: datetime.date) -> bool:
    """Whether the metrics step has computed a loaded day from `since` to `until` (its
    runs record when: ImportRun.metrics_at); one query."""
    return ImportRun.objects.filter(
        business_date__range=(since, until), metrics_at__isnull=False
    ).exists()


@dataclass(frozen=True)
class DashboardScope:
    """The branches a dashboard may show: one for a branch manager, all for head office;
    for a team lead their team's branch, narrowed to the team (`team_id`): the figures of
    the customers its members serve, from its members' broker roll-ups."""

    branch_ids: tuple[int, ...]
    company: bool
    team_id: int | None = None
    team_name: str = ""


def dashboard_scope(user) -> DashboardScope:
    """Branch managers see their branch, team leads their team, head office and admins the
    company; nobody else sees a dashboard (a broker's book is on their workbench, not in
    branch totals). The team is the one crm.scoping gives the lead."""
    if not may_open_dashboards(user):
        raise PermissionDenied
    reach = reach_of(user)
    if reach.everything:
        return DashboardScope(tuple(Branch.objects.values_list("id", flat=True)), company=True)
    if reach.branch_id:
        return DashboardScope((reach.branch_id,), company=False)
    if reach.team_id:
        staff = staff_for_user(user)  # the reach's team, read with the staff record
        team = staff.team if staff else None
        assert team is not None, "a reach with a team comes from a member of it"
        return DashboardScope(
            (team.branch_id,), company=False, team_id=team.pk, team_name=team.name
        )
    raise PermissionDenied


def _members(scope: DashboardScope):
    """The staff of the scope's team, as a subquery."""
    assert scope.team_id is not None, "only a team's dashboard has members"
    return Staff.objects.filter(team_id=scope.team_id).values("id")


def _group_days(scope: DashboardScope):
    """The daily roll-ups whose sums are the scope's: its branches', or its members'."""
    if scope.team_id:
        return BrokerDay.objects.filter(manager_id__in=_members(scope))
    return BranchDay.objects.filter(branch_id__in=scope.branch_ids)


def _group_months(scope: DashboardScope):
    """The monthly roll-ups whose sums are the scope's: its branches', or its members'."""
    if scope.team_id:
        return BrokerMonth.objects.filter(manager_id__in=_members(scope))
    return BranchMonth.objects.filter(branch_id__in=scope.branch_ids)


def customer_rows_in_scope(model, scope: DashboardScope):
    """Rows of customers counted in the scope (customer days or months, tier counts): where
    the customer stood that day (branch, or a member of the team as their manager)."""
    if scope.team_id:
        return model.objects.filter(manager_id__in=_members(scope))
    return model.objects.filter(branch_id__in=scope.branch_ids)


def loaded_range() -> tuple[datetime.date | None, datetime.date | None]:
    bounds = BranchDay.objects.aggregate(first=Min("business_date"), last=Max("business_date"))
    return bounds["first"], bounds["last"]


def dashboard_period(
    start: datetime.date | None,
    end: datetime.date | None,
    *,
    first: datetime.date,
    last: datetime.date,
    days: int = DEFAULT_DAYS,
) -> tuple[datetime.date, datetime.date]:
    """The period a dashboard shows: the dates asked for, a missing one `days` from the
    other, or the last `days` of the loaded range (starting no earlier than its first day).
    Never inverted: a period outside the loaded range stays as asked and shows no data."""
    if end is None:
        end = last if start is None or start <= last else start + datetime.timedelta(days=days)
    if start is None:
        start = end - datetime.timedelta(days=days)
        if first <= end:
            start = max(start, first)
    return start, end


def daily_series(scope: DashboardScope, start: datetime.date, end: datetime.date) -> list[dict]:
    """Per business day: assets, inflow, volume and revenue of the scope (one query)."""
    return list(
        _group_days(scope)
        .filter(business_date__range=(start, end))
        .values("business_date")
        .annotate(
            total_assets=Sum("total_assets"),
            net_inflow=Sum("net_inflow"),
            trade_volume=Sum("trade_volume"),
            commission=Sum("commission"),
            net_commission=Sum("net_commission"),
            interest_income=Sum("interest_income"),
            margin_interest=Sum("margin_interest"),
            product_fees=Sum("product_fees"),
            contribution=Sum("contribution"),
            active_customers=Sum("active_customers"),
            volume_internet=Sum("volume_internet"),
            volume_mobile=Sum("volume_mobile"),
            volume_phone=Sum("volume_phone"),
            volume_counter=Sum("volume_counter"),
        )
        .order_by("business_date")
    )


def accounts_summary(scope: DashboardScope, start: datetime.date, end: datetime.date) -> dict:
    """Accounts opened in the range, accounts by status at its last day, and customers who
    traded in the range's last month (three small queries on the roll-ups)."""
    days = _group_days(scope)
    opened = (
        days.filter(business_date__range=(start, end)).aggregate(opened=Sum("new_accounts"))[
            "opened"
        ]
        or 0
    )
    last_day = days.filter(business_date__lte=end)
    at_end = last_day.filter(
        business_date=last_day.order_by("-business_date").values("business_date")[:1]
    ).aggregate(
        normal=Sum("accounts_normal"),
        dormant=Sum("accounts_dormant"),
        closed=Sum("accounts_closed"),
        frozen_or_lost=Sum("accounts_frozen_or_lost"),
    )
    active = (
        _group_months(scope)
        .filter(month=month_start(end))
        .aggregate(active=Sum("active_customers"))["active"]
        or 0
    )
    return {"opened": opened, "active": active, **at_end}


def branch_comparison(scope: DashboardScope, start: datetime.date, end: datetime.date):
    """Each branch's volume, contribution and latest assets over the range (head office)."""
    return list(
        BranchDay.objects.filter(branch_id__in=scope.branch_ids, business_date__range=(start, end))
        .values("branch_id", "branch__code", "branch__name")
        .annotate(
            trade_volume=Sum("trade_volume"),
            contribution=Sum("contribution"),
            net_inflow=Sum("net_inflow"),
            total_assets=Sum("total_assets", filter=Q(business_date=end)),
        )
        .order_by("-trade_volume")
    )


def period_comparison(scope: DashboardScope, month: datetime.date) -> list[dict]:
    """Headline figures of a month, the month before and the same month a year earlier."""
    previous = previous_month(month)
    last_year = month.replace(year=month.year - 1)
    rows = {
        row["month"]: row
        for row in _group_months(scope)
        .filter(month__in=(month, previous, last_year))
        .values("month")
        .annotate(
            average_assets=Sum("average_assets"),
            **{name: Sum(name) for name in HEADLINES if name != "total_assets"},
            total_assets=Sum("total_assets"),
        )
    }
    figures = []
    for name in ("average_assets", *HEADLINES):
        now = rows.get(month, {}).get(name)
        before = rows.get(previous, {}).get(name)
        year_ago = rows.get(last_year, {}).get(name)
        figures.append(
            {
                "name": name,
                "now": now,
                "previous": before,
                "year_ago": year_ago,
                "change": _change(now, before),
                "change_year": _change(now, year_ago),
            }
        )
    return figures


def _change(now, before):
    """The relative change from `before`; none against a nil or negative base (an outflow
    month), where a percentage says nothing (the table shows "—")."""
    if now is None or before is None or before <= 0:
        return None
    return (now - before) / before


def contribution_pareto(scope: DashboardScope, month: datetime.date) -> dict:
    """The month's curve of cumulative contribution share against the share of customers,
    best first, and the top 20 %'s share (precomputed by the metrics step). With fewer
    than 100 customers each bucket is one customer, so shares are computed from the count
    of buckets."""
    rows = list(
        ContributionPareto.objects.filter(month=month_start(month), scope=_scope_key(scope))
        .order_by("bucket")
        .values_list("bucket", "cumulative_share")
    )
    buckets = len(rows)
    curve = [(Decimal(bucket * 100) / buckets, share) for bucket, share in rows]
    top = _share_at(curve, Decimal(20))
    percent = round(top * 100, 1) if top is not None else None
    return {"curve": curve, "top20_share": top, "top20_percent": percent}


def _scope_key(scope: DashboardScope) -> int:
    """The scope of ContributionPareto: 0 the company, minus a team's id, a branch's id."""
    if scope.company:
        return 0
    return -scope.team_id if scope.team_id else scope.branch_ids[0]


def _share_at(curve: list[tuple], percent: Decimal):
    """The cumulative share reached by the best `percent` % of customers."""
    reached = [share for x, share in curve if x <= percent]
    return reached[-1] if reached else None


def _bucket_for(scope: DashboardScope, month: datetime.date, percent: int):
    """The Pareto bucket that ends the best `percent` % of customers of the month."""
    buckets = ContributionPareto.objects.filter(month=month, scope=_scope_key(scope)).count()
    if not buckets:
        return None
    number = max(1, int(percent * buckets / 100))
    return ContributionPareto.objects.filter(
        month=month, scope=_scope_key(scope), bucket=number
    ).first()


def broker_performance(scope: DashboardScope, start: datetime.date, end: datetime.date):
    """Per broker over the range's months: book, assets, inflow, revenue, contacts logged
    and tasks done (three grouped queries, merged by staff id)."""
    months = (month_start(start), month_start(end))
    brokers_of_scope = (
        BrokerMonth.objects.filter(manager_id__in=_members(scope))
        if scope.team_id
        else BrokerMonth.objects.filter(branch_id__in=scope.branch_ids)
    )
    in_scope = brokers_of_scope.filter(month__range=months)
    # The brokers as a subquery: head office has thousands, which as literal ids would cost
    # more to send and plan than the counts themselves.
    brokers = in_scope.values("manager_id")
    books = {
        row["manager_id"]: row
        for row in in_scope.values(
            "manager_id", "manager__staff_code", "manager__name", "branch__name"
        )
        .annotate(
            customers=Max("customers"),
            average_assets=Max("average_assets"),
            net_inflow=Sum("net_inflow"),
            commission=Sum("commission"),
            net_commission=Sum("net_commission"),
            contribution=Sum("contribution"),
        )
        # A fixed order, so that brokers the table's sort ties keep their places between
        # the page and its CSV.
        .order_by("manager__staff_code", "manager_id")
    }
    # Contacts and tasks are the CRM's own, live records, while the metrics stop at the last
    # imported day: a period that runs to that day runs to today for them, or the work done
    # since the last import (most of it) counted nowhere.
    # (One expression in both counts, not a query of its own.)
    activity_end = Case(
        When(Exists(BranchDay.objects.filter(business_date__gt=end)), then=Value(end)),
        default=Value(max(end, timezone.localdate())),
        output_field=DateField(),
    )
    contacts = dict(
        Interaction.objects.filter(
            staff_id__in=brokers,
            occurred_at__date__gte=start,
            occurred_at__date__lte=activity_end,
        )
        .values_list("staff_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    done = dict(
        Task.objects.filter(
            assignee_id__in=brokers,
            status=TaskStatus.DONE,
            done_at__date__gte=start,
            done_at__date__lte=activity_end,
        )
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        {**row, "contacts": contacts.get(staff_id, 0), "tasks_done": done.get(staff_id, 0)}
        for staff_id, row in books.items()
    ]


def group_rollup(scope: DashboardScope, month: datetime.date) -> list[dict]:
    """The month by region (head office) or by team (a branch manager), summed from the
    branch and broker month roll-ups; each row links to its customers. A team's dashboard
    has no groups: its members are the broker table."""
    if scope.team_id:
        return []
    month = month_start(month)
    sums = {
        "customers": Sum("customers"),
        "average_assets": Sum("average_assets"),
        "net_inflow": Sum("net_inflow"),
        "net_commission": Sum("net_commission"),
        "contribution": Sum("contribution"),
    }
    rows: QuerySet
    if scope.company:
        rows = (
            BranchMonth.objects.filter(branch_id__in=scope.branch_ids, month=month)
            .values(group=F("branch__region"))
            .annotate(**sums)
            .order_by("-contribution")
        )
    else:
        rows = (
            BrokerMonth.objects.filter(branch_id__in=scope.branch_ids, month=month)
            .values(group=F("manager__team__name"))
            .annotate(**sums)
            .order_by("-contribution")
        )
    return list(rows)


CHANNEL_VOLUMES = {channel: f"volume_{channel}" for channel in Channel.values}


def customers_behind(
    user,
    scope: DashboardScope,
    *,
    month: datetime.date,
    since: datetime.date | None = None,
    top: int | None = None,
    channel: str | None = None,
):
    """The customers behind a dashboard number, through the customer list's scoped
    queryset: the month's top `top` % by contribution, or those who traded via `channel`
    in the months from `since` to `month`."""
    month = month_start(month)
    since = month_start(since or month)
    rows = customer_rows_in_scope(CustomerMonth, scope).filter(month__range=(since, month))
    if top is not None:
        rows = rows.filter(month=month)
        bucket = _bucket_for(scope, month, top)
        if bucket is None:
            return customers_for_user(user).none()
        # Half a fen of slack: SQLite keeps the sums as doubles (41.04 may be 41.0400000001).
        floor = bucket.min_contribution - Decimal("0.005")
        rows = rows.filter(contribution__gte=floor, contribution__gt=0)
    if channel is not None:
        rows = rows.filter(**{f"{CHANNEL_VOLUMES[channel]}__gt": 0})
    return customers_for_user(user).filter(id__in=rows.values("customer_id"))


# The customers behind a figure of a day's metrics: those whose own figure is in the sum
# (money moved either way, assets held, revenue brought).
DAY_FIGURES = {
    "assets": Q(total_assets__gt=0),
    "inflow": ~Q(net_inflow=0),
    "commission": Q(commission__gt=0),
    "net_commission": Q(net_commission__gt=0),
    "interest_income": Q(interest_income__gt=0),
    "margin_interest": Q(margin_interest__gt=0),
    "product_fees": Q(product_fees__gt=0),
    "revenue": Q(contribution__gt=0),
}


def customers_behind_days(
    user,
    scope: DashboardScope,
    *,
    start: datetime.date,
    end: datetime.date,
    figure: str | None = None,
    channel: str | None = None,
):
    """The customers behind a daily chart's point (`start` = `end`) or a slice of a pie
    over the days from `start` to `end`: those with the `figure` on one of those days, or
    who traded through `channel` on one of them."""
    if figure:
        condition = DAY_FIGURES[figure]
    else:
        assert channel is not None, "a figure or a channel"
        condition = Q(**{f"{CHANNEL_VOLUMES[channel]}__gt": 0})
    rows = customer_rows_in_scope(CustomerDay, scope).filter(
        condition, business_date__range=(start, end)
    )
    return customers_for_user(user).filter(id__in=rows.values("customer_id"))
