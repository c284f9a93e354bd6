"""Writes of the relationship: contacts logged with customers, service requests moving through
their workflow, and the tasks both put on staff's workbenches.

Every function is keyword-only and atomic; reads live in customers/selectors/relationship.py.
A request and its task move together: moving the request finishes or reopens the task, and
finishing the task resolves the request (one road, service_request_move, for both).
Refused business moves raise ValidationError with a translated message for the form to show;
moving or finishing someone else's work without the right to (customers/permissions.py)
raises PermissionDenied, before anything is read under lock or written.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from crm.models import Staff
from crm.services import audit_record
from customers.models import (
    OPEN_STATUSES,
    SERVICE_REQUEST_FLOW,
    Customer,
    Interaction,
    ServiceRequest,
    ServiceRequestStatus,
    ServiceRequestType,
    Task,
    TaskKind,
    TaskStatus,
)
from customers.permissions import may_act_for
from customers.selectors.relationship import REQUEST_TASK_SOURCE, request_task_source

TITLE_WORDS = 8
TITLE_CHARS = 200


def _require_aware(value: datetime.datetime, name: str) -> None:
    # A naive time would be read in the server's zone and silently shift contacts by hours.
    if timezone.is_naive(value):
        raise ValueError(f"{name} must be timezone-aware, got {value!r}.")


def _subject(text: str) -> str:
    """The first words of a free text, on one line: what a task title repeats of its origin."""
    return Truncator(" ".join(text.split())).words(TITLE_WORDS)


@transaction.atomic
def interaction_log(
    *,
    customer: Customer,
    staff: Staff | None,
    channel: str,
    direction: str,
    occurred_at: datetime.datetime,
    content: str,
    result: str = "",
    follow_up_on: datetime.date | None = None,
) -> Interaction:
    """Record one contact with a customer, move the customer's last contact forward, and put
    a follow-up task on the logging member of staff's workbench when a date is given."""
    _require_aware(occurred_at, "occurred_at")
    if follow_up_on is not None and staff is None:
        raise ValidationError(_("A follow-up needs a member of staff to do it."))
    interaction = Interaction.objects.create(
        customer=customer,
        staff=staff,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at,
        content=content,
        result=result,
        follow_up_on=follow_up_on,
    )
    # Read the current value under a row lock: two contacts logged at once must not move the
    # last contact backwards, whatever the caller's copy of the customer says.
    current = (
        Customer.objects.select_for_update()
        .values_list("last_contact_at", flat=True)
        .get(pk=customer.pk)
    )
    if current is None or occurred_at > current:
        customer.last_contact_at = occurred_at
        customer.save(update_fields=["last_contact_at"])
    else:
        customer.last_contact_at = current
    if follow_up_on is not None and staff is not None:  # without staff, refused above
        Task.objects.create(
            assignee=staff,
            customer=customer,
            kind=TaskKind.FOLLOW_UP,
            title=(_("Follow up: %(subject)s") % {"subject": _subject(content)})[:TITLE_CHARS],
            due_on=follow_up_on,
            source=f"interaction:{interaction.pk}",
        )
    return interaction


@transaction.atomic
def service_request_open(
    *,
    customer: Customer,
    request_type: ServiceRequestType,
    description: str,
    assignee: Staff,
    opened_by,
    opened_at: datetime.datetime | None = None,
) -> ServiceRequest:
    """Open a request due by its type's SLA and put it on the assignee's workbench as a task
    due on the SLA's local day."""
    opened_at = opened_at or timezone.now()
    _require_aware(opened_at, "opened_at")
    request = ServiceRequest.objects.create(
        customer=customer,
        request_type=request_type,
        description=description,
        assignee=assignee,
        opened_at=opened_at,
        due_at=request_type.due_from(opened_at),
        created_by=opened_by,
    )
    Task.objects.create(
        assignee=assignee,
        customer=customer,
        kind=TaskKind.SERVICE_REQUEST,
        title=f"{request_type.name}: {_subject(description)}"[:TITLE_CHARS],
        due_on=timezone.localdate(request.due_at),
        source=_task_source(request),
    )
    audit_record(
        actor=opened_by,
        action="service_request.open",
        target=request,
        details={"type": request_type.code, "assignee": assignee.staff_code},
    )
    return request


@transaction.atomic
def service_request_move(
    *,
    request: ServiceRequest,
    to_status: str,
    by,
    resolution: str = "",
) -> ServiceRequest:
    """Move a request one step along SERVICE_REQUEST_FLOW. Resolving needs a resolution and
    completes the request's task; reopening a resolved request reopens it.

    Only those who may act for the assignee may move it: the move finishes the assignee's task.
    """
    if not may_act_for(by, request.assignee):
        raise PermissionDenied(
            _("Only %(assignee)s or those they report to may move this request.")
            % {"assignee": request.assignee.name}
        )
    # The status as the database has it now, locked: a double click must not move twice.
    current = (
        ServiceRequest.objects.select_for_update()
        .values_list("status", flat=True)
        .get(pk=request.pk)
    )
    request.status = current
    if to_status not in SERVICE_REQUEST_FLOW.get(current, ()):
        labels = dict(ServiceRequestStatus.choices)
        raise ValidationError(
            _('A request that is "%(current)s" cannot be moved to "%(target)s".')
            % {"current": labels.get(current, current), "target": labels.get(to_status, to_status)}
        )
    resolution = resolution.strip()
    if to_status == ServiceRequestStatus.RESOLVED and not resolution:
        raise ValidationError(_("Describe how the request was resolved."))

    now = timezone.now()
    fields = ["status"]
    request.status = to_status
    if to_status == ServiceRequestStatus.RESOLVED:
        request.resolved_at, request.resolution = now, resolution
        fields += ["resolved_at", "resolution"]
    elif to_status == ServiceRequestStatus.CLOSED:
        request.closed_at = now
        fields.append("closed_at")
        if resolution:
            request.resolution = resolution
            fields.append("resolution")
    elif current == ServiceRequestStatus.RESOLVED:  # reopened: no longer resolved
        request.resolved_at = None
        fields.append("resolved_at")
    request.save(update_fields=fields)

    tasks = Task.objects.filter(
        customer_id=request.customer_id, kind=TaskKind.SERVICE_REQUEST, source=_task_source(request)
    )
    if to_status in (ServiceRequestStatus.RESOLVED, ServiceRequestStatus.CLOSED):
        tasks.filter(status=TaskStatus.OPEN).update(status=TaskStatus.DONE, done_at=now)
    elif current == ServiceRequestStatus.RESOLVED:
        tasks.filter(status=TaskStatus.DONE).update(status=TaskStatus.OPEN, done_at=None)

    audit_record(
        actor=by,
        action=f"service_request.{to_status}",
        target=request,
        details={"from": current, "to": to_status, "resolution": resolution},
    )
    return request


@transaction.atomic
def service_request_assign(*, request: ServiceRequest, assignee: Staff, by) -> ServiceRequest:
    """Give an open request, and its open task, to another member of staff. Only those who
    may act for the request's assignee may, and only to someone they may act for; whether
    the new assignee can see the customer is the form's to check (ServiceRequestAssignForm).
    Giving it to whoever has it already changes nothing (a double click)."""
    service_request_assign_check(request=request, by=by)
    if not may_act_for(by, assignee):
        raise ValidationError(
            _("You cannot give work to %(assignee)s.") % {"assignee": assignee.name}
        )
    # As the database has it now, locked: a move or another assignment may have come first.
    status, assignee_id = (
        ServiceRequest.objects.select_for_update()
        .values_list("status", "assignee_id")
        .get(pk=request.pk)
    )
    request.status = status
    if status not in OPEN_STATUSES:
        raise ValidationError(_("Only an open request can be given to someone else."))
    if assignee_id == assignee.pk:
        request.assignee = assignee
        return request
    previous = Staff.objects.get(pk=assignee_id)
    request.assignee = assignee
    request.save(update_fields=["assignee"])
    Task.objects.filter(
        customer_id=request.customer_id,
        kind=TaskKind.SERVICE_REQUEST,
        source=_task_source(request),
        status=TaskStatus.OPEN,
    ).update(assignee=assignee)
    audit_record(
        actor=by,
        action="service_request.assign",
        target=request,
        details={"from": previous.staff_code, "to": assignee.staff_code},
    )
    return request


def service_request_assign_check(*, request: ServiceRequest, by) -> None:
    """PermissionDenied unless `by` may give `request` to someone else (may act for its
    assignee): service_request_assign's first check, and the one of the form that offers it."""
    if not may_act_for(by, request.assignee):
        raise PermissionDenied(
            _("Only %(assignee)s or those they report to may reassign this request.")
            % {"assignee": request.assignee.name}
        )


def _task_source(request: ServiceRequest) -> str:
    return f"{REQUEST_TASK_SOURCE}{request.pk}"


@transaction.atomic
def task_complete(*, task: Task, by, resolution: str = "") -> Task:
    """Mark a task done. The task of an open service request is done when the request is:
    completing it resolves the request with `resolution` (service_request_move, which needs
    one). Completing a done task again changes nothing (a double click)."""
    return _task_finish(task=task, by=by, status=TaskStatus.DONE, resolution=resolution)


@transaction.atomic
def task_cancel(*, task: Task, by) -> Task:
    """Cancel a task; not the task of an open service request, which ends when the request is
    resolved. Cancelling a cancelled task again changes nothing."""
    return _task_finish(task=task, by=by, status=TaskStatus.CANCELLED)


def _task_finish(*, task: Task, by, status: TaskStatus, resolution: str = "") -> Task:
    if not may_act_for(by, task.assignee):
        raise PermissionDenied(
            _("Only %(assignee)s or those they report to may finish this task.")
            % {"assignee": task.assignee.name}
        )
    # The request before its task, in the order service_request_move locks them.
    request = _request_of_task_locked(task)
    current = Task.objects.select_for_update().values_list("status", flat=True).get(pk=task.pk)
    task.status = current
    if current == status:
        return task
    if current != TaskStatus.OPEN:
        raise ValidationError(
            _('The task is already "%(status)s".') % {"status": TaskStatus(current).label}
        )
    if request is not None and request.status in OPEN_STATUSES:
        if status == TaskStatus.CANCELLED:
            raise ValidationError(
                _("This task is service request #%(pk)s: it ends when the request is resolved.")
                % {"pk": request.pk}
            )
        service_request_move(
            request=request, to_status=ServiceRequestStatus.RESOLVED, by=by, resolution=resolution
        )
        task.status, task.done_at = Task.objects.values_list("status", "done_at").get(pk=task.pk)
        return task
    task.status = status
    task.done_at = timezone.now()
    task.save(update_fields=["status", "done_at"])
    audit_record(actor=by, action=f"task.{status}", target=task)
    return task


def _request_of_task_locked(task: Task) -> ServiceRequest | None:
    """The service request `task` was opened for, locked; None for any other task."""
    if task.kind != TaskKind.SERVICE_REQUEST:
        return None
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("assignee")
        .annotate(task_source=request_task_source())
        .filter(customer_id=task.customer_id, task_source=task.source)
        .first()
    )
