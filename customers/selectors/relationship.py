"""Reads of the relationship: contacts, service requests and tasks, per customer and per user,
and the workflow moves open to a user. Data only: the 360 page's panels are built from these
in customers/views/panels.py, the lists' filters are customers/filters/relationship.py.

Functions that take a `user` scope through crm.scoping. Those that take only a customer are
internal: their caller got the customer through customer_get_for_user, so it is in scope.
"""

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.models import Staff
from crm.scoping import reach_of, scope_for_user
from crm.selectors import staff_for_user
from customers.models import (
    OPEN_STATUSES,
    SERVICE_REQUEST_FLOW,
    Customer,
    Interaction,
    ServiceRequest,
    ServiceRequestStatus,
    Task,
    TaskStatus,
)
from customers.permissions import may_act_for

PANEL_ROWS = 50

# What the task of a service request carries as its `source`, followed by the request's pk:
# the one link between a request and the task it put on a workbench.
REQUEST_TASK_SOURCE = "service_request:"


def request_task_source() -> Concat:
    """The `source` of a request's task, as SQL over ServiceRequest."""
    return Concat(Value(REQUEST_TASK_SOURCE), Cast("pk", output_field=CharField()))


def _task_request_status() -> Subquery:
    """The status of the request a task was put on a workbench for, None for any other task:
    what such a task shows as its status (the request's, not a second one beside it)."""
    return Subquery(
        ServiceRequest.objects.filter(customer_id=OuterRef("customer_id"))
        .annotate(task_source=request_task_source())
        .filter(task_source=OuterRef("source"))
        .values("status")[:1]
    )


def _service_request_overdue() -> Case:
    """Open or in progress past the SLA's due time: the one definition of overdue."""
    return Case(
        When(status__in=OPEN_STATUSES, due_at__lt=timezone.now(), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _task_overdue() -> Case:
    return Case(
        When(status=TaskStatus.OPEN, due_on__lt=timezone.localdate(), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _service_request_is_open() -> Case:
    return Case(
        When(status__in=OPEN_STATUSES, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


# -- one customer (internal: the customer came through customer_get_for_user) -----------------


def interactions_for_customer(customer: Customer, *, limit: int = PANEL_ROWS) -> QuerySet:
    """The customer's latest contacts with who logged them, newest first; one query.

    Internal: `customer` must come from customer_get_for_user."""
    return Interaction.objects.filter(customer=customer).select_related("staff")[:limit]


def service_requests_for_customer(customer: Customer, *, limit: int = PANEL_ROWS) -> QuerySet:
    """The customer's requests, open ones first by due time, then the latest finished; each
    with type and assignee and an `overdue` flag; one query.

    Internal: `customer` must come from customer_get_for_user."""
    return (
        ServiceRequest.objects.filter(customer=customer)
        .select_related("request_type", "assignee")
        .annotate(is_open=_service_request_is_open(), overdue=_service_request_overdue())
        .order_by("-is_open", "due_at", "-opened_at", "-id")[:limit]
    )


def tasks_for_customer(customer: Customer) -> QuerySet:
    """The customer's open tasks with their assignee and an `overdue` flag, soonest due first;
    one query.

    Internal: `customer` must come from customer_get_for_user."""
    return (
        Task.objects.filter(customer=customer, status=TaskStatus.OPEN)
        .select_related("assignee")
        .annotate(overdue=_task_overdue())
        .order_by("due_on", "id")
    )


# -- the workflow moves --------------------------------------------------------------------

# The label of the button that moves a request to a status, by (from, to).
MOVE_LABELS: dict[tuple[str, str], Promise] = {
    (ServiceRequestStatus.OPEN, ServiceRequestStatus.IN_PROGRESS): _("Start work"),
    (ServiceRequestStatus.RESOLVED, ServiceRequestStatus.IN_PROGRESS): _("Reopen"),
}
MOVE_DEFAULT_LABELS: dict[str, Promise] = {
    ServiceRequestStatus.RESOLVED: _("Resolve"),
    ServiceRequestStatus.CLOSED: _("Close"),
}


def service_request_moves(request: ServiceRequest, *, user) -> list[dict]:
    """The workflow moves open to `request` and to `user`, [{status, label, needs_resolution}]:
    none on a request the user may not move (customers/permissions.py). Reads no rows when
    the request's assignee came with it; the 360 panel and the requests list show these."""
    if not may_act_for(user, request.assignee):
        return []
    return [
        {
            "status": target.value,
            "label": MOVE_LABELS.get((request.status, target), MOVE_DEFAULT_LABELS.get(target)),
            "needs_resolution": target == ServiceRequestStatus.RESOLVED,
        }
        for target in SERVICE_REQUEST_FLOW.get(request.status, ())
    ]


# -- one user's lists (scoped) ----------------------------------------------------------------


def task_team_for_user(user) -> int | None:
    """The team whose tasks the user's task list shows: a team lead's (the team crm.scoping
    gives them), else None, and the list shows the user's own tasks."""
    return reach_of(user).team_id


def task_assignees_for_user(user) -> QuerySet:
    """The staff the user's task list may be narrowed to: a team lead's team, by name."""
    team = task_team_for_user(user)
    return Staff.objects.filter(team_id=team).order_by("name") if team else Staff.objects.none()


def tasks_for_user(
    user, *, status: str | None = TaskStatus.OPEN, of_team: bool = False
) -> QuerySet:
    """The user's own tasks (assigned to their staff record) or, `of_team` (the task list),
    for a team lead those of every member of their team, about customers in their scope;
    with customer, assignee, an `overdue` flag and `request_status` (see
    _task_request_status); `status=None` for every status."""
    staff = staff_for_user(user)
    if staff is None or not staff.is_active:
        return Task.objects.none()
    team = task_team_for_user(user) if of_team else None
    tasks = (
        Task.objects.filter(assignee__team_id=team) if team else Task.objects.filter(assignee=staff)
    )
    if status:
        tasks = tasks.filter(status=status)
    return scope_for_user(
        user,
        tasks.select_related("customer", "assignee")
        .annotate(overdue=_task_overdue(), request_status=_task_request_status())
        .order_by("due_on", "id"),
    )


def task_get_for_completion(user, *, pk: int) -> Task:
    """A task about a customer in the user's scope, with its assignee and `request_status`;
    else a 404. Whether the user may finish it is the service's to decide
    (customers/permissions.py): a task the user may see but not finish is a refusal, not a
    missing task."""
    task = scope_for_user(
        user,
        Task.objects.select_related("assignee")
        .annotate(request_status=_task_request_status())
        .filter(pk=pk),
    ).first()
    if task is None:
        raise Http404(_("No such task."))
    return task


def service_requests_for_user(user) -> QuerySet:
    """Every service request about a customer in the user's scope, open ones first by due
    time, with customer, type, assignee and an `overdue` flag."""
    return scope_for_user(
        user,
        ServiceRequest.objects.select_related("customer", "request_type", "assignee")
        .annotate(is_open=_service_request_is_open(), overdue=_service_request_overdue())
        .order_by("-is_open", "due_at", "id"),
    )


def service_request_get_for_user(user, *, pk: int) -> ServiceRequest:
    """The one road to a single request: out of scope and missing are the same 404."""
    request = service_requests_for_user(user).filter(pk=pk).first()
    if request is None:
        raise Http404(_("No such service request."))
    return request
