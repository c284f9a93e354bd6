"""Who may move a service request and finish a task: whoever may act for its assignee (the
assignee, their team lead, their branch manager, head office and administrators). Seeing the
customer is not enough: a broker may not close the request their branch manager is working on.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from crm.models import AuditEntry, Staff
from customers.models import (
    Customer,
    ServiceRequest,
    ServiceRequestStatus,
    ServiceRequestType,
    Task,
    TaskKind,
    TaskStatus,
)
from customers.permissions import may_act_for
from customers.services.relationship import (
    service_request_move,
    service_request_open,
    task_cancel,
    task_complete,
)
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}
PLAIN = {"HTTP_ACCEPT_LANGUAGE": "en"}

CAST = (
    "team_lead",
    "broker",
    "teammate",
    "manager",
    "branch_manager",
    "other_broker",
    "head_office",
    "admin",
)
# Who may act for whom, by the assignee of the work: the one table every test below reads.
MAY_ACT_FOR = {
    "branch_manager": {"branch_manager", "head_office", "admin"},
    "team_lead": {"team_lead", "branch_manager", "head_office", "admin"},
    "broker": {"broker", "team_lead", "branch_manager", "head_office", "admin"},
    "teammate": {"teammate", "team_lead", "branch_manager", "head_office", "admin"},
    "manager": {"manager", "branch_manager", "head_office", "admin"},
}
CASES = [(assignee, actor) for assignee in MAY_ACT_FOR for actor in CAST]
CASE_IDS = [f"{assignee}-by-{actor}" for assignee, actor in CASES]


@pytest.fixture
def complaint(db):
    kind, _ = ServiceRequestType.objects.get_or_create(
        code="test-complaint", defaults={"name": "投诉", "sla_hours": 48, "is_complaint": True}
    )
    return kind


def request_assigned_to(org, complaint, assignee: str) -> ServiceRequest:
    """A request assigned to `assignee`, about a customer they can see: the broker's customer
    for the broker, the team lead and the branch manager, their own for the others."""
    staff = getattr(org, assignee)
    customer = {"teammate": org.teammate_customer, "manager": org.manager_customer}.get(
        assignee, org.broker_customer
    )
    return service_request_open(
        customer=customer,
        request_type=complaint,
        description=f"Request for {assignee}",
        assignee=staff,
        opened_by=staff.user,
    )


def request_task(request: ServiceRequest) -> Task:
    return Task.objects.get(source=f"service_request:{request.pk}")


def follow_up_of(staff: Staff, customer: Customer) -> Task:
    return Task.objects.create(
        assignee=staff,
        customer=customer,
        kind=TaskKind.FOLLOW_UP,
        title=f"Call back ({staff.staff_code})",
        due_on=timezone.localdate() + datetime.timedelta(days=2),
        source="interaction:1",
    )


def written(request: ServiceRequest | None = None) -> tuple:
    """What a refused move or finish must leave as it was."""
    tasks = tuple(Task.objects.order_by("id").values_list("id", "status", "done_at"))
    audit = AuditEntry.objects.count()
    if request is None:
        return tasks, audit
    stored = ServiceRequest.objects.values_list("status", "resolved_at", "resolution").get(
        pk=request.pk
    )
    return stored, tasks, audit


def signed_in(client, staff: Staff):
    client.force_login(staff.user)
    return client


# -- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("assignee", "actor"), CASES, ids=CASE_IDS)
def test_it_lets_only_the_assignee_and_those_above_them_act_for_them(org, assignee, actor):
    allowed = actor in MAY_ACT_FOR[assignee]
    assert may_act_for(getattr(org, actor).user, getattr(org, assignee)) is allowed


def test_it_lets_a_superuser_without_a_staff_record_act_for_anyone(org):
    root = UserFactory(username="root", is_superuser=True)
    assert may_act_for(root, org.branch_manager) and may_act_for(root, org.other_broker)


def test_it_lets_nobody_act_who_left_or_has_no_staff_record(org):
    stranger = UserFactory(username="stranger")
    assert not may_act_for(stranger, org.broker)
    Staff.objects.filter(pk=org.broker.pk).update(is_active=False)
    left = type(org.broker.user).objects.get(pk=org.broker.user.pk)
    assert not may_act_for(left, org.broker)


# -- service requests, through the service ------------------------------------------------------


@pytest.mark.parametrize(("assignee", "actor"), CASES, ids=CASE_IDS)
def test_it_resolves_a_request_only_for_those_who_may_act_for_its_assignee(
    org, complaint, assignee, actor
):
    request = request_assigned_to(org, complaint, assignee)
    by = getattr(org, actor).user
    if actor in MAY_ACT_FOR[assignee]:
        service_request_move(request=request, to_status="resolved", by=by, resolution="Refunded")
        assert ServiceRequest.objects.get(pk=request.pk).status == ServiceRequestStatus.RESOLVED
        assert request_task(request).status == TaskStatus.DONE
        entry = AuditEntry.objects.get(action="service_request.resolved")
        assert entry.actor == by
        return
    before = written(request)
    with translation.override("en"), pytest.raises(PermissionDenied, match="may move"):
        service_request_move(request=request, to_status="resolved", by=by, resolution="Refunded")
    assert written(request) == before


def test_it_refuses_a_broker_closing_a_resolved_request_of_their_branch_manager(org, complaint):
    request = request_assigned_to(org, complaint, "branch_manager")
    service_request_move(
        request=request, to_status="resolved", by=org.branch_manager.user, resolution="ok"
    )
    before = written(request)
    for refused in ("closed", "in_progress"):
        with pytest.raises(PermissionDenied):
            service_request_move(request=request, to_status=refused, by=org.broker.user)
    assert written(request) == before


def test_it_refuses_before_it_judges_the_workflow(org, complaint):
    # A refused user learns nothing about the request's state from the error.
    request = request_assigned_to(org, complaint, "branch_manager")
    with pytest.raises(PermissionDenied):
        service_request_move(request=request, to_status="closed", by=org.broker.user)


# -- tasks, through the service -----------------------------------------------------------------


@pytest.mark.parametrize("finish", [task_complete, task_cancel], ids=["done", "cancel"])
@pytest.mark.parametrize(("assignee", "actor"), CASES, ids=CASE_IDS)
def test_it_finishes_a_task_only_for_those_who_may_act_for_its_assignee(
    org, assignee, actor, finish
):
    task = follow_up_of(getattr(org, assignee), org.broker_customer)
    by = getattr(org, actor).user
    if actor in MAY_ACT_FOR[assignee]:
        finish(task=task, by=by)
        assert Task.objects.get(pk=task.pk).status != TaskStatus.OPEN
        assert AuditEntry.objects.get(object_type="customers.task").actor == by
        return
    before = written()
    with translation.override("en"), pytest.raises(PermissionDenied, match="may finish"):
        finish(task=task, by=by)
    assert written() == before


def test_it_refuses_a_broker_completing_the_task_of_their_branch_managers_request(org, complaint):
    request = request_assigned_to(org, complaint, "branch_manager")
    task = request_task(request)
    before = written(request)
    with pytest.raises(PermissionDenied):
        task_complete(task=task, by=org.broker.user)
    assert written(request) == before


# -- through the views --------------------------------------------------------------------------


def move(client, request: ServiceRequest, headers=HTMX, **data):
    data = {"to_status": "resolved", "resolution": "Refunded", **data}
    return client.post(f"/customers/service-requests/{request.pk}/move/", data, **headers)


# Those of the cast who see the broker's customer, and so its requests.
VIEWERS = ("broker", "team_lead", "branch_manager", "head_office", "admin")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_it_answers_403_to_moving_the_branch_managers_request_unless_allowed(
    client, org, complaint, viewer
):
    request = request_assigned_to(org, complaint, "branch_manager")
    before = written(request)
    response = move(signed_in(client, getattr(org, viewer)), request)
    if viewer in MAY_ACT_FOR["branch_manager"]:
        assert response.status_code == 200
        assert ServiceRequest.objects.get(pk=request.pk).status == ServiceRequestStatus.RESOLVED
        return
    assert response.status_code == 403
    body = response.content.decode()
    assert 'id="service-requests-panel"' in body  # htmx swaps the panel with the reason
    assert "may move this request" in body and org.branch_manager.name in body
    assert written(request) == before


def test_it_answers_a_plain_post_of_a_refused_move_with_403_and_the_reason(client, org, complaint):
    request = request_assigned_to(org, complaint, "branch_manager")
    before = written(request)
    response = move(signed_in(client, org.broker), request, headers=PLAIN)
    assert response.status_code == 403
    assert "may move this request" in response.content.decode()
    assert written(request) == before


def test_it_refuses_the_new_manager_a_request_left_with_the_old_one(client, org, complaint):
    # The customer moved from the teammate to the broker; the request stayed the teammate's.
    request = request_assigned_to(org, complaint, "teammate")
    Customer.objects.filter(pk=org.teammate_customer.pk).update(manager=org.broker)
    before = written(request)
    assert move(signed_in(client, org.broker), request).status_code == 403
    assert written(request) == before
    assert move(signed_in(client, org.team_lead), request).status_code == 200


@pytest.mark.parametrize("outsider", ["teammate", "manager", "other_broker"])
def test_it_is_still_a_404_to_move_a_request_about_a_customer_out_of_scope(
    client, org, complaint, outsider
):
    request = request_assigned_to(org, complaint, "broker")
    before = written(request)
    assert move(signed_in(client, getattr(org, outsider)), request).status_code == 404
    assert written(request) == before


@pytest.mark.parametrize("action", ["done", "cancel"])
@pytest.mark.parametrize("assignee", ["broker", "team_lead", "branch_manager"])
@pytest.mark.parametrize("viewer", VIEWERS)
def test_it_answers_403_to_finishing_a_task_unless_allowed(client, org, viewer, assignee, action):
    task = follow_up_of(getattr(org, assignee), org.broker_customer)
    before = written()
    signed_in(client, getattr(org, viewer))
    response = client.post(f"/customers/tasks/{task.pk}/{action}/", **HTMX)
    if viewer in MAY_ACT_FOR[assignee]:
        assert response.status_code == 200
        assert Task.objects.get(pk=task.pk).status != TaskStatus.OPEN
        return
    assert response.status_code == 403
    assert "may finish this task" in response.content.decode()
    assert written() == before


def test_it_answers_a_plain_post_of_a_refused_finish_with_403_and_the_reason(client, org):
    task = follow_up_of(org.branch_manager, org.broker_customer)
    before = written()
    signed_in(client, org.broker)
    response = client.post(f"/customers/tasks/{task.pk}/done/", **PLAIN)
    assert response.status_code == 403
    assert "may finish this task" in response.content.decode()
    assert written() == before


@pytest.mark.parametrize("outsider", ["teammate", "manager", "other_broker"])
def test_it_is_still_a_404_to_finish_a_task_about_a_customer_out_of_scope(client, org, outsider):
    task = follow_up_of(org.broker, org.broker_customer)
    signed_in(client, getattr(org, outsider))
    assert client.post(f"/customers/tasks/{task.pk}/done/", **HTMX).status_code == 404
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


# -- the buttons --------------------------------------------------------------------------------


def move_forms(body: str, request: ServiceRequest) -> int:
    return body.count(f'action="/customers/service-requests/{request.pk}/move/"')


@pytest.mark.parametrize("viewer", VIEWERS)
def test_it_shows_the_move_buttons_exactly_where_the_viewer_may_move(
    client, org, complaint, viewer
):
    mine = request_assigned_to(org, complaint, "broker")
    leads = request_assigned_to(org, complaint, "team_lead")
    branch = request_assigned_to(org, complaint, "branch_manager")
    signed_in(client, getattr(org, viewer))
    response = client.get("/customers/A0001/", **PLAIN)
    assert response.status_code == 200
    body = response.content.decode()
    may_move = {
        mine: viewer in MAY_ACT_FOR["broker"],
        leads: viewer in MAY_ACT_FOR["team_lead"],
        branch: viewer in MAY_ACT_FOR["branch_manager"],
    }
    for request, allowed in may_move.items():
        assert f"#{request.pk}<" in body  # listed either way
        # Open: "Start work" and "Resolve", one form each.
        assert move_forms(body, request) == (2 if allowed else 0), (viewer, request.description)
