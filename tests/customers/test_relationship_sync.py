"""The relationship stays in step: a service request and the task it put on a workbench move
together whichever button is pressed, a row shows one status, and an htmx action answers every
panel of the 360 page it changed (out-of-band swaps), not only its own.
"""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from crm.models import AuditEntry
from customers.models import (
    ServiceRequest,
    ServiceRequestStatus,
    ServiceRequestType,
    Task,
    TaskKind,
    TaskStatus,
)
from customers.selectors.relationship import service_requests_for_user
from customers.services.relationship import (
    service_request_move,
    service_request_open,
    task_cancel,
    task_complete,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@pytest.fixture
def complaint(db):
    kind, _ = ServiceRequestType.objects.get_or_create(
        code="test-complaint", defaults={"name": "投诉", "sla_hours": 48, "is_complaint": True}
    )
    return kind


def open_request(org, complaint, *, days_ago: int = 0) -> ServiceRequest:
    return service_request_open(
        customer=org.broker_customer,
        request_type=complaint,
        description="The bank transfer did not arrive",
        assignee=org.broker,
        opened_by=org.broker.user,
        opened_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def request_task(request: ServiceRequest) -> Task:
    return Task.objects.get(source=f"service_request:{request.pk}")


def audited(request: ServiceRequest) -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(object_type="customers.servicerequest", object_id=str(request.pk))
        .order_by("id")
        .values_list("action", "actor__username")
    )


class _TopLevel(HTMLParser):
    """The top-level elements of an htmx answer: what htmx swaps in, or out of band."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.elements: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.elements.append({"tag": tag, "attrs": dict(attrs), "text": []})
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag not in VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.elements and self.depth > 0:
            self.elements[-1]["text"].append(data)


def top_level(html: str) -> dict[str, dict]:
    """The answer's top-level elements by id, each with its attributes and its text."""
    parser = _TopLevel()
    parser.feed(html)
    return {
        element["attrs"].get("id", ""): {
            **element["attrs"],
            "text": " ".join(" ".join(element["text"]).split()),
        }
        for element in parser.elements
    }


def row_of(body: str, title: str) -> str:
    (row,) = [row for row in body.split("<tr")[1:] if title in row]
    return row.split("</tr>")[0]


# -- a request and its task, through the services -----------------------------------------------


def test_it_resolves_the_request_when_its_task_is_completed_and_stops_the_sla(org, complaint):
    request = open_request(org, complaint, days_ago=3)  # 48 hours: overdue
    assert service_requests_for_user(org.broker.user).get(pk=request.pk).overdue
    task_complete(task=request_task(request), by=org.broker.user, resolution=" Bank re-sent it ")
    stored = service_requests_for_user(org.broker.user).get(pk=request.pk)
    assert stored.status == ServiceRequestStatus.RESOLVED
    assert stored.resolution == "Bank re-sent it" and stored.resolved_at is not None
    assert not stored.overdue  # the SLA clock stopped
    task = request_task(request)
    assert task.status == TaskStatus.DONE and task.done_at is not None


def test_it_audits_resolving_through_the_task_as_resolving_through_the_request(org, complaint):
    through_task = open_request(org, complaint)
    through_panel = open_request(org, complaint)
    task_complete(task=request_task(through_task), by=org.broker.user, resolution="Refunded")
    service_request_move(
        request=through_panel, to_status="resolved", by=org.broker.user, resolution="Refunded"
    )
    expected = [("service_request.open", "broker"), ("service_request.resolved", "broker")]
    assert audited(through_task) == audited(through_panel) == expected
    entry = AuditEntry.objects.filter(action="service_request.resolved").first()
    assert entry.details == {"from": "open", "to": "resolved", "resolution": "Refunded"}
    # One road, one record: the task's end is the request's, not a second story beside it.
    assert not AuditEntry.objects.filter(action="task.done").exists()


def test_it_refuses_to_complete_a_request_task_without_a_resolution(org, complaint):
    request = open_request(org, complaint)
    with translation.override("en"), pytest.raises(ValidationError, match="Describe how"):
        task_complete(task=request_task(request), by=org.broker.user)
    assert ServiceRequest.objects.get(pk=request.pk).status == ServiceRequestStatus.OPEN
    assert request_task(request).status == TaskStatus.OPEN
    assert audited(request) == [("service_request.open", "broker")]


def test_it_refuses_to_cancel_the_task_of_an_open_request(org, complaint):
    # A complaint is resolved and recorded, never dropped by cancelling a to-do.
    request = open_request(org, complaint)
    with translation.override("en"), pytest.raises(ValidationError, match="resolv"):
        task_cancel(task=request_task(request), by=org.broker.user)
    assert ServiceRequest.objects.get(pk=request.pk).status == ServiceRequestStatus.OPEN
    assert request_task(request).status == TaskStatus.OPEN
    assert not AuditEntry.objects.filter(action="task.cancelled").exists()


def test_it_completes_a_request_task_once_on_a_double_click(org, complaint):
    request = open_request(org, complaint)
    task = request_task(request)
    task_complete(task=task, by=org.broker.user, resolution="Refunded")
    task_complete(task=request_task(request), by=org.broker.user, resolution="Refunded")
    assert audited(request) == [
        ("service_request.open", "broker"),
        ("service_request.resolved", "broker"),
    ]


def test_it_finishes_and_reopens_the_task_with_the_request(org, complaint):
    request = open_request(org, complaint)
    service_request_move(request=request, to_status="resolved", by=org.broker.user, resolution="ok")
    assert request_task(request).status == TaskStatus.DONE
    service_request_move(request=request, to_status="in_progress", by=org.broker.user)
    assert request_task(request).status == TaskStatus.OPEN
    task_complete(task=request_task(request), by=org.broker.user, resolution="Refunded again")
    stored = ServiceRequest.objects.get(pk=request.pk)
    assert (stored.status, stored.resolution) == ("resolved", "Refunded again")


# -- one status per row -------------------------------------------------------------------------


def test_it_shows_a_request_task_with_the_requests_status_alone(client, org, complaint):
    request = open_request(org, complaint)
    service_request_move(request=request, to_status="in_progress", by=org.broker.user)
    client.force_login(org.broker.user)
    body = client.get("/customers/tasks/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = row_of(body, "The bank transfer did not arrive")
    assert "In progress" in row
    assert ">Open<" not in row  # not the task's own status beside the request's
    assert 'name="resolution"' in row and "Resolve request" in row
    assert "/cancel/" not in row  # a request is resolved, not cancelled away


def test_it_resolves_the_request_from_my_tasks_and_answers_its_one_status(client, org, complaint):
    request = open_request(org, complaint)
    task = request_task(request)
    client.force_login(org.broker.user)
    url = f"/customers/tasks/{task.pk}/done/"

    refused = client.post(url, {"resolution": "  "}, **HTMX)
    assert refused.status_code == 200
    assert "Describe how the request was resolved." in refused.content.decode()
    assert 'name="resolution"' in refused.content.decode()  # asked again, in place
    assert ServiceRequest.objects.get(pk=request.pk).status == ServiceRequestStatus.OPEN

    answer = client.post(url, {"resolution": "Refunded"}, **HTMX).content.decode()
    assert "Resolved" in answer and 'class="badge sr-resolved"' in answer
    assert "Done" not in answer and "resolution" not in answer
    assert ServiceRequest.objects.get(pk=request.pk).status == ServiceRequestStatus.RESOLVED

    done = client.get("/customers/tasks/?status=done", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = row_of(done, "The bank transfer did not arrive")
    assert "Resolved" in row and ">Done<" not in row


def test_it_swaps_the_whole_status_of_a_row_for_the_finished_one(client, org):
    task = Task.objects.create(
        assignee=org.broker,
        customer=org.broker_customer,
        kind=TaskKind.FOLLOW_UP,
        title="Send the fund factsheet",
        due_on=timezone.localdate(),
    )
    client.force_login(org.broker.user)
    body = client.get("/customers/tasks/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = row_of(body, "Send the fund factsheet")
    # The done button replaces the element holding the row's status, status and all.
    (target,) = set(re.findall(r'hx-target="closest \.([\w-]+)"', row))
    (state,) = re.findall(rf'<(\w+) class="{target}"[^>]*>(.*?)</\1>\s*</td>', row, re.S)
    state = state[1]
    assert "Open" in state
    assert row.count(">Open<") == 1
    answer = client.post(f"/customers/tasks/{task.pk}/done/", **HTMX).content.decode()
    assert f'class="{target}"' in answer and "Done" in answer and "Open" not in answer


# -- the 360 page's panels, out of band ---------------------------------------------------------


def test_it_answers_logging_a_contact_with_the_new_task_and_last_contact(client, org):
    client.force_login(org.broker.user)
    when = timezone.localtime() - datetime.timedelta(hours=2)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = {
        "channel": "phone",
        "direction": "out",
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "content": "Talked about the convertible bond subscription",
        "result": "",
        "follow_up_on": tomorrow.isoformat(),
    }
    response = client.post("/customers/A0001/interactions/", data, **HTMX)
    assert response.status_code == 200
    parts = top_level(response.content.decode())
    assert "hx-swap-oob" not in parts["interactions-panel"]  # the target, swapped as asked
    tasks = parts["tasks-panel"]
    assert tasks["hx-swap-oob"] == "true"
    assert "Follow up: Talked about the convertible bond" in tasks["text"]
    assert tomorrow.isoformat() in tasks["text"]
    assert "No open tasks." not in tasks["text"]
    last_contact = parts["last-contact"]
    assert last_contact["hx-swap-oob"] == "true"
    assert last_contact["text"] == when.strftime("%Y-%m-%d %H:%M")


def test_it_answers_a_refused_contact_with_its_own_panel_only(client, org):
    client.force_login(org.broker.user)
    response = client.post("/customers/A0001/interactions/", {"content": ""}, **HTMX)
    assert set(top_level(response.content.decode())) == {"interactions-panel"}


def test_it_gives_the_360_page_the_ids_the_answers_swap(client, org):
    client.force_login(org.broker.user)
    body = client.get("/customers/A0001/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="tasks-panel"' in body and 'id="last-contact"' in body
    assert "hx-swap-oob" not in body  # only answers swap out of band


def test_it_answers_opening_and_resolving_a_request_with_the_tasks_panel(client, org, complaint):
    client.force_login(org.broker.user)
    opened = client.post(
        "/customers/A0001/service-requests/",
        {
            "request_type": complaint.pk,
            "description": "Statement missing",
            "assignee": org.broker.pk,
        },
        **HTMX,
    )
    parts = top_level(opened.content.decode())
    assert "Statement missing" in parts["service-requests-panel"]["text"]
    assert parts["tasks-panel"]["hx-swap-oob"] == "true"
    assert "Statement missing" in parts["tasks-panel"]["text"]

    request = ServiceRequest.objects.get()
    moved = client.post(
        f"/customers/service-requests/{request.pk}/move/",
        {"to_status": "resolved", "resolution": "Sent by post"},
        **HTMX,
    )
    parts = top_level(moved.content.decode())
    assert parts["tasks-panel"]["hx-swap-oob"] == "true"
    assert "Statement missing" not in parts["tasks-panel"]["text"]
    assert "No open tasks." in parts["tasks-panel"]["text"]
