"""Empty and edge states say plainly that there is no data: a dashboard period without
metrics keeps the dates asked for (never inverted) and each chart card says it has nothing
to draw; a customer without assets gets no trend chart, and their contribution panel tells
"not computed yet" from "nothing in this period" by whether the metrics ran."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from customers.models import CapitalAccount, Customer, CustomerFigures, DailyBalance, ImportRun
from customers.services import counter_day_import
from tests.customers.counter_files import base_day, write_day
from tests.customers.test_list_filters import figures

pytestmark = pytest.mark.django_db

NO_DATA = "No data for this period."
FIRST, LAST = datetime.date(2026, 1, 5), datetime.date(2026, 3, 2)


@pytest.fixture
def imported(tmp_path, org):
    """base_day's day imported; its two customers sit in branch A."""
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    return org


@pytest.fixture
def metrics(imported):
    call_command("compute_metrics")
    return imported


def dashboard(client, user, **params):
    client.force_login(user)
    response = client.get("/dashboards/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response


# -- the period ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, (datetime.date(2026, 1, 5), LAST)),  # the defaults, from the first day
        (None, datetime.date(2025, 2, 1), (datetime.date(2024, 12, 3), datetime.date(2025, 2, 1))),
        (datetime.date(2026, 6, 1), None, (datetime.date(2026, 6, 1), datetime.date(2026, 7, 31))),
        (datetime.date(2026, 2, 1), None, (datetime.date(2026, 2, 1), LAST)),
        (datetime.date(2025, 1, 1), datetime.date(2025, 2, 1), None),  # as asked
        (datetime.date(2025, 12, 1), datetime.date(2026, 2, 1), None),  # as asked, before FIRST
    ],
)
def test_the_period_is_the_one_asked_for_or_the_defaults_never_inverted(start, end, expected):
    from analytics.selectors import dashboard_period

    period = dashboard_period(start, end, first=FIRST, last=LAST)
    assert period == (expected or (start, end))
    assert period[0] <= period[1]


def test_a_period_before_the_data_shows_its_own_dates_and_says_there_is_no_data(client, metrics):
    response = dashboard(client, metrics.head_office.user, end="2025-02-01")
    body = response.content.decode()
    assert "Showing 2024-12-03 to 2025-02-01" in body
    # The assets, revenue, revenue mix, channel and branch cards.
    assert body.count(NO_DATA) == 5
    assert 'class="plotly-graph-div"' not in body
    assert "No broker has metrics in this period." in body


def test_a_start_after_the_data_shows_the_default_length_from_it(client, metrics):
    body = dashboard(client, metrics.branch_manager.user, start="2026-06-01").content.decode()
    assert "Showing 2026-06-01 to 2026-07-31" in body
    assert body.count(NO_DATA) == 4  # a branch has no branch comparison


def test_a_period_with_data_draws_its_charts_and_no_no_data_message(client, metrics):
    body = dashboard(client, metrics.head_office.user).content.decode()
    assert "Showing 2026-03-02 to 2026-03-02" in body
    assert NO_DATA not in body
    assert 'class="plotly-graph-div"' in body


def test_the_no_data_message_is_translated(client, metrics):
    client.force_login(metrics.head_office.user)
    body = client.get(
        "/dashboards/", {"end": "2025-02-01"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert NO_DATA not in body
    assert "该期间没有数据。" in body


# -- the 360 page of a customer without assets --------------------------------------------------


def without_assets(org):
    """The broker's customer with a capital account whose cash is nil on the loaded day."""
    customer = org.broker_customer
    account = CapitalAccount.objects.create(
        fund_account="F-A0001",
        customer=customer,
        account_kind="normal",
        open_date=customer.open_date,
        status="0",
    )
    DailyBalance.objects.create(business_date=LAST, account=account, balance=Decimal("0"))
    CustomerFigures.objects.filter(customer=customer).delete()  # the import's, if it wrote one
    figures(customer, total="0", cash="0", as_of=LAST)
    return customer


def customer_page(client, user, cust_no="A0001"):
    client.force_login(user)
    response = client.get(f"/customers/{cust_no}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_a_customer_without_assets_gets_a_plain_message_instead_of_a_trend_chart(client, imported):
    without_assets(imported)
    call_command("compute_metrics")
    body = customer_page(client, imported.broker.user)
    assert "No assets over the last year." in body
    assert "No daily history loaded yet." not in body
    assert 'class="plotly-graph-div"' not in body  # no trend, no contribution chart


def test_metrics_that_ran_give_no_contribution_in_this_period(client, imported):
    without_assets(imported)
    call_command("compute_metrics")
    assert ImportRun.objects.filter(metrics_at__isnull=False).exists()
    body = customer_page(client, imported.broker.user)
    assert "No contribution in the last twelve months." in body
    assert "No contribution computed yet" not in body


def test_metrics_that_have_not_run_say_the_contribution_is_not_computed_yet(client, imported):
    without_assets(imported)
    body = customer_page(client, imported.broker.user)
    assert "No contribution computed yet" in body
    assert "No contribution in the last twelve months." not in body


def test_a_customer_with_assets_keeps_the_trend_chart(client, metrics):
    Customer.objects.filter(cust_no="C001").update(
        manager=metrics.broker, branch=metrics.broker.branch
    )
    body = customer_page(client, metrics.broker.user, "C001")
    assert "No assets over the last year." not in body
    assert body.count('class="plotly-graph-div"') == 2  # the trend and the contribution


def test_a_customer_without_any_history_still_says_none_is_loaded(client, metrics):
    body = customer_page(client, metrics.broker.user)
    assert "No daily history loaded yet." in body
