"""crm/dates.py: the span of dates a person may enter, on the forms and filters that ask
for one (a date outside it gets a message, never a 500 and never a stored value), and the
month arithmetic every app shares."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from crm.dates import (
    DateWithinBounds,
    day_from_digits,
    month_end,
    month_start,
    months_later,
    next_month,
    previous_month,
    whole_months,
)
from customers.models import Interaction, Task
from tests.crm.factories import UserFactory
from tests.customers.factories import CustomerFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.parametrize(
    "value",
    [datetime.date(1, 1, 1), datetime.date(1899, 12, 31), datetime.date(9999, 12, 31)],
)
def test_it_refuses_a_date_outside_the_span(value):
    with pytest.raises(ValidationError) as refused:
        DateWithinBounds(days_ahead=30)(value)
    assert refused.value.code == "date_out_of_bounds"


def test_it_takes_the_span_per_field_from_today():
    today = timezone.localdate()
    bounds = DateWithinBounds(days_ahead=30)
    bounds(datetime.date(1900, 1, 1))
    bounds(today + datetime.timedelta(days=30))
    with pytest.raises(ValidationError):
        bounds(today + datetime.timedelta(days=31))


def test_it_reads_a_datetime_by_its_local_day():
    bounds = DateWithinBounds(days_ahead=0)
    bounds(timezone.now())
    with pytest.raises(ValidationError):
        bounds(timezone.now() + datetime.timedelta(days=2))


@pytest.mark.django_db
@pytest.mark.parametrize("parameter", ["start", "end"])
def test_the_dashboard_says_so_for_a_date_out_of_the_span(client, org, parameter):
    client.force_login(org.branch_manager.user)
    response = client.get(f"/dashboards/?{parameter}=0001-01-01", **EN)
    assert response.status_code == 200
    assert "Enter a date between 1900-01-01 and" in response.content.decode()


@pytest.mark.django_db
def test_the_import_history_says_so_for_a_date_out_of_the_span(client, org):
    client.force_login(org.head_office.user)
    response = client.get("/customers/imports/?day_from=0001-01-01", **EN)
    assert response.status_code == 200
    assert "Enter a date between 1900-01-01 and" in response.content.decode()


# -- what is already stored -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "values"),
    [
        (
            "interaction",
            {"occurred_at": datetime.datetime(1, 1, 1, tzinfo=datetime.UTC), "content": "x"},
        ),
        ("interaction", {"follow_up_on": datetime.date(1899, 12, 31), "content": "x"}),
        ("task", {"due_on": datetime.date(1, 1, 1), "title": "x", "kind": "follow_up"}),
    ],
)
def test_the_database_refuses_a_date_before_1900_whichever_way_it_comes(org, model, values):
    customer = CustomerFactory(branch=org.broker.branch, manager=org.broker)
    given = {"customer": customer, "occurred_at": timezone.now(), **values}
    if model == "task":
        given.pop("occurred_at")
        create = Task.objects.create
        given["assignee"] = org.broker
    else:
        create = Interaction.objects.create
        given.update(channel="phone", staff=org.broker)
    with pytest.raises(IntegrityError), transaction.atomic():
        create(**given)
    assert not Interaction.objects.exists() and not Task.objects.exists()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="1 BC is PostgreSQL's")
def test_the_repair_brings_back_a_page_broken_by_a_contact_stored_as_1_bc(client, org):
    """What a contact dated 0001-01-01T00:00 (Asia/Shanghai) left before the forms were
    bounded: 0000-12-31 16:00 UTC, which is 1 BC and which Python cannot read back."""
    customer = CustomerFactory(branch=org.broker.branch, manager=org.broker)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits on none
        for table, constraint in [
            ("customers_interaction", "interaction_occurred_from_1900"),
            ("customers_customer", "customer_last_contact_from_1900"),
        ]:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
        cursor.execute(
            "INSERT INTO customers_interaction (customer_id, staff_id, channel, direction, "
            "occurred_at, content, result, created_at) VALUES "
            "(%s, %s, 'phone', 'out', '0001-01-01 00:00+08', 'called', '', now())",
            [customer.pk, org.broker.pk],
        )
        cursor.execute(
            "UPDATE customers_customer SET last_contact_at = '0001-01-01 00:00+08' WHERE id = %s",
            [customer.pk],
        )
    client.force_login(org.broker.user)
    with pytest.raises(ValueError):
        client.get(f"/customers/{customer.cust_no}/")

    migration = importlib.import_module("customers.migrations.0015_dates_from_1900")
    migration.repair_dates_before_1900(apps, None)

    assert client.get(f"/customers/{customer.cust_no}/").status_code == 200
    (contact,) = Interaction.objects.filter(customer=customer)
    assert contact.occurred_at == contact.created_at
    customer.refresh_from_db()
    assert customer.last_contact_at == contact.occurred_at
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get("/admin/customers/interaction/").status_code == 200


D = datetime.date


@pytest.mark.parametrize(
    ("day", "last"),
    [
        (D(2026, 2, 1), D(2026, 2, 28)),
        (D(2024, 2, 10), D(2024, 2, 29)),
        (D(2026, 12, 31), D(2026, 12, 31)),
        (D(2026, 4, 15), D(2026, 4, 30)),
    ],
)
def test_a_month_ends_on_its_last_calendar_day(day, last):
    assert month_end(day) == last


def test_a_month_is_the_date_of_its_first_day():
    assert month_start(D(2026, 3, 31)) == D(2026, 3, 1)
    assert month_start(D(2026, 3, 1)) == D(2026, 3, 1)


@pytest.mark.parametrize(
    ("day", "following"),
    [
        (D(2026, 1, 31), D(2026, 2, 1)),
        (D(2024, 2, 29), D(2024, 3, 1)),
        (D(2026, 12, 1), D(2027, 1, 1)),
        (D(2026, 12, 31), D(2027, 1, 1)),
    ],
)
def test_the_next_month_starts_after_any_day_of_this_one(day, following):
    assert next_month(day) == following


def test_the_previous_month_crosses_the_year():
    assert previous_month(D(2026, 1, 15)) == D(2025, 12, 1)
    assert previous_month(D(2026, 3, 31)) == D(2026, 2, 1)


@pytest.mark.parametrize(
    ("months", "first"),
    [(0, D(2026, 3, 1)), (-11, D(2025, 4, 1)), (-15, D(2024, 12, 1)), (22, D(2028, 1, 1))],
)
def test_it_counts_months_either_way_from_a_day(months, first):
    assert months_later(D(2026, 3, 31), months) == first


def test_whole_months_count_only_months_completed():
    assert whole_months(D(2025, 1, 31), D(2025, 2, 28)) == 0
    assert whole_months(D(2025, 1, 31), D(2025, 3, 31)) == 2
    assert whole_months(D(2026, 1, 1), D(2025, 1, 1)) == 0


def test_a_day_written_in_eight_digits_is_read_and_anything_else_refused():
    assert day_from_digits("20261203") == datetime.date(2026, 12, 3)
    for text in ("2026123", "2026-12-03", "20260230", "２０２６１２０３", "2026120a", ""):
        with pytest.raises(ValueError):
            day_from_digits(text)
