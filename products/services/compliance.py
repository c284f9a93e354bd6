"""The nightly suitability step (DESIGN.md, the pipeline's step 4), `compliance_run`:

- **flags** the customers for whom a condition holds on the latest business day: holdings
  whose product's risk level is above the customer's (the rules' RISK_LEVEL and
  LOWEST_CATEGORY reasons, products.suitability's category_in_q), and ordinary investors
  whose risk assessment expires within EXPIRY_NOTICE_DAYS, has expired or is missing;
- gives each new flag **one task** on the customer's manager's workbench, whose source is
  the flag's key ("suitability:over_risk:<customer id>",
  "suitability:assessment:<customer id>:<assessed on>"): not again every night while the
  condition holds; a flag whose condition cleared is deleted and its open task marked done;
  if the condition returns it is a new flag with a new task (a reassessment is a new key);
- refreshes what the target lists rank on (TargetBasis: the 30 days' net bank inflow).

Everything is set-based (INSERT … SELECT, one DELETE or UPDATE per kind), never a loop over
customers, inside the nightly lock; safe to run twice. Reads are products/selectors.
"""

from __future__ import annotations

import datetime
import functools
import operator

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.locks import nightly_lock_acquire
from customers.models import Customer, CustomerStatus, DailyPosition, Task, TaskKind, TaskStatus
from customers.selectors.lists import latest_business_day
from products.models import (
    ComplianceFlag,
    ComplianceRun,
    ComplianceRunStatus,
    FlagKind,
    InvestorCategory,
    ProductRisk,
    TargetBasis,
)
from products.suitability import (
    ORDINARY_Q,
    assessment_valid_days,
    category_in_q,
    permitted_levels,
)

KEY_PREFIX = "suitability:"
OVER_RISK_KEY = f"{KEY_PREFIX}{FlagKind.OVER_RISK}:"
ASSESSMENT_KEY = f"{KEY_PREFIX}{FlagKind.ASSESSMENT}:"
EXPIRY_NOTICE_DAYS = 30  # an assessment expiring within this many days is flagged
INFLOW_DAYS = 30  # the target lists' "recent net inflow"
STEP_WORK_MEM = "64MB"  # see _plan_for_the_step
# Closed accounts get no tasks; every other status still holds what it holds.
FLAGGED_STATUSES_EXCLUDED = (CustomerStatus.CLOSED,)

NEW_FLAGS_SQL = """
INSERT INTO products_complianceflag (customer_id, kind, key, flagged_at)
SELECT cur.id, %s, cur.flag_key, %s FROM ({current}) cur
WHERE NOT EXISTS (SELECT 1 FROM products_complianceflag f WHERE f.key = cur.flag_key)
"""
# One task per flag: unless a task of the flag's key was made since the flag was raised, on
# the workbench of the customer's manager while the manager is active.
TASKS_SQL = """
INSERT INTO customers_task (
    assignee_id, customer_id, kind, title, due_on, status, source, created_at)
SELECT c.manager_id, c.id, %s, CASE WHEN f.kind = %s THEN %s ELSE %s END, %s, %s, f.key, %s
FROM products_complianceflag f
JOIN customers_customer c ON c.id = f.customer_id
JOIN crm_staff s ON s.id = c.manager_id AND s.is_active
WHERE NOT EXISTS (
    SELECT 1 FROM customers_task t
    WHERE t.customer_id = f.customer_id AND t.source = f.key AND t.created_at >= f.flagged_at)
"""
INFLOW_SQL = """
INSERT INTO products_targetbasis (customer_id, as_of, net_inflow_30d)
SELECT a.customer_id, %s, SUM(x.amount)
FROM customers_cashflow x JOIN customers_capitalaccount a ON a.id = x.account_id
WHERE x.flow_date > %s AND x.flow_date <= %s AND x.biz_type IN ('BANK_IN', 'BANK_OUT')
GROUP BY a.customer_id
"""


def compliance_run(*, today: datetime.date) -> ComplianceRun:
    """The nightly suitability step on `today` (the module's docstring), recorded as a
    ComplianceRun; a failure is recorded on the run and raised."""
    run = ComplianceRun.objects.create(started_at=timezone.now(), today=today)
    try:
        with transaction.atomic():
            nightly_lock_acquire()
            _plan_for_the_step()
            counts = _flags_and_tasks(run, today=today)
    except Exception as error:
        run.status = ComplianceRunStatus.FAILED
        run.error = f"{type(error).__name__}: {error}"[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    for name, value in counts.items():
        setattr(run, name, value)
    run.status = ComplianceRunStatus.DONE
    run.finished_at = timezone.now()
    run.save()
    return run


def _plan_for_the_step() -> None:
    """Room for the holders of each risk level as a hash (PostgreSQL, for the rest of the
    transaction): with the default work_mem the planner rescans the level's holders for every
    customer instead (the bench: 30 s instead of 0.4 s for 200,000 customers)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [STEP_WORK_MEM])


def _flags_and_tasks(run: ComplianceRun, *, today: datetime.date) -> dict:
    now = run.started_at
    day = latest_business_day()
    current = {
        FlagKind.OVER_RISK: over_risk_customers(day=day),
        FlagKind.ASSESSMENT: assessment_due_customers(today=today),
    }
    cleared = 0
    flagged = 0
    ops = connection.ops
    for kind, customers in current.items():
        keyed = customers.values("id", "flag_key")
        stale = ComplianceFlag.objects.filter(kind=kind).exclude(key__in=keyed.values("flag_key"))
        cleared += stale.delete()[0]
        sql, params = keyed.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                NEW_FLAGS_SQL.format(current=sql),
                [kind.value, ops.adapt_datetimefield_value(now), *params],
            )
            flagged += cursor.rowcount
    # The open tasks of flags that cleared: their work is done.
    Task.objects.filter(
        kind=TaskKind.COMPLIANCE, status=TaskStatus.OPEN, source__startswith=KEY_PREFIX
    ).exclude(source__in=ComplianceFlag.objects.values("key")).update(
        status=TaskStatus.DONE, done_at=now
    )
    # A task's title is written once, in the site's language, whoever or whatever runs the
    # step (a worker has no request language).
    with translation.override(settings.LANGUAGE_CODE):
        over_risk_title = _("Suitability: holds products above the customer's risk level")
        assessment_title = _(
            "Suitability: the risk assessment expires soon, has expired or is missing"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            TASKS_SQL,
            [
                TaskKind.COMPLIANCE.value,
                FlagKind.OVER_RISK.value,
                over_risk_title[:200],
                assessment_title[:200],
                ops.adapt_datefield_value(today),
                TaskStatus.OPEN.value,
                ops.adapt_datetimefield_value(now),
            ],
        )
        tasks_created = cursor.rowcount
    _target_basis_refresh(day=day)
    return {
        "business_day": day,
        "over_risk": ComplianceFlag.objects.filter(kind=FlagKind.OVER_RISK).count(),
        "assessment": ComplianceFlag.objects.filter(kind=FlagKind.ASSESSMENT).count(),
        "flagged": flagged,
        "cleared": cleared,
        "tasks_created": tasks_created,
    }


def over_risk_customers(*, day: datetime.date | None) -> QuerySet:
    """The customers (not closed) who on `day` hold a security whose product's risk level
    is above their own: for each level, the categories its rules do not permit (and the
    lowest category above R1), among the level's holders. `flag_key` is annotated."""
    if day is None:
        return Customer.objects.none()
    permitted = permitted_levels()
    positions = DailyPosition.objects.filter(business_date=day).order_by()
    exceeding = []
    for level in ProductRisk.values:
        refused = {category for category, levels in permitted.items() if level not in levels}
        if level != ProductRisk.R1:
            refused.add(InvestorCategory.LOWEST)
        if not refused:
            continue
        holders = positions.filter(security__product__risk_level=level)
        exceeding.append(category_in_q(refused) & Q(pk__in=holders.values("account__customer_id")))
    if not exceeding:
        return Customer.objects.none()
    return (
        Customer.objects.exclude(status__in=FLAGGED_STATUSES_EXCLUDED)
        .filter(functools.reduce(operator.or_, exceeding))
        .annotate(flag_key=Concat(Value(OVER_RISK_KEY), Cast("pk", CharField())))
        .order_by()
    )


def assessment_due_customers(*, today: datetime.date) -> QuerySet:
    """Ordinary investors (not closed) whose assessment is missing, has expired or expires
    within EXPIRY_NOTICE_DAYS of `today` (its last valid day is the assessment's date plus
    RISK_ASSESSMENT_VALID_DAYS, as products.suitability.assessment_expires_on says).
    `flag_key` names the assessment: a new one is a new flag."""
    latest_due = today + datetime.timedelta(days=EXPIRY_NOTICE_DAYS - assessment_valid_days())
    # No category (category_of): neither the lowest category nor a risk level C1 to C5.
    ordinary_levels = [code for code in InvestorCategory.values if code.startswith("C")]
    missing = Q(risk_assessed_on__isnull=True) | (
        Q(lowest_category=False) & ~Q(risk_level__in=ordinary_levels)
    )
    return (
        Customer.objects.exclude(status__in=FLAGGED_STATUSES_EXCLUDED)
        .filter(ORDINARY_Q & (missing | Q(risk_assessed_on__lte=latest_due)))
        .annotate(
            flag_key=Concat(
                Value(ASSESSMENT_KEY),
                Cast("pk", CharField()),
                Value(":"),
                Coalesce(Cast("risk_assessed_on", CharField()), Value("none")),
            )
        )
        .order_by()
    )


def _target_basis_refresh(*, day: datetime.date | None) -> int:
    """Every customer's net bank inflow of the INFLOW_DAYS up to `day`, replaced whole."""
    TargetBasis.objects.all().delete()
    if day is None:
        return 0
    ops = connection.ops
    since = day - datetime.timedelta(days=INFLOW_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            INFLOW_SQL,
            [ops.adapt_datefield_value(day)] + [ops.adapt_datefield_value(d) for d in (since, day)],
        )
        return cursor.rowcount
