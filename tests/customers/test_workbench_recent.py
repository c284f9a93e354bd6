"""The workbench's recently opened customers (issue 12, point 15): read from the audit entries
the 360 page writes, newest opening first, each customer once, through the scoping; and every
panel of the workbench links its customers by number and by name."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from crm.models import AuditEntry
from crm.scoping import reach_of
from customers.models import CustomerFigures, ServiceRequestType, Task, TaskKind
from customers.selectors.workbench import ROWS, recent_customers_for_user
from customers.services.relationship import service_request_open
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def opened(client, *customers) -> None:
    for customer in customers:
        assert client.get(f"/customers/{customer.cust_no}/", **EN).status_code == 200


def recent_section(client) -> str:
    body = client.get("/", **EN).content.decode()
    start = body.index('id="recent-customers"')
    return body[start : body.index("</section>", start)]


def test_it_lists_the_customers_opened_newest_first_once_each(client, org):
    client.force_login(org.branch_manager.user)
    first, second, third = org.broker_customer, org.teammate_customer, org.manager_customer
    opened(client, first, second, third, first)
    section = recent_section(client)
    numbers = [c.cust_no for c in (first, third, second)]
    positions = [section.index(f">{number}</a>") for number in numbers]
    assert positions == sorted(positions), "newest opening first"
    for customer in (first, second, third):
        assert section.count(f">{customer.cust_no}</a>") == 1
    assert org.lead_customer.cust_no not in section  # in scope, never opened
    assert "No customers opened yet" not in section


def test_it_shows_when_each_customer_was_opened(client, org):
    client.force_login(org.broker.user)
    opened(client, org.broker_customer)
    entry = AuditEntry.objects.get(action="customer.view")
    assert timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M") in recent_section(client)


def test_it_links_the_customer_by_number_and_by_name(client, org):
    client.force_login(org.broker.user)
    customer = org.broker_customer
    opened(client, customer)
    section = recent_section(client)
    url = f"/customers/{customer.cust_no}/"
    assert f'<a href="{url}">{customer.cust_no}</a>' in section
    assert f'<a href="{url}">{customer.name}</a>' in section


def test_it_leaves_out_a_customer_who_has_left_the_users_scope(client, org):
    client.force_login(org.broker.user)
    opened(client, org.broker_customer)
    assert org.broker_customer.cust_no in recent_section(client)
    org.broker_customer.manager = org.teammate
    org.broker_customer.save(update_fields=["manager"])
    section = recent_section(client)
    assert org.broker_customer.cust_no not in section
    assert org.broker_customer.name not in section
    assert "No customers opened yet" in section


def test_it_shows_only_the_signed_in_users_own_openings(client, org):
    client.force_login(org.team_lead.user)
    opened(client, org.broker_customer)  # the lead opened the broker's customer
    client.force_login(org.broker.user)
    assert "No customers opened yet" in recent_section(client)


def test_it_keeps_the_latest_ten_in_two_queries(
    client, org, django_assert_num_queries, django_assert_max_num_queries
):
    customers = [
        CustomerFactory(cust_no=f"R{n:04d}", branch=org.branch_a, manager=org.broker)
        for n in range(ROWS + 5)
    ]
    client.force_login(org.broker.user)
    opened(client, *customers)
    user = org.broker.user
    reach_of(user)  # the signed-in user's reach, as a view has it by then
    with django_assert_num_queries(2):
        recent = recent_customers_for_user(user)
    assert [row["customer"].cust_no for row in recent] == [
        c.cust_no for c in reversed(customers[-ROWS:])
    ]
    with django_assert_max_num_queries(12):
        section = recent_section(client)
    assert customers[-1].cust_no in section and customers[0].cust_no not in section


def test_an_index_serves_a_users_latest_entries_of_one_action():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AuditEntry._meta.db_table)
    columns = [c["columns"] for c in constraints.values() if c["index"]]
    assert ["actor_id", "action", "at"] in columns


def test_every_panel_links_its_customers_by_number_and_by_name(client, org):
    customer = org.broker_customer
    Task.objects.create(
        assignee=org.broker,
        customer=customer,
        kind=TaskKind.FOLLOW_UP,
        title="Call back",
        due_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    service_request_open(
        customer=customer,
        request_type=ServiceRequestType.objects.order_by("pk").first(),
        description="Change of address",
        assignee=org.broker,
        opened_by=org.broker.user,
    )
    CustomerFigures.objects.create(
        customer=customer,
        as_of=datetime.date(2026, 3, 2),
        cash=800000,
        market_value=0,
        liabilities=0,
        total_assets=800000,
        net_assets=800000,
    )
    client.force_login(org.broker.user)
    body = client.get("/", **EN).content.decode()
    url = f"/customers/{customer.cust_no}/"
    tasks = body[body.index("My tasks this week") : body.index("Open service requests")]
    requests = body[body.index("Open service requests") : body.index("Largest customers")]
    to_call = body[body.index("Largest customers") :]
    for panel in (tasks, requests, to_call):
        assert f'<a href="{url}">{customer.cust_no}</a>' in panel
        assert f'<a href="{url}">{customer.name}</a>' in panel
