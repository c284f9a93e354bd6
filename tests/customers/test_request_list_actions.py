"""Service requests worked from their list (issue 12, point 17): given to someone else and
moved along their workflow in the row, by the services and forms of the 360 page's panel;
htmx gets the row in its new state (or with why not), a plain post goes back to the list
with its filters."""

import html
import re

import pytest

from crm.models import AuditEntry
from customers.models import (
    ServiceRequest,
    ServiceRequestStatus,
    ServiceRequestType,
    Task,
    TaskKind,
    TaskStatus,
)
from customers.services.relationship import service_request_open

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {**EN, "HTTP_HX_REQUEST": "true"}
FILTERS = "status=open&request_type=&overdue=on"


@pytest.fixture
def kind(db):
    return ServiceRequestType.objects.order_by("pk").first()


def opened(customer, kind, *, assignee, by=None) -> ServiceRequest:
    return service_request_open(
        customer=customer,
        request_type=kind,
        description=f"Request of {customer.cust_no}",
        assignee=assignee,
        opened_by=(by or assignee).user,
    )


def move(client, request, headers=HTMX, **data):
    url = f"/customers/service-requests/{request.pk}/row-move/"
    return client.post(url, {"filters": FILTERS, **data}, **headers)


def assign(client, request, assignee, headers=HTMX):
    url = f"/customers/service-requests/{request.pk}/assign/"
    return client.post(url, {"filters": FILTERS, "assignee": assignee.pk}, **headers)


def row_of(response, request) -> str:
    text = response.content.decode().strip()
    assert re.match(rf'<tr [^>]*id="service-request-{request.pk}"', text), text[:200]
    assert text.endswith("</tr>") and text.count("<tr") == 1
    return html.unescape(text)


def request_task(request) -> Task:
    return Task.objects.get(kind=TaskKind.SERVICE_REQUEST, source=f"service_request:{request.pk}")


def test_a_branch_manager_gives_a_request_to_the_team_lead_and_resolves_it(client, org, kind):
    request = opened(org.broker_customer, kind, assignee=org.broker)
    client.force_login(org.branch_manager.user)
    listed = client.get("/customers/service-requests/?status=open", **EN).content.decode()
    assert f'action="/customers/service-requests/{request.pk}/assign/"' in listed
    assert f'action="/customers/service-requests/{request.pk}/row-move/"' in listed

    # The row turns into the choice of staff who can see the customer, and whom the branch
    # manager may act for.
    choice = client.get(
        f"/customers/service-requests/{request.pk}/assign/", {"filters": FILTERS}, **HTMX
    )
    assert choice.status_code == 200
    row = row_of(choice, request)
    for staff in (org.broker, org.team_lead, org.branch_manager):
        assert f'<option value="{staff.pk}"' in row
    assert f'value="{org.teammate.pk}"' not in row  # does not serve the customer

    row = row_of(assign(client, request, org.team_lead), request)
    request.refresh_from_db()
    assert request.assignee == org.team_lead
    assert request_task(request).assignee == org.team_lead  # the task follows the request
    assert org.team_lead.name in row and "<select" not in row
    entry = AuditEntry.objects.get(action="service_request.assign")
    assert entry.details == {"from": org.broker.staff_code, "to": org.team_lead.staff_code}

    response = move(client, request, to_status="resolved", resolution="Address changed")
    assert response.status_code == 200
    row = row_of(response, request)
    assert 'class="badge sr-resolved">Resolved<' in row
    assert ">Reopen<" in row  # the moves open to a resolved request
    request.refresh_from_db()
    assert request.status == ServiceRequestStatus.RESOLVED
    assert request.resolution == "Address changed"
    assert request_task(request).status == TaskStatus.DONE


def test_a_plain_post_goes_back_to_the_list_with_its_filters(client, org, kind):
    request = opened(org.broker_customer, kind, assignee=org.broker)
    client.force_login(org.branch_manager.user)
    back = "/customers/service-requests/?status=open&request_type=&overdue=on"
    response = assign(client, request, org.team_lead, headers=EN)
    assert response.status_code == 302 and response.url == back
    response = move(client, request, headers=EN, to_status="in_progress")
    assert response.status_code == 302 and response.url == back
    request.refresh_from_db()
    assert request.assignee == org.team_lead
    assert request.status == ServiceRequestStatus.IN_PROGRESS


def test_the_way_back_keeps_only_the_lists_own_parameters(client, org, kind):
    request = opened(org.broker_customer, kind, assignee=org.broker)
    client.force_login(org.broker.user)
    url = f"/customers/service-requests/{request.pk}/row-move/"
    data = {"to_status": "in_progress", "filters": "status=open&next=//evil.example&sort=-due_at"}
    response = client.post(url, data, **EN)
    assert response.url == "/customers/service-requests/?status=open&sort=-due_at"


def test_the_rows_actions_carry_the_lists_filters(client, org, kind):
    opened(org.broker_customer, kind, assignee=org.broker)
    client.force_login(org.broker.user)
    body = client.get("/customers/service-requests/?status=open&sort=due_at", **EN)
    assert 'name="filters" value="status=open&amp;sort=due_at"' in body.content.decode()


def test_a_broker_cannot_move_a_request_of_their_branch_manager(client, org, kind):
    request = opened(org.broker_customer, kind, assignee=org.branch_manager)
    client.force_login(org.broker.user)
    listed = client.get("/customers/service-requests/", **EN).content.decode()
    assert f"Request of {org.broker_customer.cust_no}" in listed  # seen, not movable
    assert f"/customers/service-requests/{request.pk}/row-move/" not in listed
    assert f"/customers/service-requests/{request.pk}/assign/" not in listed

    refusal = f"Only {org.branch_manager.name} or those they report to may move this request."
    response = move(client, request, to_status="in_progress")
    assert response.status_code == 403
    assert refusal in row_of(response, request)
    response = move(client, request, headers=EN, to_status="in_progress")
    assert response.status_code == 403 and refusal in response.content.decode()
    response = assign(client, request, org.broker)
    assert response.status_code == 403
    assert "may reassign this request" in row_of(response, request)
    request.refresh_from_db()
    assert request.status == ServiceRequestStatus.OPEN
    assert request.assignee == org.branch_manager


def test_a_team_lead_cannot_give_work_to_the_branch_manager(client, org, kind):
    request = opened(org.broker_customer, kind, assignee=org.broker)
    client.force_login(org.team_lead.user)
    response = assign(client, request, org.branch_manager)
    assert response.status_code == 200
    row = row_of(response, request)
    assert "Select a valid choice" in row and "<select" in row  # the choice stays open
    request.refresh_from_db()
    assert request.assignee == org.broker


def test_resolving_without_a_resolution_says_what_is_missing(client, org, kind):
    request = opened(org.broker_customer, kind, assignee=org.broker)
    client.force_login(org.broker.user)
    response = move(client, request, to_status="resolved", resolution="  ")
    assert response.status_code == 200
    assert "Describe how the request was resolved." in row_of(response, request)
    response = move(client, request, headers=EN, to_status="resolved")
    assert response.status_code == 302
    page = client.get(response.url, **EN).content.decode()
    assert "Describe how the request was resolved." in page
    request.refresh_from_db()
    assert request.status == ServiceRequestStatus.OPEN


def test_a_request_out_of_scope_is_a_404_and_nothing_changes(client, org, kind):
    request = opened(org.other_customer, kind, assignee=org.other_broker)
    client.force_login(org.branch_manager.user)
    entries = AuditEntry.objects.count()
    for headers in (HTMX, EN):
        assert move(client, request, headers, to_status="in_progress").status_code == 404
        assert assign(client, request, org.branch_manager, headers).status_code == 404
        url = f"/customers/service-requests/{request.pk}/assign/"
        assert client.get(url, **headers).status_code == 404
    request.refresh_from_db()
    assert request.status == ServiceRequestStatus.OPEN
    assert request.assignee == org.other_broker
    assert AuditEntry.objects.count() == entries


def test_reassigning_without_javascript_has_a_page_of_its_own(client, org, kind):
    request = opened(org.broker_customer, kind, assignee=org.broker)
    client.force_login(org.branch_manager.user)
    url = f"/customers/service-requests/{request.pk}/assign/"
    page = client.get(url, {"filters": "status=open"}, **EN).content.decode()
    assert f"Reassign service request #{request.pk}" in page
    assert org.broker_customer.name in page
    assert 'name="filters" value="status=open"' in page
    assert f'<option value="{org.team_lead.pk}"' in page


def test_the_list_with_its_actions_reads_a_bounded_number_of_queries(
    client, org, kind, django_assert_max_num_queries
):
    for _ in range(30):
        opened(org.broker_customer, kind, assignee=org.broker)
    client.force_login(org.branch_manager.user)
    with django_assert_max_num_queries(10):
        response = client.get("/customers/service-requests/", **EN)
    moves = re.findall(
        r'action="/customers/service-requests/\d+/row-move/"', response.content.decode()
    )
    assert len(moves) == 30 * 2  # start work, resolve


def test_a_moved_row_is_read_in_a_bounded_number_of_queries(
    client, org, kind, django_assert_max_num_queries
):
    request = opened(org.broker_customer, kind, assignee=org.broker)
    client.force_login(org.broker.user)
    with django_assert_max_num_queries(14):
        response = move(client, request, to_status="in_progress")
    assert 'class="badge sr-in_progress"' in row_of(response, request)


def test_a_finished_request_is_not_given_to_someone_else(client, org, kind):
    request = opened(org.broker_customer, kind, assignee=org.broker)
    client.force_login(org.branch_manager.user)
    move(client, request, to_status="resolved", resolution="Done")
    response = assign(client, request, org.team_lead)
    assert "Only an open request can be given to someone else." in row_of(response, request)
    request.refresh_from_db()
    assert request.assignee == org.broker


def test_giving_a_request_to_whoever_has_it_changes_nothing(client, org, kind):
    request = opened(org.broker_customer, kind, assignee=org.broker)
    client.force_login(org.branch_manager.user)
    entries = AuditEntry.objects.count()
    assert org.broker.name in row_of(assign(client, request, org.broker), request)
    assert AuditEntry.objects.count() == entries
