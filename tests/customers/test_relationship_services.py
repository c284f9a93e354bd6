import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from crm.models import AuditEntry
from customers.models import (
    Customer,
    Interaction,
    ServiceRequest,
    ServiceRequestStatus,
    ServiceRequestType,
    Task,
    TaskKind,
    TaskStatus,
)
from customers.services.relationship import (
    interaction_log,
    service_request_move,
    service_request_open,
    task_cancel,
    task_complete,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPEN, IN_PROGRESS, RESOLVED, CLOSED = (
    ServiceRequestStatus.OPEN,
    ServiceRequestStatus.IN_PROGRESS,
    ServiceRequestStatus.RESOLVED,
    ServiceRequestStatus.CLOSED,
)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def log(org, *, occurred_at=None, **changes) -> Interaction:
    kwargs = {
        "customer": org.broker_customer,
        "staff": org.broker,
        "channel": "phone",
        "direction": "out",
        "occurred_at": occurred_at or timezone.now(),
        "content": "Called about the rights issue of 600519; will subscribe next week.",
    }
    kwargs.update(changes)
    return interaction_log(**kwargs)


@pytest.fixture
def complaint(db):
    kind, _ = ServiceRequestType.objects.get_or_create(
        code="test-complaint", defaults={"name": "投诉", "sla_hours": 48, "is_complaint": True}
    )
    return kind


def open_request(org, request_type, **changes) -> ServiceRequest:
    kwargs = {
        "customer": org.broker_customer,
        "request_type": request_type,
        "description": "Transfer from the bank did not arrive.",
        "assignee": org.broker,
        "opened_by": org.broker.user,
    }
    kwargs.update(changes)
    return service_request_open(**kwargs)


def request_task(request: ServiceRequest) -> Task:
    return Task.objects.get(source=f"service_request:{request.pk}")


# -- interactions -------------------------------------------------------------------------------


def test_it_logs_a_contact_and_moves_the_last_contact_forward(org):
    interaction = log(org, occurred_at=at(2026, 3, 2, 10, 30), result="agreed")
    assert interaction.staff == org.broker
    assert interaction.result == "agreed"
    customer = Customer.objects.get(pk=org.broker_customer.pk)
    assert customer.last_contact_at == at(2026, 3, 2, 10, 30)
    assert not Task.objects.exists()


def test_it_never_moves_the_last_contact_backwards(org):
    log(org, occurred_at=at(2026, 3, 2, 10, 30))
    stale = Customer.objects.get(pk=org.broker_customer.pk)
    stale.last_contact_at = None  # a copy read before the first contact was logged
    log(org, customer=stale, occurred_at=at(2026, 2, 20, 9, 0))
    assert Customer.objects.get(pk=stale.pk).last_contact_at == at(2026, 3, 2, 10, 30)
    assert stale.last_contact_at == at(2026, 3, 2, 10, 30)
    assert Interaction.objects.count() == 2


def test_it_puts_a_follow_up_task_on_the_logging_staffs_workbench(org):
    with translation.override("en"):
        interaction = log(org, staff=org.teammate, follow_up_on=datetime.date(2026, 3, 9))
    task = Task.objects.get()
    assert task.assignee == org.teammate
    assert task.customer == org.broker_customer
    assert task.kind == TaskKind.FOLLOW_UP
    assert task.status == TaskStatus.OPEN
    assert task.due_on == datetime.date(2026, 3, 9)
    assert task.source == f"interaction:{interaction.pk}"
    assert task.title.startswith("Follow up: Called about the rights issue")
    assert len(task.title) < 80


def test_it_refuses_a_follow_up_nobody_would_do(org):
    with pytest.raises(ValidationError):
        log(org, staff=None, follow_up_on=datetime.date(2026, 3, 9))
    assert not Interaction.objects.exists()


def test_it_refuses_a_time_without_a_timezone(org):
    with pytest.raises(ValueError, match="timezone-aware"):
        log(org, occurred_at=datetime.datetime(2026, 3, 2, 10, 30))
    assert not Interaction.objects.exists()


# -- service requests ---------------------------------------------------------------------------


def test_it_makes_a_request_due_by_its_types_sla(org, complaint):
    request = open_request(org, complaint, opened_at=at(2026, 3, 2, 9, 0))
    assert request.due_at == at(2026, 3, 4, 9, 0)
    assert request.status == OPEN
    assert request.created_by == org.broker.user


def test_it_puts_the_request_on_the_assignees_workbench_due_on_the_local_sla_day(org, complaint):
    complaint.sla_hours = 8
    # 21:00 in Shanghai is 13:00 UTC: due at 05:00 on the 3rd locally, still the 2nd in UTC.
    request = open_request(org, complaint, assignee=org.team_lead, opened_at=at(2026, 3, 2, 21))
    task = request_task(request)
    assert task.assignee == org.team_lead
    assert task.kind == TaskKind.SERVICE_REQUEST
    assert task.customer == org.broker_customer
    assert task.due_on == datetime.date(2026, 3, 3)
    assert task.title.startswith("投诉: Transfer from the bank")


def test_it_defaults_the_opening_time_to_now(org, complaint):
    before = timezone.now()
    request = open_request(org, complaint)
    assert before <= request.opened_at <= timezone.now()
    assert request.due_at - request.opened_at == datetime.timedelta(hours=48)


def test_it_audits_opening_a_request(org, complaint):
    request = open_request(org, complaint)
    entry = AuditEntry.objects.get(action="service_request.open")
    assert entry.actor == org.broker.user
    assert entry.object_id == str(request.pk)


def test_it_moves_a_request_through_its_workflow_and_audits_each_move(org, complaint):
    request = open_request(org, complaint)
    service_request_move(request=request, to_status=IN_PROGRESS, by=org.broker.user)
    service_request_move(
        request=request, to_status=RESOLVED, by=org.broker.user, resolution="  Bank re-sent it. "
    )
    stored = ServiceRequest.objects.get(pk=request.pk)
    assert stored.status == RESOLVED
    assert stored.resolution == "Bank re-sent it."
    assert stored.resolved_at is not None and stored.closed_at is None
    service_request_move(request=request, to_status=CLOSED, by=org.branch_manager.user)
    stored = ServiceRequest.objects.get(pk=request.pk)
    assert stored.status == CLOSED
    assert stored.closed_at >= stored.resolved_at
    actions = list(
        AuditEntry.objects.filter(object_id=str(request.pk))
        .order_by("id")
        .values_list("action", "actor__username")
    )
    assert actions == [
        ("service_request.open", "broker"),
        ("service_request.in_progress", "broker"),
        ("service_request.resolved", "broker"),
        ("service_request.closed", "branchhead"),
    ]
    assert AuditEntry.objects.get(action="service_request.resolved").details["from"] == (
        "in_progress"
    )


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ((), CLOSED),  # open cannot skip resolving
        ((), OPEN),  # nor stay where it is
        ((IN_PROGRESS,), OPEN),  # work started cannot be unstarted
        ((IN_PROGRESS,), CLOSED),
        ((RESOLVED,), OPEN),
        ((RESOLVED, CLOSED), IN_PROGRESS),  # closed cannot reopen
        ((RESOLVED, CLOSED), RESOLVED),
        ((), "archived"),  # not a status at all
    ],
)
def test_it_refuses_moves_the_workflow_does_not_allow(org, complaint, path, refused):
    request = open_request(org, complaint)
    for status in path:
        service_request_move(request=request, to_status=status, by=org.broker.user, resolution="x")
    audited = AuditEntry.objects.count()
    with translation.override("en"), pytest.raises(ValidationError, match="cannot be moved"):
        service_request_move(request=request, to_status=refused, by=org.broker.user)
    assert ServiceRequest.objects.get(pk=request.pk).status == (path[-1] if path else OPEN)
    assert AuditEntry.objects.count() == audited


def test_it_judges_a_move_by_the_stored_status_not_a_stale_copy(org, complaint):
    request = open_request(org, complaint)
    stale = ServiceRequest.objects.get(pk=request.pk)
    service_request_move(request=request, to_status=RESOLVED, by=org.broker.user, resolution="ok")
    service_request_move(request=request, to_status=CLOSED, by=org.broker.user)
    with pytest.raises(ValidationError):
        service_request_move(request=stale, to_status=IN_PROGRESS, by=org.broker.user)
    assert ServiceRequest.objects.get(pk=request.pk).status == CLOSED


def test_it_needs_a_resolution_to_resolve(org, complaint):
    request = open_request(org, complaint)
    with pytest.raises(ValidationError):
        service_request_move(request=request, to_status=RESOLVED, by=org.broker.user)
    with pytest.raises(ValidationError):
        service_request_move(
            request=request, to_status=RESOLVED, by=org.broker.user, resolution="   "
        )
    assert ServiceRequest.objects.get(pk=request.pk).status == OPEN


def test_it_completes_the_requests_task_on_resolving_and_reopens_it_on_reopening(org, complaint):
    request = open_request(org, complaint)
    other = open_request(org, complaint)
    service_request_move(request=request, to_status=IN_PROGRESS, by=org.broker.user)
    assert request_task(request).status == TaskStatus.OPEN
    service_request_move(request=request, to_status=RESOLVED, by=org.broker.user, resolution="ok")
    task = request_task(request)
    assert task.status == TaskStatus.DONE and task.done_at is not None
    assert request_task(other).status == TaskStatus.OPEN

    service_request_move(request=request, to_status=IN_PROGRESS, by=org.broker.user)
    stored = ServiceRequest.objects.get(pk=request.pk)
    assert stored.resolved_at is None
    task = request_task(request)
    assert task.status == TaskStatus.OPEN and task.done_at is None

    service_request_move(request=request, to_status=RESOLVED, by=org.broker.user, resolution="ok")
    service_request_move(request=request, to_status=CLOSED, by=org.broker.user)
    assert request_task(request).status == TaskStatus.DONE


# -- tasks --------------------------------------------------------------------------------------


def follow_up(org) -> Task:
    log(org, follow_up_on=datetime.date(2026, 3, 9))
    return Task.objects.get()


def test_it_completes_a_task_once_and_audits_it(org):
    task = follow_up(org)
    task_complete(task=task, by=org.broker.user)
    stored = Task.objects.get(pk=task.pk)
    assert stored.status == TaskStatus.DONE
    done_at = stored.done_at
    assert done_at is not None
    task_complete(task=stored, by=org.broker.user)  # a double click
    assert Task.objects.get(pk=task.pk).done_at == done_at
    entry = AuditEntry.objects.get(action="task.done")
    assert entry.actor == org.broker.user and entry.object_id == str(task.pk)


def test_it_cancels_a_task(org):
    task = follow_up(org)
    task_cancel(task=task, by=org.branch_manager.user)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CANCELLED
    assert AuditEntry.objects.filter(action="task.cancelled").count() == 1


def test_it_refuses_to_complete_a_cancelled_task_or_cancel_a_done_one(org):
    task = follow_up(org)
    task_cancel(task=task, by=org.broker.user)
    with pytest.raises(ValidationError):
        task_complete(task=task, by=org.broker.user)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CANCELLED

    log(org, follow_up_on=datetime.date(2026, 3, 10))
    other = Task.objects.get(status=TaskStatus.OPEN)
    task_complete(task=other, by=org.broker.user)
    with pytest.raises(ValidationError):
        task_cancel(task=other, by=org.broker.user)
    assert Task.objects.get(pk=other.pk).status == TaskStatus.DONE
