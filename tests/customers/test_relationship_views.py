import datetime

import pytest
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
from customers.selectors.relationship import tasks_for_user
from customers.services.relationship import (
    interaction_log,
    service_request_move,
    service_request_open,
)
from customers.views.panels import interactions_panel, service_requests_panel, tasks_panel
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def complaint(db):
    kind, _ = ServiceRequestType.objects.get_or_create(
        code="test-complaint", defaults={"name": "投诉", "sla_hours": 48, "is_complaint": True}
    )
    return kind


def signed_in(client, staff):
    client.force_login(staff.user)
    return client


def contact(**changes) -> dict:
    data = {
        "channel": "phone",
        "direction": "out",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "content": "Talked about the convertible bond subscription",
        "result": "interested",
        "follow_up_on": "",
    }
    data.update(changes)
    return data


def task_for(staff, customer, *, days=3, kind=TaskKind.FOLLOW_UP, title="Call back"):
    return Task.objects.create(
        assignee=staff,
        customer=customer,
        kind=kind,
        title=title,
        due_on=timezone.localdate() + datetime.timedelta(days=days),
    )


def request_for(customer, request_type, *, assignee, by, opened_at=None) -> ServiceRequest:
    return service_request_open(
        customer=customer,
        request_type=request_type,
        description=f"Request of {customer.cust_no}",
        assignee=assignee,
        opened_by=by.user,
        opened_at=opened_at,
    )


# -- logging a contact --------------------------------------------------------------------------


def test_it_logs_a_call_from_the_htmx_form_and_shows_it_in_the_timeline(client, org):
    signed_in(client, org.broker)
    response = client.post("/customers/A0001/interactions/", contact(), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="interactions-panel"' in body
    assert "Talked about the convertible bond subscription" in body
    assert "Phone call" in body and "interested" in body
    assert 'name="content"' in body and "errorlist" not in body  # a fresh form
    interaction = Interaction.objects.get()
    assert interaction.staff == org.broker
    assert interaction.customer == org.broker_customer
    assert Customer.objects.get(cust_no="A0001").last_contact_at is not None


def test_it_puts_the_follow_up_on_the_logging_users_tasks(client, org):
    signed_in(client, org.team_lead)  # a team lead may serve the broker's customer
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    client.post("/customers/A0001/interactions/", contact(follow_up_on=tomorrow), **HTMX)
    task = Task.objects.get()
    assert task.assignee == org.team_lead
    assert task.due_on == tomorrow
    assert task.kind == TaskKind.FOLLOW_UP


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"content": ""}, "This field is required."),
        ({"follow_up_on": "2020-01-01"}, "The follow-up date cannot be in the past."),
        ({"occurred_at": "2999-01-01T10:00"}, "A contact cannot be logged in the future."),
        # Year 1 would be stored as 1 BC on PostgreSQL and break the page for everyone.
        ({"occurred_at": "0001-01-01T00:00"}, "Enter a date between 1900-01-01 and"),
        ({"follow_up_on": "9999-12-31"}, "Enter a date between 1900-01-01 and"),
        ({"channel": "pigeon"}, "Select a valid choice."),
    ],
)
def test_it_shows_the_errors_of_an_invalid_contact_in_the_panel(client, org, changes, message):
    signed_in(client, org.broker)
    response = client.post("/customers/A0001/interactions/", contact(**changes), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="interactions-panel"' in body
    assert message in body
    assert not Interaction.objects.exists()
    assert Customer.objects.get(cust_no="A0001").last_contact_at is None


def test_it_redirects_a_plain_post_back_to_the_customer_page(client, org):
    signed_in(client, org.broker)
    response = client.post("/customers/A0001/interactions/", contact())
    assert response.status_code == 302
    assert response["Location"] == "/customers/A0001/"
    assert Interaction.objects.count() == 1
    refused = client.post("/customers/A0001/interactions/", contact(content=""))
    assert refused["Location"] == "/customers/A0001/"
    assert Interaction.objects.count() == 1


@pytest.mark.parametrize("cust_no", ["B0001", "A0002", "NOPE"])
def test_it_is_a_404_to_log_a_contact_with_a_customer_out_of_scope(client, org, cust_no):
    signed_in(client, org.broker)
    response = client.post(f"/customers/{cust_no}/interactions/", contact(), **HTMX)
    assert response.status_code == 404
    assert not Interaction.objects.exists()


def test_it_only_accepts_posts_for_logging(client, org):
    signed_in(client, org.broker)
    assert client.get("/customers/A0001/interactions/").status_code == 405


# -- service requests on the customer page ------------------------------------------------------


def test_it_opens_a_request_from_the_panel(client, org, complaint):
    signed_in(client, org.broker)
    response = client.post(
        "/customers/A0001/service-requests/",
        {"request_type": complaint.pk, "description": "Fees look wrong", "assignee": org.broker.pk},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="service-requests-panel"' in body and "Fees look wrong" in body
    request = ServiceRequest.objects.get()
    assert request.customer == org.broker_customer and request.created_by == org.broker.user
    assert Task.objects.get().source == f"service_request:{request.pk}"


def test_it_offers_only_assignees_who_can_see_the_customer(client, org, complaint):
    signed_in(client, org.broker)
    body = client.post(
        "/customers/A0001/service-requests/",
        {"request_type": complaint.pk, "description": "x", "assignee": org.teammate.pk},
        **HTMX,
    ).content.decode()
    assert "Select a valid choice" in body
    assert not ServiceRequest.objects.exists()
    options = [
        staff.pk for staff in service_requests_panel_assignees(org.broker_customer, org.broker)
    ]
    assert sorted(options) == sorted([org.broker.pk, org.team_lead.pk, org.branch_manager.pk])


def service_requests_panel_assignees(customer, staff):
    form = service_requests_panel(customer, user=staff.user)["form"]
    return list(form.fields["assignee"].queryset)


def test_it_is_a_404_to_open_a_request_for_a_customer_out_of_scope(client, org, complaint):
    signed_in(client, org.broker)
    for cust_no in ("B0001", "A0002"):
        response = client.post(
            f"/customers/{cust_no}/service-requests/",
            {"request_type": complaint.pk, "description": "x", "assignee": org.broker.pk},
            **HTMX,
        )
        assert response.status_code == 404
    assert not ServiceRequest.objects.exists()


def test_it_moves_a_request_from_the_panel_and_completes_its_task(client, org, complaint):
    request = request_for(org.broker_customer, complaint, assignee=org.broker, by=org.broker)
    signed_in(client, org.broker)
    url = f"/customers/service-requests/{request.pk}/move/"
    started = client.post(url, {"to_status": "in_progress"}, **HTMX)
    assert started.status_code == 200
    assert "In progress" in started.content.decode()
    assert ServiceRequest.objects.get().status == ServiceRequestStatus.IN_PROGRESS

    refused = client.post(url, {"to_status": "resolved"}, **HTMX).content.decode()
    assert "Describe how the request was resolved." in refused
    assert ServiceRequest.objects.get().status == ServiceRequestStatus.IN_PROGRESS

    client.post(url, {"to_status": "resolved", "resolution": "Refunded"}, **HTMX)
    assert ServiceRequest.objects.get().status == ServiceRequestStatus.RESOLVED
    assert Task.objects.get().status == TaskStatus.DONE

    reopened = client.post(url, {"to_status": "open"}, **HTMX).content.decode()
    assert "Select a valid choice" in reopened
    assert ServiceRequest.objects.get().status == ServiceRequestStatus.RESOLVED


def test_it_is_a_404_to_move_a_request_out_of_scope(client, org, complaint):
    request = request_for(org.broker_customer, complaint, assignee=org.broker, by=org.broker)
    for outsider in (org.other_broker, org.teammate):
        signed_in(client, outsider)
        response = client.post(
            f"/customers/service-requests/{request.pk}/move/", {"to_status": "in_progress"}, **HTMX
        )
        assert response.status_code == 404
    assert ServiceRequest.objects.get().status == ServiceRequestStatus.OPEN


# -- my tasks -----------------------------------------------------------------------------------


def test_it_lists_only_the_users_own_tasks(client, org):
    mine = task_for(org.broker, org.broker_customer, title="Call about the bond")
    task_for(org.teammate, org.teammate_customer, title="Teammate's visit")
    task_for(org.team_lead, org.broker_customer, title="Lead's review")
    done = task_for(org.broker, org.broker_customer, title="Finished already")
    done.status = TaskStatus.DONE
    done.save()
    signed_in(client, org.broker)
    response = client.get("/customers/tasks/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Call about the bond" in body
    assert 'href="/customers/A0001/"' in body
    assert f'hx-post="/customers/tasks/{mine.pk}/done/"' in body
    assert "Teammate&#x27;s visit" not in body and "Lead&#x27;s review" not in body
    assert "Finished already" not in body  # open ones unless asked otherwise
    finished = client.get("/customers/tasks/?status=done").content.decode()
    assert "Finished already" in finished and "Call about the bond" not in finished
    assert "Finished already" in client.get("/customers/tasks/?status=").content.decode()


def test_it_filters_my_tasks_by_kind_and_due_date_and_flags_overdue_ones(client, org):
    task_for(org.broker, org.broker_customer, days=-2, title="Late call")
    task_for(org.broker, org.broker_customer, days=10, kind=TaskKind.CAMPAIGN, title="Campaign")
    signed_in(client, org.broker)
    body = client.get("/customers/tasks/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="overdue' in body and "Overdue" in body
    campaigns = client.get("/customers/tasks/?kind=campaign").content.decode()
    assert "Campaign" in campaigns and "Late call" not in campaigns
    soon = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    due_soon = client.get(f"/customers/tasks/?due_on_before={soon}").content.decode()
    assert "Late call" in due_soon and ">Campaign<" not in due_soon


def test_it_hides_tasks_about_customers_the_user_no_longer_serves(org):
    task_for(org.broker, org.broker_customer)
    Customer.objects.filter(pk=org.broker_customer.pk).update(manager=org.teammate)
    assert not tasks_for_user(org.broker.user).exists()


@pytest.mark.parametrize(
    ("action", "status"), [("done", TaskStatus.DONE), ("cancel", TaskStatus.CANCELLED)]
)
def test_it_finishes_a_task_for_its_assignee_and_records_who_did(client, org, action, status):
    task = task_for(org.broker, org.broker_customer)
    signed_in(client, org.broker)
    response = client.post(f"/customers/tasks/{task.pk}/{action}/", **HTMX)
    assert response.status_code == 200
    assert f'class="badge task-{status}"' in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == status
    entry = AuditEntry.objects.get(action=f"task.{status}")
    assert (entry.actor, entry.object_id) == (org.broker.user, str(task.pk))


def test_it_lets_the_branch_manager_mark_a_branch_task_done(client, org):
    task = task_for(org.broker, org.broker_customer)
    signed_in(client, org.branch_manager)
    response = client.post(f"/customers/tasks/{task.pk}/done/")
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE


# The team lead and head office may finish it (tests/customers/test_relationship_permissions.py).
@pytest.mark.parametrize("stranger", ["teammate", "other_broker"])
def test_it_is_a_404_when_a_stranger_marks_a_task_done(client, org, stranger):
    task = task_for(org.broker, org.broker_customer)
    signed_in(client, getattr(org, stranger))
    assert client.post(f"/customers/tasks/{task.pk}/done/", **HTMX).status_code == 404
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_it_will_not_cancel_a_done_task_and_says_so(client, org):
    task = task_for(org.broker, org.broker_customer)
    signed_in(client, org.broker)
    client.post(f"/customers/tasks/{task.pk}/done/")
    response = client.post(f"/customers/tasks/{task.pk}/cancel/", follow=True)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
    (said,) = (str(message) for message in response.context["messages"])
    assert str(TaskStatus.DONE.label) in said  # "The task is already \"Done\"."
    assert said in response.content.decode()


@pytest.mark.parametrize("stranger", ["teammate", "other_broker"])
def test_it_is_a_404_when_a_stranger_cancels_a_task(client, org, stranger):
    task = task_for(org.broker, org.broker_customer)
    signed_in(client, getattr(org, stranger))
    assert client.post(f"/customers/tasks/{task.pk}/cancel/", **HTMX).status_code == 404
    assert client.get(f"/customers/tasks/{task.pk}/cancel/").status_code in (404, 405)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_it_shows_my_tasks_in_a_bounded_number_of_queries(
    client, org, django_assert_max_num_queries
):
    for n in range(30):
        task_for(org.broker, org.broker_customer, days=n - 5, title=f"Task {n}")
    signed_in(client, org.broker)
    with django_assert_max_num_queries(10):
        response = client.get("/customers/tasks/")
    assert response.content.decode().count("/done/") == 30
    assert response.content.decode().count("/cancel/") == 30


# -- the service requests list ------------------------------------------------------------------


@pytest.fixture
def requests(org, complaint):
    """One request per customer of the cast, each opened by its own manager."""
    made = {}
    for customer in Customer.objects.exclude(manager=None):
        made[customer.cust_no] = request_for(
            customer, complaint, assignee=customer.manager, by=customer.manager
        )
    return made


def listed(client, staff, query="") -> str:
    signed_in(client, staff)
    response = client.get(f"/customers/service-requests/{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_it_lists_only_the_service_requests_in_scope(client, org, requests):
    body = listed(client, org.broker)
    assert "Request of A0001" in body
    assert "Request of A0002" not in body and "Request of B0001" not in body
    branch = listed(client, org.branch_manager)
    for cust_no in ("A0001", "A0002", "A0003", "A0004"):
        assert f"Request of {cust_no}" in branch
    assert "Request of B0001" not in branch
    assert "Request of B0001" in listed(client, org.head_office)


def test_it_filters_overdue_service_requests_and_flags_them(client, org, complaint, requests):
    late = request_for(
        org.broker_customer,
        complaint,
        assignee=org.broker,
        by=org.broker,
        opened_at=timezone.now() - datetime.timedelta(days=3),
    )
    late.description = "The late one"
    late.save(update_fields=["description"])
    resolved_late = request_for(
        org.manager_customer,
        complaint,
        assignee=org.manager,
        by=org.manager,
        opened_at=timezone.now() - datetime.timedelta(days=3),
    )
    service_request_move(
        request=resolved_late, to_status="resolved", by=org.manager.user, resolution="ok"
    )
    body = listed(client, org.branch_manager, "?overdue=on")
    assert "The late one" in body
    assert "Request of A0001" not in body  # due in two days
    assert f"#{resolved_late.pk}<" not in body  # resolved: no longer overdue
    assert 'class="overdue' in body and "Overdue" in body
    everything = listed(client, org.branch_manager)
    assert "Request of A0001" in everything and "The late one" in everything
    resolved = listed(client, org.branch_manager, "?status=resolved")
    assert resolved.count(">Request of") == 1 and ">Request of A0004<" in resolved


def test_it_shows_the_service_requests_in_a_bounded_number_of_queries(
    client, org, complaint, django_assert_max_num_queries
):
    for _ in range(30):
        request_for(org.broker_customer, complaint, assignee=org.broker, by=org.broker)
    signed_in(client, org.branch_manager)
    with django_assert_max_num_queries(10):
        response = client.get("/customers/service-requests/")
    assert response.content.decode().count(">Request of A0001<") == 30


# -- panels -------------------------------------------------------------------------------------


def test_it_reads_each_panel_in_a_bounded_number_of_queries(
    client, org, complaint, django_assert_num_queries, django_assert_max_num_queries
):
    for n in range(20):
        interaction_log(
            customer=org.broker_customer,
            staff=org.broker,
            channel="visit",
            direction="out",
            occurred_at=timezone.now() - datetime.timedelta(hours=n),
            content=f"visit {n}",
            follow_up_on=timezone.localdate(),
        )
        request_for(org.broker_customer, complaint, assignee=org.broker, by=org.broker)
    customer = org.broker_customer
    with django_assert_num_queries(1):
        assert len(interactions_panel(customer)["interactions"]) == 20
    with django_assert_num_queries(1):
        assert len(tasks_panel(customer)["tasks"]) == 40
    staff_for_request_user = org.broker.user
    staff_for_request_user._crm_staff = org.broker  # the signed-in user's staff, as a view has it
    with django_assert_max_num_queries(4):
        context = service_requests_panel(customer, user=staff_for_request_user)
        str(context["form"])  # rendering the form reads the types and the assignees
    assert len(context["rows"]) == 20
    with translation.override("en"):
        labels = [str(move["label"]) for move in context["rows"][0]["moves"]]
    assert labels == ["Start work", "Resolve"]


def test_it_navigates_every_role_to_my_tasks_and_service_requests(client, org):
    for staff in (org.broker, org.branch_manager, org.head_office):
        signed_in(client, staff)
        body = client.get("/customers/tasks/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'href="/customers/tasks/"' in body and "My tasks" in body
        assert 'href="/customers/service-requests/"' in body


def test_it_keeps_contacts_read_only_and_types_editable_in_the_admin(client, org, complaint):
    request = request_for(org.broker_customer, complaint, assignee=org.broker, by=org.broker)
    interaction_log(
        customer=org.broker_customer,
        staff=org.broker,
        channel="phone",
        direction="out",
        occurred_at=timezone.now(),
        content="x",
        follow_up_on=timezone.localdate(),
    )
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    for model in ("interaction", "servicerequesttype", "servicerequest", "task"):
        assert client.get(f"/admin/customers/{model}/").status_code == 200
    assert client.get("/admin/customers/interaction/add/").status_code == 403
    assert client.get(f"/admin/customers/servicerequest/{request.pk}/change/").status_code == 200
    task = Task.objects.filter(kind=TaskKind.SERVICE_REQUEST).get()
    assert client.get(f"/admin/customers/task/{task.pk}/change/").status_code == 200
    interaction = Interaction.objects.get()
    page = client.get(f"/admin/customers/interaction/{interaction.pk}/change/")
    assert page.status_code == 200 and 'name="content"' not in page.content.decode()
    response = client.post(
        f"/admin/customers/servicerequesttype/{complaint.pk}/change/",
        {"code": complaint.code, "name": "客户投诉", "sla_hours": 24, "is_complaint": "on"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.sla_hours == 24
