"""Reads behind the workbench: a member of staff's work for today, all scoped."""

import datetime

from django.db.models import F, Q
from django.utils import timezone

from customers.models import OPEN_STATUSES, CustomerStatus
from customers.selectors.lists import customer_list_for_user
from customers.selectors.relationship import service_requests_for_user, tasks_for_user

ROWS = 10
QUIET_DAYS = 60


def workbench_for_user(user, *, today: datetime.date | None = None) -> dict:
    """Open tasks due within a week (overdue first), open service requests in the user's
    scope, and the largest customers nobody has contacted for two months."""
    today = today or timezone.localdate()
    tasks = list(tasks_for_user(user).filter(due_on__lte=today + datetime.timedelta(days=7))[:ROWS])
    requests = list(service_requests_for_user(user).filter(status__in=OPEN_STATUSES)[:ROWS])
    quiet_since = timezone.now() - datetime.timedelta(days=QUIET_DAYS)
    to_call = list(
        customer_list_for_user(user)
        .filter(status=CustomerStatus.NORMAL, figures__total_assets__gt=0)
        .filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=quiet_since))
        .order_by(F("figures__total_assets").desc(nulls_last=True))[:ROWS]
    )
    return {"tasks": tasks, "requests": requests, "to_call": to_call, "quiet_days": QUIET_DAYS}
