"""A campaign's results over the customers a viewer sees: reach, delivery, response,
conversion in the contacted group against the holdout group (the lift, with its confidence
interval), net inflow per customer against the holdout, cost per conversion and ROI; and
the nightly marking of recipients who converted. Every figure is a handful of aggregate
queries over all recipients at once, never a loop over customers.

The rules, written once here:

- **Reach**: contacted-group recipients the campaign got to — a message the gateway accepted
  (sent or delivered) or a call, invitation or gift done with an outcome that reached the
  customer (marketing.services.calls.NOT_REACHED does not), or a recipient stamped
  contacted. Holdout recipients are never contacted.
- **Delivery rate**: delivered ÷ sent, over the SMS and e-mail sends that went to the
  gateway (sent_at set) of the contacted group.
- **Response rate**: of those reached, the ones who replied (a reply that is not an
  opt-out) or whose call ended interested, accepted the invitation or attended the event.
- **Conversion window**: every recipient, contacted or holdout, reached or not, has one
  window of `campaign.conversion_days` days from the campaign's group day, both ends
  included (group day … group day + N). The group day is the local day of the campaign's
  first send over all its recipients (its starts_at before anything was sent): that is
  when contact began for the whole group. The contacted group is not watched from each
  recipient's own contact day: the holdout has no contact day, and a contacted window
  starting later than the holdout's has had fewer days to convert while windows are open
  (and covers other days), which biases the lift downward. So a recipient reached late (a
  call on day 10) is watched from the group day like everyone else: a purchase before their
  own contact counts, one after the group's window does not. Conversion, the lift, the net
  inflow lift, cost per conversion and ROI all use this one window; no figure uses a
  recipient's own contact day.
- **Conversion**: within their window the recipient bought the campaign's product
  (products.ProductSale, by sold_on), or their net inflow summed over the window's business
  days (analytics.CustomerDay.net_inflow) exceeds `campaign.inflow_threshold`. The holdout
  is counted by the same rule.
- **Two campaigns**: a customer who converts within the windows of two campaigns counts for
  each. Each campaign is measured against its own randomly drawn holdout, so conversions
  that would have happened anyway (another campaign's among them) are netted out by each
  lift; the conversions of the comparison table are therefore never to be added up across
  campaigns.
- **Lift**: conversion rate of the whole contacted group (reached or not: the holdout was
  drawn from the same eligible customers, so only the whole groups compare fairly) minus
  the holdout's, with a 95 % confidence interval from the normal approximation for the
  difference of two independent proportions (Wald, unpooled: ±1.96·√(p₁q₁/n₁ + p₀q₀/n₀));
  no interval (a dash) when both groups are at 0 % or both at 100 %, where that estimate
  has no width; relative lift = lift ÷ the holdout's rate.
- **Net inflow lift**: the mean net inflow over the window per contacted-group recipient
  minus the holdout's, with a 95 % interval by Welch's method (unequal variances,
  Welch-Satterthwaite degrees of freedom, Student's t quantile: the table up to 30 degrees
  of freedom, an expansion above); no interval with fewer than two in a group or no spread.
- **Cost** is marketing.services.costs' (billed SMS segments, gifts, event expenses). A
  viewer whose scope lacks some of the campaign's recipients sees the cost of their own
  customers' messages and gifts only: event expenses and the budget are the whole
  campaign's, and shown to those who see all of it.
- **Cost per conversion** = cost ÷ converted contacted-group recipients; **ROI** =
  (contribution of the converted contacted-group recipients over their windows, from
  analytics.CustomerDay.contribution - cost) ÷ cost.

Windows still open (or days whose metrics are not loaded yet) count what has happened so far.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from analytics.models import CustomerDay
from customers.models import Customer
from marketing.models import (
    MESSAGE_CHANNELS,
    CallOutcome,
    Campaign,
    CampaignStatus,
    InboundReply,
    Recipient,
    RecipientGroup,
    Send,
    SendStatus,
)
from marketing.services.calls import NOT_REACHED
from marketing.services.costs import Cost, costs_by_campaign
from products.models import ProductSale

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)
SQUARES = DecimalField(max_digits=40, decimal_places=4)
# Call outcomes that are a response, as a reply is.
RESPONSE_OUTCOMES = (CallOutcome.INTERESTED, CallOutcome.ACCEPTED, CallOutcome.ATTENDED)
Z_95 = 1.959963984540054
# Campaigns whose recipients the nightly step still marks: not drafts or ones never approved.
MEASURED_STATUSES = (
    CampaignStatus.APPROVED,
    CampaignStatus.RUNNING,
    CampaignStatus.PAUSED,
    CampaignStatus.FINISHED,
    CampaignStatus.CANCELLED,
)


class AddDays(Func):
    """A date plus a whole number of days, as PostgreSQL and SQLite each spell it."""

    output_field = DateField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" + ")

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' days')",
            arg_joiner=", '+' || ",
        )


# -- the pure part: figures in, rates and intervals out ------------------------------------------


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def proportion_interval(x: int, n: int) -> Interval | None:
    """The 95 % Wald interval of one proportion x / n (normal approximation), within 0-1."""
    if not n:
        return None
    p = x / n
    margin = Z_95 * math.sqrt(p * (1 - p) / n)
    return Interval(max(p - margin, 0.0), min(p + margin, 1.0))


def proportion_difference(
    x1: int, n1: int, x0: int, n0: int
) -> tuple[float, Interval | None] | None:
    """p₁ - p₀ and its 95 % Wald interval (normal approximation, unpooled variances); None
    when a group is empty. The interval is None when both groups are at 0 % or both at
    100 %: the Wald estimate of the spread is then 0, and a zero-width interval would claim
    a certainty the counts do not give (the page shows a dash)."""
    if not n1 or not n0:
        return None
    p1, p0 = x1 / n1, x0 / n0
    difference = p1 - p0
    spread = p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0
    if spread <= 0:
        return difference, None
    margin = Z_95 * math.sqrt(spread)
    return difference, Interval(difference - margin, difference + margin)


# Student's t 97.5 % quantiles for 1 … 30 degrees of freedom (the usual table, 3 decimals).
T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_quantile_975(df: float) -> float:
    """Student's t 97.5 % quantile for `df` degrees of freedom (Welch's are fractional).

    Up to 30: the table T_975, interpolated linearly in 1/df between whole degrees (below
    1 the value at 1). Above 30: the Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5),
    within 0.001 there and exact in the limit; it is too far off below 3 degrees of freedom
    (11.30 for 1) to be used for few."""
    if df <= 1:
        return T_975[0]
    if df <= len(T_975):
        low = math.floor(df)
        if low == df:
            return T_975[low - 1]
        share = (1 / low - 1 / df) / (1 / low - 1 / (low + 1))
        return T_975[low - 1] + share * (T_975[low] - T_975[low - 1])
    z = Z_95
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * df**4)
    )


def welch_difference(
    sum1: float, squares1: float, n1: int, sum0: float, squares0: float, n0: int
) -> tuple[float, Interval | None] | None:
    """Difference of two means from their sums and sums of squares, with Welch's 95 %
    interval (None with fewer than two in a group, or no spread at all)."""
    if not n1 or not n0:
        return None
    mean1, mean0 = sum1 / n1, sum0 / n0
    difference = mean1 - mean0
    if n1 < 2 or n0 < 2:
        return difference, None
    var1 = max((squares1 - n1 * mean1**2) / (n1 - 1), 0.0)
    var0 = max((squares0 - n0 * mean0**2) / (n0 - 1), 0.0)
    a, b = var1 / n1, var0 / n0
    if a + b == 0:
        return difference, None
    df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n0 - 1))
    margin = t_quantile_975(df) * math.sqrt(a + b)
    return difference, Interval(difference - margin, difference + margin)


@dataclass(frozen=True)
class Group:
    """One group's recipients in the viewer's scope and what became of them."""

    recipients: int = 0
    reached: int = 0
    responded: int = 0
    converted: int = 0
    inflow: Decimal = ZERO
    inflow_squares: Decimal = ZERO
    # Contribution over their windows of the converted ones (the ROI's return).
    converted_contribution: Decimal = ZERO

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.recipients if self.recipients else None

    @property
    def inflow_per_customer(self) -> Decimal | None:
        return (self.inflow / self.recipients).quantize(ZERO) if self.recipients else None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Results:
    campaign_id: int
    contacted: Group = field(default_factory=Group)
    holdout: Group = field(default_factory=Group)
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    cost: Cost = field(default_factory=Cost)
    # Whether every conversion window has closed by the day the results are of (the last
    # contact is on the campaign's last day at the latest); None when not known.
    windows_closed: bool | None = None

    @property
    def started(self) -> bool:
        """Whether anything reached anybody yet (else the page shows its empty state)."""
        return self.sent > 0 or self.contacted.reached > 0

    @property
    def reach(self) -> int:
        return self.contacted.reached

    @property
    def delivery_rate(self) -> float | None:
        return _ratio(self.delivered, self.sent)

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.contacted.responded, self.contacted.reached)

    @property
    def conversion_rate(self) -> float | None:
        return self.contacted.conversion_rate

    @property
    def holdout_conversion_rate(self) -> float | None:
        return self.holdout.conversion_rate

    @property
    def _lift(self):
        c, h = self.contacted, self.holdout
        return proportion_difference(c.converted, c.recipients, h.converted, h.recipients)

    @property
    def lift(self) -> float | None:
        return self._lift[0] if self._lift else None

    @property
    def lift_interval(self) -> Interval | None:
        return self._lift[1] if self._lift else None

    @property
    def relative_lift(self) -> float | None:
        rate = self.holdout_conversion_rate
        return self.lift / rate if self.lift is not None and rate else None

    @property
    def _inflow_lift(self):
        c, h = self.contacted, self.holdout
        return welch_difference(
            float(c.inflow),
            float(c.inflow_squares),
            c.recipients,
            float(h.inflow),
            float(h.inflow_squares),
            h.recipients,
        )

    @property
    def inflow_lift(self) -> float | None:
        return self._inflow_lift[0] if self._inflow_lift else None

    @property
    def inflow_lift_interval(self) -> Interval | None:
        return self._inflow_lift[1] if self._inflow_lift else None

    @property
    def cost_per_conversion(self) -> Decimal | None:
        if not self.contacted.converted:
            return None
        return (self.cost.total / self.contacted.converted).quantize(ZERO)

    @property
    def roi(self) -> float | None:
        if not self.cost.total:
            return None
        return float((self.contacted.converted_contribution - self.cost.total) / self.cost.total)


# -- the queries ------------------------------------------------------------------------------


def _reached_sends() -> QuerySet[Send]:
    """A recipient's sends that got to the customer."""
    return Send.objects.filter(recipient=OuterRef("pk")).filter(
        Q(status__in=(SendStatus.SENT, SendStatus.DELIVERED))
        | (Q(status=SendStatus.DONE) & ~Q(outcome__in=NOT_REACHED))
    )


def group_start_days(ids: list[int]) -> dict[int, datetime.date]:
    """Each campaign's first day of contact: the local day of its first send over every
    recipient (whoever looks), or of its starts_at before anything was sent. One query."""
    rows = (
        Campaign.objects.filter(pk__in=ids)
        .annotate(first=Min("sends__sent_at"))
        .values_list("pk", "starts_at", "first")
    )
    return {pk: timezone.localdate(first or starts_at) for pk, starts_at, first in rows}


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def recipients_windowed_sql(recipients: QuerySet[Recipient], starts: dict) -> tuple[str, list]:
    """SQL of one row per recipient (rid, cid, grp, reached, responded, window_start,
    window_end, inflow, contribution, converted) by the module's rules, and its parameters.

    The window of each recipient is computed once, in a materialized CTE (`starts`: each
    campaign's group start day, group_start_days); the net inflow and contribution over it
    are one join to the daily metrics grouped by recipient, the purchases one join to the
    sales, so the database makes three passes however many recipients there are."""
    reached_sends = _reached_sends()
    reached = Q(group=RecipientGroup.CONTACT) & (
        Q(contacted_at__isnull=False) | Q(Exists(reached_sends))
    )
    replies = InboundReply.objects.filter(send__recipient=OuterRef("pk"), opt_out=False)
    answers = Send.objects.filter(recipient=OuterRef("pk"), outcome__in=RESPONSE_OUTCOMES)
    group_day = Case(
        *(When(campaign_id=pk, then=Value(day)) for pk, day in starts.items()),
        output_field=DateField(),
    )
    rows = (
        recipients.order_by()
        .annotate(
            rid=F("pk"),
            cid=F("campaign_id"),
            cust=F("customer_id"),
            grp=F("group"),
            reached=_flag(reached),
            responded=_flag(reached & (Q(Exists(replies)) | Q(Exists(answers)))),
            # The group day for every recipient (the module's rules: one window for both groups).
            window_start=group_day,
            window_end=AddDays(F("window_start"), F("campaign__conversion_days")),
            product=F("campaign__product_id"),
            threshold=F("campaign__inflow_threshold"),
        )
        .values(
            "rid",
            "cid",
            "cust",
            "grp",
            "reached",
            "responded",
            "window_start",
            "window_end",
            "product",
            "threshold",
        )
    )
    inner, params = rows.query.sql_with_params()
    day_table = CustomerDay._meta.db_table
    sale_table = ProductSale._meta.db_table
    sql = f"""
        WITH r AS MATERIALIZED ({inner}),
        m AS (
            SELECT r.rid, SUM(d.net_inflow) AS inflow, SUM(d.contribution) AS contribution
            FROM r JOIN {day_table} d ON d.customer_id = r.cust
                AND d.business_date >= r.window_start AND d.business_date <= r.window_end
            GROUP BY r.rid
        ),
        b AS (
            SELECT DISTINCT r.rid FROM r JOIN {sale_table} s ON s.customer_id = r.cust
                AND s.product_id = r.product
                AND s.sold_on >= r.window_start AND s.sold_on <= r.window_end
        )
        SELECT r.rid, r.cid, r.grp, r.reached, r.responded,
            COALESCE(m.inflow, 0) AS inflow, COALESCE(m.contribution, 0) AS contribution,
            CASE WHEN b.rid IS NOT NULL OR COALESCE(m.inflow, 0) > r.threshold
                THEN 1 ELSE 0 END AS converted
        FROM r LEFT JOIN m ON m.rid = r.rid LEFT JOIN b ON b.rid = r.rid
    """
    return sql, list(params)


def _money(value) -> Decimal:
    return Decimal(str(value or 0))


def _groups(ids: list[int], customers: QuerySet[Customer] | None, starts: dict) -> dict:
    """(campaign id, group) -> Group, in one aggregate query."""
    recipients = Recipient.objects.filter(campaign_id__in=ids)
    if customers is not None:
        recipients = recipients.filter(customer__in=customers)
    per_recipient, params = recipients_windowed_sql(recipients, starts)
    sql = f"""
        SELECT x.cid, x.grp, COUNT(*), SUM(x.reached), SUM(x.responded), SUM(x.converted),
            SUM(x.inflow), SUM(x.inflow * x.inflow),
            SUM(CASE WHEN x.converted = 1 THEN x.contribution ELSE 0 END)
        FROM ({per_recipient}) x
        GROUP BY x.cid, x.grp
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        (cid, grp): Group(
            recipients=n,
            reached=int(reached or 0),
            responded=int(responded or 0),
            converted=int(converted or 0),
            inflow=_money(inflow).quantize(ZERO),
            inflow_squares=_money(squares),
            converted_contribution=_money(contribution).quantize(ZERO),
        )
        for cid, grp, n, reached, responded, converted, inflow, squares, contribution in rows
    }


def _deliveries(ids: list[int], customers: QuerySet[Customer] | None) -> dict:
    """campaign id → (sent, delivered, failed) of the contacted group's messages."""
    sends = Send.objects.filter(
        campaign_id__in=ids, channel__in=MESSAGE_CHANNELS, sent_at__isnull=False
    )
    if customers is not None:
        sends = sends.filter(customer__in=customers)
    rows = (
        sends.order_by()
        .values("campaign_id")
        .annotate(
            sent=Count("pk"),
            delivered=Count("pk", filter=Q(status=SendStatus.DELIVERED)),
            failed=Count("pk", filter=Q(status=SendStatus.FAILED)),
        )
    )
    return {row["campaign_id"]: (row["sent"], row["delivered"], row["failed"]) for row in rows}


def partly_seen(ids: list[int], customers: QuerySet[Customer] | None) -> set[int]:
    """The campaigns with a recipient outside `customers` (their cost is shown in part)."""
    if customers is None:
        return set()
    outside = Recipient.objects.filter(campaign_id__in=ids).exclude(customer__in=customers)
    return set(outside.order_by().values_list("campaign_id", flat=True).distinct())


def _closed(
    campaign: Campaign | None, today: datetime.date | None, start: datetime.date | None
) -> bool | None:
    """Whether every window has closed: all start on the group day `start` (the module's
    rules), so after start + conversion_days."""
    if campaign is None or today is None or start is None:
        return None
    return today > start + datetime.timedelta(days=campaign.conversion_days)


def campaigns_results(
    campaigns, *, customers: QuerySet[Customer] | None, today: datetime.date | None = None
) -> dict[int, Results]:
    """Results of many campaigns at once, over `customers` (a viewer's scope; None: every
    customer, internal), in a fixed number of queries whatever the number of campaigns."""
    campaigns = list(campaigns)
    ids = [campaign.pk if isinstance(campaign, Campaign) else campaign for campaign in campaigns]
    if not ids:
        return {}
    by_pk = {c.pk: c for c in campaigns if isinstance(c, Campaign)}
    starts = group_start_days(ids)
    groups = _groups(ids, customers, starts)
    deliveries = _deliveries(ids, customers)
    partly = partly_seen(ids, customers)
    whole_costs = costs_by_campaign(
        [c for c in campaigns if (c.pk if isinstance(c, Campaign) else c) not in partly]
    )
    own_costs = costs_by_campaign(sorted(partly), customers=customers) if partly else {}
    results = {}
    for pk in ids:  # one row per campaign
        sent, delivered, failed = deliveries.get(pk, (0, 0, 0))
        results[pk] = Results(
            campaign_id=pk,
            contacted=groups.get((pk, RecipientGroup.CONTACT), Group()),
            holdout=groups.get((pk, RecipientGroup.HOLDOUT), Group()),
            sent=sent,
            delivered=delivered,
            failed=failed,
            cost=own_costs[pk] if pk in partly else whole_costs[pk],
            windows_closed=_closed(by_pk.get(pk), today, starts.get(pk)),
        )
    return results


def campaign_results(
    campaign: Campaign, *, customers: QuerySet[Customer] | None, today: datetime.date
) -> Results:
    """The campaign's results over `customers`, the viewer's scoped customer queryset
    (the module's docstring says how each figure is counted)."""
    return campaigns_results([campaign], customers=customers, today=today)[campaign.pk]


def campaign_conversions_mark(*, today: datetime.date, campaign: Campaign | None = None) -> int:
    """Stamp converted_at on every recipient (both groups) who converted by the module's rule
    and is not stamped yet, in one UPDATE over the campaigns measured (or `campaign`); the
    stamp is when this step found it. Safe to run again; for the nightly pipeline after the
    metrics. Returns how many were stamped."""
    if campaign is not None:
        ids = [campaign.pk]
    else:
        ids = list(
            Campaign.objects.filter(
                status__in=MEASURED_STATUSES,
                ends_on__gte=today - datetime.timedelta(days=400),
            ).values_list("pk", flat=True)
        )
    if not ids:
        return 0
    recipients = Recipient.objects.filter(campaign_id__in=ids, converted_at__isnull=True)
    per_recipient, params = recipients_windowed_sql(recipients, group_start_days(ids))
    table = Recipient._meta.db_table
    sql = f"""
        UPDATE {table} SET converted_at = %s
        WHERE id IN (SELECT x.rid FROM ({per_recipient}) x WHERE x.converted = 1)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(timezone.now()), *params])
        return cursor.rowcount
