"""Reads behind the workbench: a member of staff's work for today and the customers they
opened lately, all scoped."""

import datetime

from django.db.models import F, Max, Q
from django.utils import timezone

from crm.models import AuditEntry
from crm.scoping import scope_for_user
from customers.models import OPEN_STATUSES, Customer, CustomerStatus
from customers.selectors.customers import customers_for_user
from customers.selectors.relationship import service_requests_for_user, tasks_for_user

ROWS = 10
QUIET_DAYS = 60
# The action customers/views/customer360.customer_view_record audits an opening with.
CUSTOMER_VIEW = "customer.view"
# How many of a user's latest openings are looked at for the distinct customers, and how many
# of those are read for the scope to keep ROWS of: a bounded read however long the history.
RECENT_OPENINGS = 500
RECENT_CANDIDATES = 5 * ROWS


def workbench_for_user(user, *, today: datetime.date | None = None) -> dict:
    """Open tasks due within a week (overdue first), open service requests in the user's
    scope, and the largest customers nobody has contacted for two months."""
    today = today or timezone.localdate()
    tasks = list(tasks_for_user(user).filter(due_on__lte=today + datetime.timedelta(days=7))[:ROWS])
    requests = list(service_requests_for_user(user).filter(status__in=OPEN_STATUSES)[:ROWS])
    quiet_since = timezone.now() - datetime.timedelta(days=QUIET_DAYS)
    to_call = list(
        customers_for_user(user)
        .filter(status=CustomerStatus.NORMAL, figures__total_assets__gt=0)
        .filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=quiet_since))
        .order_by(F("figures__total_assets").desc(nulls_last=True))[:ROWS]
    )
    return {
        "tasks": tasks,
        "requests": requests,
        "to_call": to_call,
        "quiet_days": QUIET_DAYS,
        "recent": recent_customers_for_user(user),
    }


def recent_customers_for_user(user, *, limit: int = ROWS) -> list[dict]:
    """The customers whose 360 page `user` opened lately, each once, newest opening first:
    [{customer, opened_at}]. Two queries: the latest openings grouped by customer (from the
    audit log, on its actor-action-time index), then those customers through the scoping,
    so that a customer who has left the user's scope since is not shown."""
    if not getattr(user, "is_authenticated", False):
        return []
    latest = AuditEntry.objects.filter(
        actor=user, action=CUSTOMER_VIEW, object_type=Customer._meta.label_lower
    ).order_by("-at")[:RECENT_OPENINGS]
    openings = (
        AuditEntry.objects.filter(pk__in=latest.values("pk"))
        .values("object_id")
        .annotate(opened_at=Max("at"), last_id=Max("id"))
        .order_by("-opened_at", "-last_id")[:RECENT_CANDIDATES]
    )
    # Newest first; the audit log's id breaks a tie of two openings in the same microsecond.
    order = {row["object_id"]: (row["opened_at"], row["last_id"]) for row in openings}
    ids = [int(pk) for pk in order if pk.isdigit()]
    if not ids:
        return []
    scoped = scope_for_user(user, Customer.objects.filter(pk__in=ids)).only("cust_no", "name")
    customers = sorted(scoped, key=lambda c: order[str(c.pk)], reverse=True)[:limit]
    return [{"customer": c, "opened_at": order[str(c.pk)][0]} for c in customers]
