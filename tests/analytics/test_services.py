"""Metrics against values computed by hand from tests/customers/counter_files.base_day.

C001: cash 100,000.00 and 600519 worth 150,000.00; a credit account with 50,000.00 of
financing debt, 120.50 accrued interest and 200,000.00 collateral; 200,000.00 transferred
in; bought 150,000.00 paying 37.50 commission, 5.12 handling fee and 3.00 regulatory fee.
C002: cash 5,000.50, 1,000 shares of 000001 closing at 10.50; sold 5,250.00 paying 5.00
commission, 0.18 handling and 0.11 regulatory fee. Spread 1.2 %/year, margin rate 6 %/year.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

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
    metrics_compute_stale,
    metrics_for_run,
    metrics_stale_days,
    month_weights,
)
from customers.models import LOADED_STATUSES, ImportReject, ImportRun, RunStatus
from customers.services import counter_corrections_import, counter_day_import
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


def correct(tmp_path, run, *, wrong: str, right: str):
    """Upload the run's one trades reject again with `wrong` replaced by `right`."""
    upload = tmp_path / f"corrected-{run.pk}.csv"
    fixed = ImportReject.objects.get(run=run).raw.replace(wrong, right)
    upload.write_text(run.files.get(file="trades").header + "\n" + fixed + "\n")
    correction = counter_corrections_import(run=run, file="trades", upload=upload)
    assert correction.status == RunStatus.LOADED, correction.error
    return correction


def month_of(cust_no: str, month: datetime.date) -> CustomerMonth:
    return CustomerMonth.objects.get(customer__cust_no=cust_no, month=month)


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


def test_computing_a_day_marks_the_loaded_runs_it_has_measured(tmp_path):
    run = load(tmp_path, MARCH_6)
    running = ImportRun.objects.create(business_date=MARCH_6, profile=run.profile)
    assert metrics_stale_days() == [MARCH_6]
    metrics_compute_day(day=MARCH_6)
    run.refresh_from_db()
    running.refresh_from_db()
    assert run.metrics_at is not None
    assert running.metrics_at is None  # it had loaded nothing the computation could read
    assert metrics_stale_days() == []


def test_compute_metrics_without_arguments_catches_every_stale_day(tmp_path):
    load(tmp_path, MARCH_6)
    rows = base_day(MARCH_9.isoformat())
    rows["trades"][1][5] = "X"  # C002's trade of Monday is rejected
    monday = load(tmp_path, MARCH_9, rows)
    out = io.StringIO()
    call_command("compute_metrics", stdout=out, language="en")
    assert "Computed 2 business days" in out.getvalue()
    assert day_of("C002", MARCH_9).commission == Decimal("0.00")
    # Friday is re-delivered with another commission; Monday's reject is corrected.
    redelivered = base_day(MARCH_6.isoformat())
    redelivered["trades"][0][9] = "47.50"
    load(tmp_path / "again", MARCH_6, redelivered)
    correct(tmp_path, monday, wrong=",X,", right=",S,")
    out = io.StringIO()
    call_command("compute_metrics", stdout=out, language="en")
    assert "Computed 2 business days" in out.getvalue()
    assert day_of("C001").commission == Decimal("47.50")
    assert day_of("C002", MARCH_9).commission == Decimal("5.00")
    assert month_of("C001", MARCH_6.replace(day=1)).commission == Decimal("85.00")
    assert month_of("C002", MARCH_6.replace(day=1)).commission == Decimal("10.00")
    assert not ImportRun.objects.filter(
        status__in=LOADED_STATUSES, metrics_at__isnull=True
    ).exists()
    out = io.StringIO()
    call_command("compute_metrics", stdout=out, language="en")
    assert "Computed 0 business days" in out.getvalue()


def test_compute_metrics_also_catches_a_day_loaded_without_metrics(tmp_path):
    load(tmp_path, MARCH_6)
    metrics_compute_stale()
    CustomerDay.objects.all().delete()
    assert metrics_compute_stale() == [MARCH_6]
    assert day_of("C001").commission == Decimal("37.50")


def test_the_day_option_computes_the_day_again_and_marks_its_runs(tmp_path):
    run = load(tmp_path, MARCH_6)
    call_command("compute_metrics", day=MARCH_6, stdout=io.StringIO())
    run.refresh_from_db()
    assert run.metrics_at is not None
    assert month_of("C001", MARCH_6.replace(day=1)).days == 1
    assert metrics_compute_stale() == []


def test_a_stale_late_day_recomputes_its_day_and_the_months_it_weighs_in(tmp_path):
    march_2 = datetime.date(2026, 3, 2)
    load(tmp_path, march_2)
    metrics_compute_stale()
    assert month_of("C001", march_2.replace(day=1)).days == 1  # Monday 2 March alone
    # Friday 27 February arrives late: it weighs in February and in March (Sunday 1 March).
    february_27 = datetime.date(2026, 2, 27)
    assert load(tmp_path, february_27).late
    assert metrics_compute_stale() == [february_27]
    assert day_of("C001", february_27).contribution == Decimal("41.04")
    assert month_of("C001", february_27.replace(day=1)).days == 2  # 27 and 28, month closed
    assert month_of("C001", march_2.replace(day=1)).days == 2


def test_the_first_day_of_a_month_closes_the_month_before_it(tmp_path):
    february_27 = datetime.date(2026, 2, 27)
    load(tmp_path, february_27)
    metrics_compute_stale()
    assert month_of("C001", february_27.replace(day=1)).days == 1  # open: up to Friday
    load(tmp_path, datetime.date(2026, 3, 2))
    metrics_compute_stale()
    # Saturday 28 February now counts with Friday's figures: the month is over.
    assert month_of("C001", february_27.replace(day=1)).days == 2


def test_the_month_option_computes_the_months_stale_days_first(tmp_path):
    friday, monday = load(tmp_path, MARCH_6), load(tmp_path, MARCH_9)
    call_command("compute_metrics", month=MARCH_9, stdout=io.StringIO())
    assert month_of("C001", MARCH_6.replace(day=1)).days == 4
    friday.refresh_from_db()
    monday.refresh_from_db()
    assert friday.metrics_at and monday.metrics_at
