"""The drill-down from the dashboards' charts: every link a chart element carries opens the
scoped list of exactly the customers behind it, and the list says which figure was clicked
and how many customers it holds."""

import datetime
import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.management import call_command

from analytics.models import CustomerDay
from crm.models import Role
from customers.services import counter_day_import
from tests.crm.factories import StaffFactory
from tests.customers.counter_files import base_day, write_day

pytestmark = pytest.mark.django_db

DRILL = "/dashboards/customers/"
DAY = datetime.date(2026, 11, 20)
EVE = datetime.date(2026, 11, 19)


def day_row(customer, business_date, **figures):
    CustomerDay.objects.create(
        customer=customer,
        branch_id=customer.branch_id,
        business_date=business_date,
        **{name: Decimal(value) for name, value in figures.items()},
    )


@pytest.fixture
def days(org):
    """Two days of metrics: three customers of branch A with different figures, and one of
    branch B with every figure, who a branch manager of A must never see."""
    day_row(
        org.broker_customer,
        DAY,
        total_assets="1000",
        net_inflow="500",
        commission="10",
        net_commission="8",
        contribution="8",
        volume_mobile="100",
    )
    day_row(
        org.teammate_customer, DAY, total_assets="2000", interest_income="1.5", contribution="1.5"
    )
    day_row(org.teammate_customer, EVE, total_assets="2000", contribution="0")
    day_row(
        org.lead_customer,
        EVE,
        net_inflow="-300",
        net_commission="5",
        margin_interest="2",
        contribution="7",
        volume_internet="40",
    )
    day_row(
        org.other_customer,
        DAY,
        total_assets="5000",
        net_inflow="100",
        commission="3",
        net_commission="2",
        interest_income="1",
        margin_interest="1",
        contribution="4",
        volume_mobile="50",
    )
    return org


def drill(client, user, **params):
    client.force_login(user)
    response = client.get(DRILL, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response


def listed(response) -> set[str]:
    return set(re.findall(r"\b[AB]000\d\b", response.content.decode()))


def title(response) -> str:
    heading = re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S).group(1)
    return " ".join(unescape(heading).split())


DAY_CASES = [
    ("inflow", {"A0001"}, "Net inflow on 2026-11-20: 1 customer"),
    ("assets", {"A0001", "A0002"}, "Assets under management on 2026-11-20: 2 customers"),
    ("commission", {"A0001"}, "Gross commission on 2026-11-20: 1 customer"),
    ("net_commission", {"A0001"}, "Net commission on 2026-11-20: 1 customer"),
    ("interest_income", {"A0002"}, "Interest spread on 2026-11-20: 1 customer"),
    ("margin_interest", set(), "Margin interest on 2026-11-20: 0 customers"),
    ("revenue", {"A0001", "A0002"}, "Revenue on 2026-11-20: 2 customers"),
]


@pytest.mark.parametrize(("figure", "customers", "heading"), DAY_CASES)
def test_a_days_figure_lists_exactly_the_branchs_customers_behind_it(
    client, days, figure, customers, heading
):
    response = drill(client, days.branch_manager.user, day="2026-11-20", figure=figure)
    assert listed(response) == customers
    assert title(response) == heading


PERIOD_CASES = [
    ({"figure": "net_commission"}, {"A0001", "A0003"}, "Net commission"),
    ({"figure": "interest_income"}, {"A0002"}, "Interest spread"),
    ({"figure": "margin_interest"}, {"A0003"}, "Margin interest"),
    ({"channel": "mobile"}, {"A0001"}, "Mobile trading"),
    ({"channel": "internet"}, {"A0003"}, "Internet trading"),
]


@pytest.mark.parametrize(("params", "customers", "name"), PERIOD_CASES)
def test_a_periods_slice_lists_exactly_the_customers_who_produced_it(
    client, days, params, customers, name
):
    response = drill(
        client, days.branch_manager.user, start="2026-11-19", end="2026-11-20", **params
    )
    assert listed(response) == customers
    count = len(customers)
    noun = "customer" if count == 1 else "customers"
    assert title(response) == f"{name} from 2026-11-19 to 2026-11-20: {count} {noun}"


def test_head_office_sees_the_whole_companys_customers_behind_a_slice(client, days):
    response = drill(
        client,
        days.head_office.user,
        start="2026-11-19",
        end="2026-11-20",
        figure="margin_interest",
    )
    assert listed(response) == {"A0003", "B0001"}
    assert title(response).endswith(": 2 customers")
    one_day = drill(
        client, days.head_office.user, start="2026-11-20", end="2026-11-20", figure="net_commission"
    )
    assert listed(one_day) == {"A0001", "B0001"}


def test_another_branchs_manager_never_sees_branch_as_customers(client, days):
    manager_b = StaffFactory(user__username="bm-b", role=Role.BRANCH_MANAGER, branch=days.branch_b)
    for params in (
        {"day": "2026-11-20", "figure": "assets"},
        {"start": "2026-11-19", "end": "2026-11-20", "figure": "net_commission"},
        {"start": "2026-11-19", "end": "2026-11-20", "channel": "internet"},
    ):
        response = drill(client, manager_b.user, **params)
        assert listed(response) <= {"B0001"}
    assert title(drill(client, manager_b.user, day="2026-11-20", figure="inflow")) == (
        "Net inflow on 2026-11-20: 1 customer"
    )


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-11-20", "end": "2026-11-19", "figure": "net_commission"},
        {"start": "2026-11-19", "figure": "net_commission"},
        {"start": "2026-11-19", "end": "2026-11-20"},
        {"start": "2026-11-19", "end": "2026-11-20", "figure": "inflow", "channel": "mobile"},
        {"start": "2026-11-19", "end": "2026-11-20", "figure": "nonsense"},
        {"day": "2026-11-20", "figure": "net_commission", "start": "2026-11-19"},
    ],
)
def test_it_refuses_a_period_that_names_no_figure(client, days, params):
    client.force_login(days.head_office.user)
    assert client.get(DRILL, params).status_code == 404


def test_the_title_is_in_chinese_too(client, days):
    client.force_login(days.branch_manager.user)
    response = client.get(
        DRILL, {"day": "2026-11-20", "figure": "assets"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert title(response) == "2026-11-20 管理资产：2 位客户"
    response = client.get(
        DRILL,
        {"start": "2026-11-19", "end": "2026-11-20", "channel": "mobile"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert title(response) == "2026-11-19 至 2026-11-20 手机交易：1 位客户"


def test_the_drill_down_page_takes_a_bounded_number_of_queries(
    client, days, django_assert_max_num_queries
):
    client.force_login(days.head_office.user)
    params = {"start": "2026-11-19", "end": "2026-11-20", "figure": "net_commission"}
    with django_assert_max_num_queries(12):
        assert client.get(DRILL, params).status_code == 200


@pytest.fixture
def metrics(tmp_path, org):
    """base_day's two customers of branch A on 2026-03-02, through the nightly metrics."""
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    call_command("compute_metrics")
    return org


def chart_links(body: str) -> list[list[str]]:
    """Each trace's drill-down links, from the charts' JSON data blocks."""
    blocks = re.findall(r'<script type="application/json">(.*?)</script>', body, re.S)
    return [[trace.get("customdata") for trace in json.loads(block)["data"]] for block in blocks]


def test_every_trace_of_the_dashboards_customer_charts_links_to_its_customers(client, metrics):
    client.force_login(metrics.branch_manager.user)
    body = client.get("/dashboards/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assets, revenue, mix, channels, pareto = chart_links(body)
    assert assets == [
        [f"{DRILL}?day=2026-03-02&figure=assets"],
        [f"{DRILL}?day=2026-03-02&figure=inflow"],
    ]
    assert revenue == [
        [f"{DRILL}?day=2026-03-02&figure={name}"]
        for name in (
            "net_commission",
            "interest_income",
            "margin_interest",
            "product_fees",
            "commission",
        )
    ]
    period = f"{DRILL}?start=2026-03-02&end=2026-03-02"
    assert mix == [
        [
            f"{period}&figure={name}"
            for name in ("net_commission", "interest_income", "margin_interest", "product_fees")
        ]
    ]
    assert channels[0][0] == f"{period}&channel=mobile"
    # Each link opens a page of the customers behind it, with the figure in its title.
    expected = {
        f"{DRILL}?day=2026-03-02&figure=assets": (
            {"C001", "C002"},
            "Assets under management on 2026-03-02: 2 customers",
        ),
        f"{DRILL}?day=2026-03-02&figure=inflow": ({"C001"}, "Net inflow on 2026-03-02: 1 customer"),
        f"{DRILL}?day=2026-03-02&figure=commission": (
            {"C001", "C002"},
            "Gross commission on 2026-03-02: 2 customers",
        ),
        f"{period}&figure=net_commission": (
            {"C001", "C002"},
            "Net commission from 2026-03-02 to 2026-03-02: 2 customers",
        ),
        f"{period}&channel=mobile": (
            {"C001"},
            "Mobile trading from 2026-03-02 to 2026-03-02: 1 customer",
        ),
        f"{DRILL}?month=2026-03-01&top=50": (
            {"C001"},
            "Top 50 % of contribution in 2026-03: 1 customer",
        ),
    }
    for link, (customers, heading) in expected.items():
        response = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
        assert set(re.findall(r"\bC00\d\b", response.content.decode())) == customers, link
        assert title(response) == heading
    for link in {
        link
        for chart in (assets, revenue, mix, channels, pareto)
        for trace in chart
        for link in trace
    }:
        assert client.get(link).status_code == 200, link
