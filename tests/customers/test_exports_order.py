"""Exports follow the screen: the customer list's CSV in the table's order for its sort, and
the dashboard's broker CSV in the broker table's order, money at two decimals."""

import csv
import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.services import counter_day_import
from tests.customers.counter_files import base_day, write_day

from .test_list_filters import figures

pytestmark = pytest.mark.django_db

MONEY = re.compile(r"-?[0-9]+\.[0-9]{2}")


def csv_rows(response) -> list[list[str]]:
    content = b"".join(getattr(response, "streaming_content", None) or [response.content])
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def books(org):
    """Five customers of branch A with figures in a different order by each column, one
    without figures, and contacts on two of them."""
    figures(org.broker_customer, total="300.5", cash="10")
    figures(org.teammate_customer, total="1200", cash="-3.25")
    figures(org.lead_customer, total="45.10", cash="45.10")
    figures(org.manager_customer, total="0", cash="0")
    # A0005 has no figures: it goes last whichever way a figures column is sorted.
    org.broker_customer.name = "Zhao"
    org.broker_customer.save()
    org.teammate_customer.name = "Chen"
    org.teammate_customer.save()
    org.lead_customer.name = "Chen"  # a tie the customer number breaks
    org.lead_customer.save()
    org.manager_customer.name = "Li"
    org.manager_customer.save()
    org.unserved_customer.name = "Wang"
    org.unserved_customer.save()
    moment = timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 30))
    org.lead_customer.last_contact_at = moment
    org.lead_customer.save()
    org.manager_customer.last_contact_at = moment - datetime.timedelta(days=3)
    org.manager_customer.save()
    return org


def listed(client, user, sort) -> list[str]:
    """The customer numbers of the list page in the order the table shows them."""
    response = client.get("/customers/", {"sort": sort})
    assert response.status_code == 200
    return [row.record.cust_no for row in response.context["table"].page.object_list]


def exported(client, user, sort) -> list[list[str]]:
    response = client.get("/customers/export.csv", {"sort": sort}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return csv_rows(response)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("total_assets", ["A0004", "A0003", "A0001", "A0002", "A0005"]),
        ("-total_assets", ["A0002", "A0001", "A0003", "A0004", "A0005"]),
        ("cash", ["A0002", "A0004", "A0001", "A0003", "A0005"]),
        ("-last_contact_at", ["A0003", "A0004", "A0001", "A0002", "A0005"]),
        ("name", ["A0002", "A0003", "A0004", "A0005", "A0001"]),
        ("-cust_no", ["A0005", "A0004", "A0003", "A0002", "A0001"]),
        ("", ["A0001", "A0002", "A0003", "A0004", "A0005"]),
        ("no_such_column", ["A0001", "A0002", "A0003", "A0004", "A0005"]),
    ],
)
def test_the_customer_export_lists_the_rows_in_the_tables_order(client, books, sort, expected):
    user = books.branch_manager.user
    client.force_login(user)
    _header, *rows = exported(client, user, sort)
    numbers = [row[0] for row in rows]
    assert numbers == expected
    assert numbers == listed(client, user, sort)


def test_the_customer_export_writes_money_at_two_decimals(client, books):
    client.force_login(books.branch_manager.user)
    header, *rows = exported(client, books.branch_manager.user, "cust_no")
    total, cash = header.index("Total assets"), header.index("Cash")
    by_number = {row[0]: (row[total], row[cash]) for row in rows}
    assert by_number["A0001"] == ("300.50", "10.00")
    assert by_number["A0002"] == ("1200.00", "-3.25")  # a negative number stays a number
    assert by_number["A0005"] == ("", "")


# -- the dashboard's broker performance CSV -----------------------------------------------------


@pytest.fixture
def metrics(tmp_path, org):
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    call_command("compute_metrics")
    return org


def broker_screen(client, sort):
    response = client.get("/dashboards/", {"sort": sort}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return [row.record["manager__staff_code"] for row in response.context["table"].page.object_list]


def broker_csv(client, sort):
    params = {"sort": sort} if sort else {}
    response = client.get("/dashboards/brokers.csv", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return csv_rows(response)


@pytest.mark.parametrize(
    "sort", ["", "broker", "-broker", "contribution", "-contribution", "customers", "-commission"]
)
def test_the_broker_csv_lists_the_brokers_in_the_screens_order(client, metrics, sort):
    client.force_login(metrics.head_office.user)
    _header, *rows = broker_csv(client, sort)
    assert len(rows) >= 2
    assert [row[0] for row in rows] == broker_screen(client, sort)


def test_the_broker_csv_orders_by_name_both_ways(client, metrics):
    client.force_login(metrics.head_office.user)
    up = [row[1] for row in broker_csv(client, "broker")[1:]]
    down = [row[1] for row in broker_csv(client, "-broker")[1:]]
    assert up == sorted(up) and down == up[::-1]


def test_the_broker_csv_writes_money_at_two_decimals(client, metrics):
    client.force_login(metrics.head_office.user)
    header, *rows = broker_csv(client, "")
    money = [
        header.index(name)
        for name in ("Average assets", "Net inflow", "Commission", "Contribution")
    ]
    cells = [row[index] for row in rows for index in money]
    assert cells and all(MONEY.fullmatch(cell) for cell in cells), cells
    assert "41.04" in cells


def test_the_dashboard_links_its_broker_csv_with_the_tables_sort(client, metrics):
    client.force_login(metrics.head_office.user)
    response = client.get(
        "/dashboards/", {"start": "2026-03-01", "sort": "-broker"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    assert "/dashboards/brokers.csv?start=2026-03-01&amp;sort=-broker" in body
