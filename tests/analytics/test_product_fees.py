"""Product sales' fees in the metrics: a fourth source of contribution per customer per day
(by the day sold), summed into the months, the branch and broker roll-ups and the year; a
sale recorded after its day was computed leaves the day stale for the pipeline's metrics
step; the dashboards and the 360 panel name the source.

The days' other figures are tests/analytics/test_services.py's, from
tests/customers/counter_files.base_day: C001 (served by S01) contributes 41.04 on
2026-03-06, and 105.40 in March with the same figures again on Monday 2026-03-09 (two days'
net commission, four natural days' interest and margin interest); C002 (served by S02) 4.88
a day.
"""

import datetime
import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.management import call_command

from analytics import charts
from analytics.models import (
    BranchDay,
    BranchMonth,
    BrokerDay,
    BrokerMonth,
    CustomerDay,
    CustomerMonth,
    CustomerYear,
)
from analytics.selectors import contribution_for_customer
from analytics.services import (
    metrics_compute_day,
    metrics_compute_missing,
    metrics_compute_stale,
    metrics_stale_days,
)
from analytics.tasks import metrics_of_stale_days
from crm.models import Branch, Staff
from crm.pipeline import METRICS
from customers.models import Customer
from customers.services import counter_day_import
from products.models import (
    CheckPurpose,
    CheckResult,
    Product,
    ProductSale,
    ProductStatus,
    SaleChannel,
    SuitabilityCheck,
)
from tests.customers.counter_files import base_day, write_day
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
MARCH = datetime.date(2026, 3, 1)
MARCH_2 = datetime.date(2026, 3, 2)
MARCH_6 = datetime.date(2026, 3, 6)
MARCH_9 = datetime.date(2026, 3, 9)
DRILL = "/dashboards/customers/"


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.INTEREST_SPREAD_ANNUAL = "0.012"
    settings.MARGIN_INTEREST_RATE = "0.06"


def load(tmp_path, day: datetime.date) -> None:
    counter_day_import(folder=write_day(tmp_path, f"{day:%Y%m%d}", base_day(day.isoformat())))


def customer(cust_no: str) -> Customer:
    return Customer.objects.get(cust_no=cust_no)


def sell(cust: Customer, day: datetime.date, fee: str) -> ProductSale:
    """A sale of a fund to `cust` on `day` earning `fee`, with the suitable check behind it."""
    product, _created = Product.objects.get_or_create(
        code="F0001",
        defaults={
            "name": "稳健债券基金",
            "kind": "public_fund",
            "risk_level": "R2",
            "horizon": "medium",
            "variety": "fixed_income",
            "status": ProductStatus.ON_SALE,
            "fee_rate": Decimal("0.01"),
        },
    )
    check = SuitabilityCheck.objects.create(
        customer=cust,
        product=product,
        purpose=CheckPurpose.CUSTOMER_REQUEST,
        result=CheckResult.SUITABLE,
        product_risk="R2",
    )
    return ProductSale.objects.create(
        customer=cust,
        product=product,
        amount=Decimal(fee) * 100,
        fee=Decimal(fee),
        sold_on=day,
        channel=SaleChannel.BRANCH,
        suitability_check=check,
    )


def day_of(cust_no: str, day=MARCH_6) -> CustomerDay:
    return CustomerDay.objects.get(customer__cust_no=cust_no, business_date=day)


def test_a_sales_fee_lands_in_the_customers_day_and_its_contribution(tmp_path):
    load(tmp_path, MARCH_6)
    sell(customer("C001"), MARCH_6, "12.50")
    sell(customer("C001"), MARCH_6, "0.25")
    sell(customer("C001"), MARCH_9, "99.00")  # another day's
    assert metrics_compute_day(day=MARCH_6) == 2
    c1 = day_of("C001")
    assert c1.product_fees == Decimal("12.75")
    assert c1.contribution == Decimal("53.79")  # 41.04 + 12.75
    c2 = day_of("C002")
    assert (c2.product_fees, c2.contribution) == (Decimal("0.00"), Decimal("4.88"))


def test_a_customer_whose_only_figure_that_day_is_a_fee_gets_a_row(tmp_path):
    load(tmp_path, MARCH_6)
    newcomer = CustomerFactory(
        cust_no="C009",
        branch=Branch.objects.get(code="0101"),
        manager=Staff.objects.get(staff_code="S02"),
    )
    assert metrics_compute_day(day=MARCH_6) == 2  # no account, no figures, no row
    sell(newcomer, MARCH_6, "30.00")
    assert metrics_compute_day(day=MARCH_6) == 3
    row = day_of("C009")
    assert (row.product_fees, row.contribution) == (Decimal("30.00"), Decimal("30.00"))
    assert (row.total_assets, row.trade_count) == (Decimal("0.00"), 0)
    assert row.manager.staff_code == "S02"
    broker = BrokerDay.objects.get(business_date=MARCH_6, manager__staff_code="S02")
    assert broker.customers == 2 and broker.active_customers == 1
    assert broker.contribution == Decimal("34.88")  # C002's 4.88 + the fee


def test_the_fees_of_a_month_are_summed_into_its_contribution_and_the_year(tmp_path):
    load(tmp_path, MARCH_6)
    load(tmp_path, MARCH_9)
    sell(customer("C001"), MARCH_6, "10.00")
    sell(customer("C001"), MARCH_9, "5.00")
    sell(customer("C002"), MARCH_9, "2.00")
    metrics_compute_missing()
    month = CustomerMonth.objects.get(customer__cust_no="C001", month=MARCH)
    # Friday's fee once, not for the three natural days its other figures stand for.
    assert month.product_fees == Decimal("15.00")
    assert month.contribution == Decimal("120.40")  # 105.40 + 15.00
    assert CustomerYear.objects.get(customer__cust_no="C001", year=2026).contribution == (
        Decimal("120.40")
    )
    assert CustomerMonth.objects.get(customer__cust_no="C002").product_fees == Decimal("2.00")


def test_the_branch_and_broker_rollups_carry_the_fees(tmp_path):
    load(tmp_path, MARCH_6)
    load(tmp_path, MARCH_9)
    sell(customer("C001"), MARCH_6, "10.00")
    sell(customer("C002"), MARCH_6, "3.00")
    sell(customer("C001"), MARCH_9, "5.00")
    metrics_compute_missing()
    branch = BranchDay.objects.get(business_date=MARCH_6)
    assert branch.product_fees == Decimal("13.00")
    assert branch.contribution == Decimal("58.92")  # 41.04 + 4.88 + 13.00
    friday = {
        b.manager.staff_code: b.product_fees
        for b in BrokerDay.objects.filter(business_date=MARCH_6).select_related("manager")
    }
    assert friday == {"S01": Decimal("10.00"), "S02": Decimal("3.00")}
    assert BranchMonth.objects.get(month=MARCH).product_fees == Decimal("18.00")
    months = {
        b.manager.staff_code: b.product_fees for b in BrokerMonth.objects.select_related("manager")
    }
    assert months == {"S01": Decimal("15.00"), "S02": Decimal("3.00")}


def test_a_back_dated_sale_makes_its_day_stale_until_the_pipelines_metrics_step_runs(tmp_path):
    load(tmp_path, MARCH_6)
    sell(customer("C002"), MARCH_6, "1.00")  # recorded before the day is computed
    assert metrics_compute_stale() == [MARCH_6]
    assert metrics_stale_days() == []
    sell(customer("C001"), MARCH_6, "20.00")
    assert metrics_stale_days() == [MARCH_6]
    step = metrics_of_stale_days
    assert step.name == METRICS  # the pipeline's metrics step
    assert step.apply().get() == ["2026-03-06"]
    assert day_of("C001").product_fees == Decimal("20.00")
    assert CustomerMonth.objects.get(customer__cust_no="C001").contribution == Decimal("61.04")
    assert step.apply().get() == []  # once


def test_a_sale_on_another_computed_day_leaves_this_day_alone(tmp_path):
    load(tmp_path, MARCH_6)
    load(tmp_path, MARCH_9)
    metrics_compute_stale()
    sell(customer("C001"), MARCH_9, "20.00")
    assert metrics_stale_days() == [MARCH_9]


@pytest.fixture
def sold(tmp_path, org):
    """base_day's two customers of branch A on 2026-03-02, C001 with a sale's 8.00 fee,
    through the nightly metrics."""
    load(tmp_path, MARCH_2)
    sell(customer("C001"), MARCH_2, "8.00")
    call_command("compute_metrics")
    return org


def chart_traces(body: str) -> list[list[dict]]:
    blocks = re.findall(r'<script type="application/json">(.*?)</script>', body, re.S)
    return [json.loads(block)["data"] for block in blocks]


def test_the_dashboards_revenue_charts_show_the_fees_and_drill_to_their_customers(client, sold):
    client.force_login(sold.branch_manager.user)
    body = client.get("/dashboards/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    _assets, revenue, (mix,), *_others = chart_traces(body)
    (fees,) = [trace for trace in revenue if trace["name"] == "Product-sale fees"]
    assert fees["y"] == [8.0]
    assert fees["customdata"] == [f"{DRILL}?day=2026-03-02&figure=product_fees"]
    assert mix["labels"][-1] == "Product-sale fees" and mix["values"][-1] == 8.0
    assert mix["customdata"][-1] == f"{DRILL}?start=2026-03-02&end=2026-03-02&figure=product_fees"
    response = client.get(fees["customdata"][0], HTTP_ACCEPT_LANGUAGE="en")
    heading = re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S).group(1)
    assert " ".join(unescape(heading).split()) == "Product-sale fees on 2026-03-02: 1 customer"
    assert set(re.findall(r"\bC00\d\b", response.content.decode())) == {"C001"}


def test_the_360_contribution_panel_stacks_the_fees_by_month(sold):
    figures = contribution_for_customer(customer("C001"), today=MARCH_2)
    (month,) = figures["months"]
    assert month["product_fees"] == Decimal("8.00")
    traces = charts.contribution_by_month_figure(figures["months"])["data"]
    assert [trace["name"] for trace in traces][-1] == "Product-sale fees"
    assert traces[-1]["y"] == [8.0]
