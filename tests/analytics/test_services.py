"""Metrics against values computed by hand from tests/customers/counter_files.base_day.

C001: cash 100,000.00 and 600519 worth 150,000.00; a credit account with 50,000.00 of
financing debt, 120.50 accrued interest and 200,000.00 collateral; 200,000.00 transferred
in; bought 150,000.00 paying 37.50 commission, 5.12 handling fee and 3.00 regulatory fee.
C002: cash 5,000.50, 1,000 shares of 000001 closing at 10.50; sold 5,250.00 paying 5.00
commission, 0.18 handling and 0.11 regulatory fee. Spread 1.2 %/year, margin rate 6 %/year.
"""

import datetime
from decimal import Decimal

import pytest

from analytics.models import (
    BranchDay,
    BranchMonth,
    BrokerDay,
    BrokerMonth,
    ContributionPareto,
    CustomerDay,
    CustomerMonth,
)
from analytics.services import (
    metrics_compute_day,
    metrics_compute_missing,
    metrics_compute_month,
    metrics_for_run,
    month_weights,
)
from customers.services import counter_day_import
from tests.customers.counter_files import base_day, write_day

pytestmark = pytest.mark.django_db
MARCH_6 = datetime.date(2026, 3, 6)
MARCH_9 = datetime.date(2026, 3, 9)


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.INTEREST_SPREAD_ANNUAL = "0.012"
    settings.MARGIN_INTEREST_RATE = "0.06"


def day_of(cust_no: str, day=MARCH_6) -> CustomerDay:
    return CustomerDay.objects.get(customer__cust_no=cust_no, business_date=day)


def load(tmp_path, day: datetime.date, rows=None):
    return counter_day_import(
        folder=write_day(tmp_path, f"{day:%Y%m%d}", rows or base_day(day.isoformat()))
    )


def test_it_computes_a_customers_day_by_the_documented_formulas(tmp_path):
    load(tmp_path, MARCH_6)
    assert metrics_compute_day(day=MARCH_6) == 2
    c1 = day_of("C001")
    assert c1.cash == Decimal("100000.00")
    assert c1.market_value == Decimal("150000.00")
    assert c1.total_assets == Decimal("250000.00")
    assert c1.collateral == Decimal("200000.00")
    assert c1.debt == Decimal("50120.50")
    assert c1.net_assets == Decimal("199879.50")
    assert c1.net_inflow == Decimal("200000.00")
    assert c1.trade_volume == Decimal("150000.00")
    assert c1.trade_count == 1
    assert c1.turnover == Decimal("0.6000")  # 150,000 traded over 250,000 of assets
    assert c1.commission == Decimal("37.50")
    assert c1.net_commission == Decimal("29.38")  # 37.50 - 5.12 - 3.00
    assert c1.interest_base == Decimal("100000.00")
    assert c1.interest_income == Decimal("3.33")  # 100,000 x 1.2 % / 360
    assert c1.margin_interest == Decimal("8.33")  # 50,000 x 6 % / 360
    assert c1.contribution == Decimal("41.04")
    assert c1.volume_mobile == Decimal("150000.00")  # T0001 came in by mobile
    assert c1.volume_internet == Decimal("0.00")
    c2 = day_of("C002")
    assert c2.volume_internet == Decimal("5250.00")
    assert c2.total_assets == Decimal("15500.50")
    assert c2.net_commission == Decimal("4.71")
    assert c2.interest_income == Decimal("0.17")
    assert c2.contribution == Decimal("4.88")


def test_it_replaces_a_day_when_it_is_computed_again(tmp_path):
    load(tmp_path, MARCH_6)
    metrics_compute_day(day=MARCH_6)
    metrics_compute_day(day=MARCH_6)
    assert CustomerDay.objects.filter(business_date=MARCH_6).count() == 2


def test_weekends_carry_fridays_figures_in_the_month():
    weights = month_weights([MARCH_6, MARCH_9], datetime.date(2026, 3, 1), until=MARCH_9)
    assert weights == {MARCH_6: 3, MARCH_9: 1}
    closed = month_weights(
        [datetime.date(2026, 2, 27), datetime.date(2026, 3, 31)],
        datetime.date(2026, 3, 1),
        until=datetime.date(2026, 3, 31),
    )
    # Friday 27 February stands for 1-30 March; 31 March for itself.
    assert closed == {datetime.date(2026, 2, 27): 30, datetime.date(2026, 3, 31): 1}


def test_it_rolls_a_month_up_over_natural_days(tmp_path):
    load(tmp_path, MARCH_6)
    monday = base_day(MARCH_9.isoformat())
    monday["balances"][0][2] = "60000.00"  # C001 moved 40,000 out
    monday["cash_flows"] = [["CF009", MARCH_9.isoformat(), "F001", "BANK_OUT", "-40000.00", ""]]
    load(tmp_path, MARCH_9, monday)
    metrics_compute_missing()
    month = CustomerMonth.objects.get(customer__cust_no="C001", month=datetime.date(2026, 3, 1))
    assert month.days == 4  # Fri, Sat, Sun (Friday's figures) and Mon
    # (250,000 x 3 + 210,000 x 1) / 4
    assert month.average_assets == Decimal("240000.00")
    assert month.total_assets == Decimal("210000.00")
    assert month.net_inflow == Decimal("160000.00")
    assert month.commission == Decimal("75.00")
    assert month.net_commission == Decimal("58.76")
    assert month.interest_base == Decimal("360000.00")  # 100,000 x 3 + 60,000 x 1
    assert month.interest_income == Decimal("11.99")  # 3.33 x 3 + 2.00
    assert month.margin_interest == Decimal("33.32")  # 8.33 x 4
    assert month.contribution == Decimal("104.07")
    assert (month.trade_volume, month.average_assets) == (
        Decimal("300000.00"),
        Decimal("240000.00"),
    )
    assert month.turnover == Decimal("1.2500")  # 300,000 traded over 240,000 average assets


def test_a_late_day_recomputes_its_day_and_month(tmp_path):
    load(tmp_path, MARCH_9)
    metrics_compute_missing()
    assert CustomerMonth.objects.get(customer__cust_no="C001").days == 1
    late = load(tmp_path, MARCH_6)
    assert late.late
    metrics_for_run(run=late)
    month = CustomerMonth.objects.get(customer__cust_no="C001")
    assert month.days == 4
    assert day_of("C001").contribution == Decimal("41.04")


def test_a_corrected_day_replaces_its_metrics(tmp_path):
    load(tmp_path, MARCH_6)
    metrics_compute_missing()
    corrected = base_day(MARCH_6.isoformat())
    corrected["trades"][0][9] = "47.50"
    run = load(tmp_path / "again", MARCH_6, corrected)
    metrics_for_run(run=run)
    assert day_of("C001").commission == Decimal("47.50")
    assert metrics_compute_month(month=MARCH_6) == 2
    assert CustomerMonth.objects.get(customer__cust_no="C001").commission == Decimal("47.50")


def test_it_rolls_days_and_months_up_per_branch_and_per_broker(tmp_path):
    load(tmp_path, MARCH_6)
    metrics_compute_missing()
    branch = BranchDay.objects.get(business_date=MARCH_6)
    assert branch.customers == 2
    assert branch.active_customers == 2
    assert branch.total_assets == Decimal("265500.50")  # 250,000.00 + 15,500.50
    assert branch.contribution == Decimal("45.92")  # 41.04 + 4.88
    brokers = {b.manager.staff_code: b for b in BrokerDay.objects.select_related("manager")}
    assert brokers["S01"].contribution == Decimal("41.04")
    assert brokers["S02"].net_commission == Decimal("4.71")
    assert brokers["S01"].branch.code == "0101"
    assert branch.volume_mobile + branch.volume_internet == branch.trade_volume
    month = BranchMonth.objects.get(month=datetime.date(2026, 3, 1))
    assert month.average_assets == Decimal("265500.50")
    assert month.contribution == sum(
        (m.contribution for m in CustomerMonth.objects.all()), Decimal("0")
    )
    assert BrokerMonth.objects.count() == 2


def test_recomputing_a_day_replaces_its_rollups(tmp_path):
    load(tmp_path, MARCH_6)
    metrics_compute_day(day=MARCH_6)
    metrics_compute_day(day=MARCH_6)
    assert BranchDay.objects.count() == 1
    assert BrokerDay.objects.count() == 2


def test_it_precomputes_the_contribution_pareto_of_a_month(tmp_path):
    load(tmp_path, MARCH_6)
    metrics_compute_missing()
    company = list(
        ContributionPareto.objects.filter(scope=0)
        .order_by("bucket")
        .values_list("bucket", "cumulative_share")
    )
    # Two customers: C001 brings 41.04 of the 45.92 in March.
    assert company == [(1, Decimal("0.8937")), (2, Decimal("1.0000"))]
    branch = BranchDay.objects.get().branch_id
    assert ContributionPareto.objects.filter(scope=branch).count() == 2
