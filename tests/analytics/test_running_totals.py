"""The running totals the segments' day windows read (analytics.CustomerRunning): on every
day with metrics, each customer's sums of their daily rows up to that day, whatever the
order in which days arrive or are corrected."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest

from analytics.models import RUNNING_FIGURES, CustomerDay, CustomerRunning
from analytics.services import (
    metrics_compute_missing,
    metrics_for_run,
    running_totals_compute,
    running_totals_rebuild,
)
from tests.analytics.test_services import MARCH_6, MARCH_9, load
from tests.crm.factories import BranchFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
DAYS = [datetime.date(2026, 3, day) for day in (2, 3, 4, 5, 6)]


def by_hand() -> dict:
    """Every customer's sums on every day with metrics, added up from the daily rows."""
    rows = defaultdict(list)
    for row in CustomerDay.objects.order_by("business_date"):
        rows[row.customer_id].append(row)
    days = sorted(set(CustomerDay.objects.values_list("business_date", flat=True)))
    expected = {}
    for customer, own in rows.items():
        for day in days:
            upto = [row for row in own if row.business_date <= day]
            if upto:
                sums = {name: sum(getattr(r, name) for r in upto) for name in RUNNING_FIGURES}
                expected[(day, customer)] = {**sums, "days": len(upto)}
    return expected


def stored() -> dict:
    return {
        (row.business_date, row.customer_id): {
            **{name: getattr(row, name) for name in RUNNING_FIGURES},
            "days": row.days,
        }
        for row in CustomerRunning.objects.all()
    }


def day_row(customer, day, inflow: str, *, trades: int = 0, assets: str = "1000.10"):
    return CustomerDay.objects.create(
        business_date=day,
        customer=customer,
        branch_id=customer.branch_id,
        net_inflow=Decimal(inflow),
        total_assets=Decimal(assets),
        trade_count=trades,
        commission=Decimal("0.35") * trades,
        contribution=Decimal("0.01") * trades,
    )


@pytest.fixture
def customers():
    branch = BranchFactory()
    return [CustomerFactory(branch=branch) for _ in range(3)]


def test_each_day_sums_every_row_so_far_and_carries_days_without_a_row(customers):
    steady, gaps, late_starter = customers
    for index, day in enumerate(DAYS):
        day_row(steady, day, f"{100 * index}.25", trades=index)
        if index in (0, 3):  # no rows on the 3rd, 4th and 6th: the sums carry over
            day_row(gaps, day, "-50.50")
        if index >= 3:  # first seen on the 5th
            day_row(late_starter, day, "7.07", trades=1)
        running_totals_compute(day=day)
    assert stored() == by_hand()
    carried = CustomerRunning.objects.get(customer=gaps, business_date=DAYS[4])
    assert (carried.net_inflow, carried.days) == (Decimal("-101.00"), 2)
    assert not CustomerRunning.objects.filter(customer=late_starter, business_date=DAYS[2])


def test_a_corrected_or_late_day_changes_the_sums_of_every_day_after_it(customers):
    steady = customers[0]
    for day in (DAYS[0], DAYS[1], DAYS[3]):
        day_row(steady, day, "10.00")
        running_totals_compute(day=day)
    CustomerDay.objects.filter(business_date=DAYS[1]).update(net_inflow=Decimal("1000.00"))
    running_totals_compute(day=DAYS[1])  # a correction
    day_row(steady, DAYS[2], "5.55")
    running_totals_compute(day=DAYS[2])  # a late day, between two computed ones
    assert stored() == by_hand()
    last = CustomerRunning.objects.get(customer=steady, business_date=DAYS[3])
    assert (last.net_inflow, last.days) == (Decimal("1025.55"), 4)


def test_a_rebuild_gives_what_the_days_computed_one_by_one_gave(customers):
    for index, day in enumerate(DAYS):
        for position, customer in enumerate(customers):
            if (index + position) % 2:
                day_row(customer, day, f"{index}.{position}1", trades=position)
        running_totals_compute(day=day)
    incremental = stored()
    CustomerRunning.objects.filter(business_date=DAYS[2]).delete()
    assert running_totals_rebuild() == len(DAYS)
    assert stored() == incremental == by_hand()


def test_the_metrics_step_keeps_them_through_a_late_day(tmp_path):
    load(tmp_path, MARCH_9)
    metrics_compute_missing()
    late = load(tmp_path, MARCH_6)
    metrics_for_run(run=late)  # March 6 arrives after March 9 was computed
    assert stored() == by_hand()
    assert CustomerRunning.objects.filter(business_date=MARCH_9).count() > 0
    march_9 = CustomerRunning.objects.filter(business_date=MARCH_9).order_by("customer_id")
    assert {row.days for row in march_9} == {2}


def test_a_batch_of_days_gets_every_days_running_totals_at_once(tmp_path):
    """metrics_compute_days writes them once, from its earliest day, for every day it
    computed (none of which had running totals yet)."""
    load(tmp_path, MARCH_6)
    load(tmp_path, MARCH_9)
    metrics_compute_missing()
    assert stored() == by_hand()
    assert set(CustomerRunning.objects.values_list("business_date", flat=True)) == {
        MARCH_6,
        MARCH_9,
    }
