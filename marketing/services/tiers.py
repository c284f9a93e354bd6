"""Writes of the tiers: the monthly evaluation with its hysteresis, and the service standard's
tasks on the managers' workbenches. Both are set-based SQL over every customer (one
INSERT … SELECT … ON CONFLICT per month, one INSERT … SELECT per tier for tasks), never a
loop over customers, and both are safe to run again. Reads are marketing/selectors/tiers.py.

How a month is evaluated (tier_evaluate_month): month M is evaluated from the complete
month M-1 of figures (its daily average assets and turnover, the contribution of the twelve
months up to it), so a customer qualifying on October's figures holds the tier from
November: an upgrade takes effect the month after it is earned. A customer whose figures
fall below the tier they hold keeps it, marked to watch, and is downgraded to the tier they
qualify for only in the Nth consecutive month below (N: the held tier's
downgrade_after_months); qualifying again for the held tier or above resets the count.
"""

import datetime

from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.dates import month_start, previous_month
from crm.locks import nightly_lock_acquire
from crm.sql import Dialect
from customers.models import Task, TaskKind, TaskStatus
from marketing.models import Tier, TierCount, TierRun
from marketing.selectors.tiers import (
    figures_sql,
    qualification_sql,
    tier_latest_month,
    tier_months_due,
    tiers_active,
)

# kept: still below the tier held, and not yet for the held tier's N months in a row.
EVALUATE_SQL = """
INSERT INTO marketing_customertier (
    customer_id, month, tier_id, qualified_tier_id, previous_tier_id, to_watch, months_below,
    since, branch_id, manager_id, average_assets, contribution, turnover)
SELECT customer_id, %(month)s,
       CASE WHEN kept = 1 THEN held_id ELSE qualified_id END,
       qualified_id, held_id, kept = 1,
       CASE WHEN kept = 1 THEN held_below + 1 ELSE 0 END,
       CASE WHEN kept = 1 OR qualified_id = held_id THEN held_since ELSE %(month)s END,
       branch_id, manager_id, average_assets, contribution, turnover
FROM (
    SELECT q.*,
           CASE WHEN h.id IS NOT NULL AND t.rank > h.rank
                     AND q.held_below + 1 < h.downgrade_after_months
                THEN 1 ELSE 0 END AS kept
    FROM (
        SELECT f.*, {qualified} AS qualified_id,
               p.tier_id AS held_id, p.months_below AS held_below, p.since AS held_since
        FROM ({figures}) f
        LEFT JOIN marketing_customertier p
               ON p.customer_id = f.customer_id AND p.month = %(previous)s
    ) q
    JOIN marketing_tier t ON t.id = q.qualified_id
    LEFT JOIN marketing_tier h ON h.id = q.held_id AND h.active
) s
WHERE customer_id IS NOT NULL
ON CONFLICT (customer_id, month) DO UPDATE SET {updates} WHERE {changed}
"""
# What a re-run may change of a customer's month; a row it leaves as it was is not written.
UPDATED = (
    "tier_id",
    "qualified_tier_id",
    "previous_tier_id",
    "to_watch",
    "months_below",
    "since",
    "branch_id",
    "manager_id",
    "average_assets",
    "contribution",
    "turnover",
)
COUNT_SQL = """
INSERT INTO marketing_tiercount (
    month, branch_id, manager_id, previous_tier_id, tier_id, to_watch, customers)
SELECT month, branch_id, manager_id, previous_tier_id, tier_id, to_watch, COUNT(*)
FROM marketing_customertier WHERE month = %(month)s
GROUP BY month, branch_id, manager_id, previous_tier_id, tier_id, to_watch
"""


@transaction.atomic
def tier_evaluate_month(*, month: datetime.date) -> TierRun | None:
    """Give every customer their tier of `month` (any day of it) from the figures of the
    month before, with the hysteresis of the module's docstring; then the month's counts for
    the dashboards and its run. Running it again writes the same rows. None when no tier is
    active (nothing to evaluate)."""
    nightly_lock_acquire()
    month = month_start(month)
    started = timezone.now()
    tiers = tiers_active()
    if not tiers:
        return None
    basis = previous_month(month)
    figures, params = figures_sql(basis=basis)
    qualified, more = qualification_sql(tiers, [tier.pk for tier in tiers])
    sql = EVALUATE_SQL.format(
        qualified=qualified,
        figures=figures,
        updates=", ".join(f"{column} = excluded.{column}" for column in UPDATED),
        changed=Dialect(connection.vendor).differs(
            ", ".join(f"marketing_customertier.{column}" for column in UPDATED),
            ", ".join(f"excluded.{column}" for column in UPDATED),
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, **more, "month": month, "previous": basis})
    TierCount.objects.filter(month=month).delete()
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL, {"month": month})
    counts = TierCount.objects.filter(month=month).aggregate(
        all_customers=Sum("customers"),
        upgraded=Sum("customers", filter=Q(tier__rank__lt=F("previous_tier__rank"))),
        downgraded=Sum("customers", filter=Q(tier__rank__gt=F("previous_tier__rank"))),
        watched=Sum("customers", filter=Q(to_watch=True)),
    )
    counts["customers"] = counts.pop("all_customers")
    run, _created = TierRun.objects.update_or_create(
        month=month,
        defaults={
            "basis_month": basis,
            "started_at": started,
            "finished_at": timezone.now(),
            **{name: value or 0 for name, value in counts.items()},
        },
    )
    return run


def tiers_evaluate_due() -> list[datetime.date]:
    """Every month due (marketing.selectors.tiers.tier_months_due), in order, each in its
    own transaction; returns them."""
    months = tier_months_due()
    for month in months:
        tier_evaluate_month(month=month)
    return months


def tiers_evaluate_from(*, month: datetime.date) -> list[datetime.date]:
    """Evaluate `month` again and every later month evaluated before it (after a correction
    of old figures); returns them."""
    month = month_start(month)
    later = TierRun.objects.filter(month__gt=month).order_by("month")
    months = [month, *later.values_list("month", flat=True)]
    for each in months:
        tier_evaluate_month(month=each)
    return months


# -- the service standard ----------------------------------------------------------------------

CONTACT_SOURCE = "tier:contact"
REVIEW_SOURCE = "tier:review"
# One task per customer, source and tier: on the customer's manager's workbench while the
# manager is active, unless the customer has an open one of that source or got one within
# the interval (a task finished without the work stays finished until the next interval).
TASKS_SQL = """
INSERT INTO customers_task (
    assignee_id, customer_id, kind, title, due_on, status, source, created_at)
SELECT c.manager_id, c.id, %(kind)s, %(title)s, %(today)s, %(open)s, %(source)s, %(now)s
FROM marketing_customertier ct
JOIN customers_customer c ON c.id = ct.customer_id
JOIN crm_staff s ON s.id = c.manager_id AND s.is_active
WHERE ct.month = %(month)s AND ct.tier_id = %(tier)s AND {due}
  AND NOT EXISTS (
      SELECT 1 FROM customers_task t
      WHERE t.customer_id = c.id AND t.source = %(source)s
        AND (t.status = %(open)s OR t.created_at >= %(since)s))
"""
CONTACT_DUE = "(c.last_contact_at IS NULL OR c.last_contact_at < %(since)s)"


@transaction.atomic
def tier_service_tasks_create(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The service standard of the tiers the customers hold in the latest month evaluated,
    as tasks on their managers' workbenches: a contact task for each customer not contacted
    within their tier's interval, a review task every review interval. A contact logged since
    a contact task was created fulfils it (marked done). Run every night; a customer gets one
    task at a time, not one a night. Returns the tasks created and fulfilled."""
    nightly_lock_acquire()
    now = now or timezone.now()
    done = Task.objects.filter(
        source=CONTACT_SOURCE,
        status=TaskStatus.OPEN,
        customer__last_contact_at__gte=F("created_at"),
    ).update(status=TaskStatus.DONE, done_at=now)
    created = {"contact_tasks": 0, "review_tasks": 0, "contact_tasks_done": done}
    month = tier_latest_month()
    if month is None:
        return created
    standards = Tier.objects.filter(
        Q(contact_every_days__isnull=False) | Q(review_every_days__isnull=False)
    )
    for tier in standards:
        if tier.contact_every_days:
            created["contact_tasks"] += _tasks_create(
                tier=tier,
                month=month,
                now=now,
                days=tier.contact_every_days,
                source=CONTACT_SOURCE,
                due=CONTACT_DUE,
                title=_("%(tier)s service standard: contact at least every %(days)s days")
                % {"tier": tier.name, "days": tier.contact_every_days},
            )
        if tier.review_every_days:
            created["review_tasks"] += _tasks_create(
                tier=tier,
                month=month,
                now=now,
                days=tier.review_every_days,
                source=REVIEW_SOURCE,
                due="1 = 1",
                title=_("%(tier)s service standard: review every %(days)s days")
                % {"tier": tier.name, "days": tier.review_every_days},
            )
    return created


def _tasks_create(
    *,
    tier: Tier,
    month: datetime.date,
    now: datetime.datetime,
    days: int,
    source: str,
    due: str,
    title: str,
) -> int:
    ops = connection.ops
    params = {
        "kind": TaskKind.SERVICE_LIST.value,
        "title": title[:200],
        "today": ops.adapt_datefield_value(timezone.localdate(now)),
        "open": TaskStatus.OPEN.value,
        "source": source,
        "now": ops.adapt_datetimefield_value(now),
        "since": ops.adapt_datetimefield_value(now - datetime.timedelta(days=days)),
        "month": ops.adapt_datefield_value(month),
        "tier": tier.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(TASKS_SQL.format(due=due), params)
        return cursor.rowcount


def tiers_nightly(*, now: datetime.datetime | None = None) -> dict:
    """The nightly step's tiers: every month due, then the service standard's tasks."""
    months = tiers_evaluate_due()
    tasks = tier_service_tasks_create(now=now)
    return {"months": [month.isoformat() for month in months], **tasks}
