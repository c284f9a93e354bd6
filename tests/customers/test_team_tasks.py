"""A team lead's task list holds the open tasks of their team's members (with whose each is,
and a filter by member), and their service-request list's overdue filter the team's overdue
requests; nobody else's list changes. Runs on SQLite and PostgreSQL."""

import datetime
import re

import pytest
from django.utils import timezone

from crm.models import Role
from customers.models import (
    ServiceRequest,
    ServiceRequestType,
    Task,
    TaskKind,
    TaskStatus,
)
from tests.crm.factories import StaffFactory, TeamFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 12, 1)


def task(assignee, customer, title, status=TaskStatus.OPEN):
    return Task.objects.create(
        assignee=assignee,
        customer=customer,
        kind=TaskKind.FOLLOW_UP,
        title=title,
        due_on=DUE,
        status=status,
    )


@pytest.fixture
def tasks(org):
    """Open tasks of the team's three members, one done; tasks of the branch's customer
    manager (no team), of a second team's broker and of branch B's broker."""
    org.team2 = TeamFactory(branch=org.branch_a, name="财富二组")
    org.broker2 = StaffFactory(
        user__username="broker2", staff_code="BROKER2", role=Role.BROKER, branch=org.branch_a,
        team=org.team2, name="二组经纪人",
    )  # fmt: skip
    org.broker2_customer = CustomerFactory(
        cust_no="A0006", branch=org.branch_a, manager=org.broker2
    )
    task(org.broker, org.broker_customer, "经纪人回访")
    task(org.teammate, org.teammate_customer, "组员回访")
    task(org.team_lead, org.lead_customer, "组长回访")
    task(org.teammate, org.teammate_customer, "组员已完成", status=TaskStatus.DONE)
    task(org.manager, org.manager_customer, "客户经理回访")
    task(org.broker2, org.broker2_customer, "二组回访")
    task(org.other_broker, org.other_customer, "上海回访")
    return org


def task_list(client, user, **params):
    client.force_login(user)
    response = client.get("/customers/tasks/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response


def titles(response) -> set[str]:
    return set(re.findall(r"[\u4e00-\u9fff]+回访|组员已完成", response.content.decode()))


def test_a_team_lead_sees_the_open_tasks_of_their_team(client, tasks):
    response = task_list(client, tasks.team_lead.user)
    assert titles(response) == {"经纪人回访", "组员回访", "组长回访"}
    body = response.content.decode()
    assert "<h1>My team's tasks</h1>" in body
    # Whose each task is: a column with the members' names.
    assert "Assignee" in body
    for member in (tasks.broker, tasks.teammate, tasks.team_lead):
        assert member.name in body
    assert tasks.broker2.name not in body and tasks.manager.name not in body


def test_a_team_lead_narrows_the_list_to_one_member(client, tasks):
    response = task_list(client, tasks.team_lead.user, assignee=tasks.teammate.pk)
    assert titles(response) == {"组员回访"}
    done = task_list(client, tasks.team_lead.user, assignee=tasks.teammate.pk, status="done")
    assert titles(done) == {"组员已完成"}


def test_a_member_of_another_team_is_no_choice_for_a_team_lead(client, tasks):
    response = task_list(client, tasks.team_lead.user, assignee=tasks.broker2.pk)
    assert titles(response) == set()
    assert "Select a valid choice" in response.content.decode()
    assert titles(task_list(client, tasks.team_lead.user, assignee="x")) == set()


def test_a_broker_still_sees_only_their_own_tasks_without_an_assignee_filter(client, tasks):
    response = task_list(client, tasks.broker.user, assignee=tasks.teammate.pk)
    assert titles(response) == {"经纪人回访"}
    body = response.content.decode()
    assert 'name="assignee"' not in body and "My tasks" in body


def test_a_team_leads_workbench_keeps_their_own_tasks_of_the_week(client, tasks):
    client.force_login(tasks.team_lead.user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert titles(response) == {"组长回访"}


def test_a_branch_manager_keeps_their_own_task_list(client, tasks):
    assert titles(task_list(client, tasks.branch_manager.user)) == set()


def test_the_team_task_list_takes_a_bounded_number_of_queries(
    client, tasks, django_assert_max_num_queries
):
    for number in range(20):
        task(tasks.teammate, tasks.teammate_customer, f"批量回访{number}")
    client.force_login(tasks.team_lead.user)
    with django_assert_max_num_queries(8):
        assert client.get("/customers/tasks/").status_code == 200


def request_for(customer, assignee, *, overdue: bool, cast) -> ServiceRequest:
    opened = timezone.now() - datetime.timedelta(days=10)
    return ServiceRequest.objects.create(
        customer=customer,
        request_type=ServiceRequestType.objects.first(),
        description=f"{customer.cust_no} 请求",
        assignee=assignee,
        opened_at=opened,
        due_at=opened + datetime.timedelta(days=1 if overdue else 30),
        created_by=cast.head_office.user,
    )


def test_a_team_leads_overdue_filter_shows_the_teams_overdue_requests(client, tasks):
    org = tasks
    request_for(org.broker_customer, org.broker, overdue=True, cast=org)
    request_for(org.teammate_customer, org.teammate, overdue=True, cast=org)
    request_for(org.lead_customer, org.team_lead, overdue=False, cast=org)
    request_for(org.manager_customer, org.manager, overdue=True, cast=org)
    request_for(org.broker2_customer, org.broker2, overdue=True, cast=org)
    client.force_login(org.team_lead.user)
    response = client.get("/customers/service-requests/", {"overdue": "on"})
    assert response.status_code == 200
    listed = set(re.findall(r"\b[AB]000\d\b", response.content.decode()))
    assert listed == {"A0001", "A0002"}
