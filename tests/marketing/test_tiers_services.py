"""The monthly tier evaluation: thresholds and their combination, the hysteresis over
consecutive months, one record per customer per month, and re-runs that change nothing."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from crm.dates import previous_month
from customers.models import Customer
from marketing.models import CustomerTier, Tier, TierCount, TierRun
from marketing.selectors.tiers import tier_months_due
from marketing.services.tiers import (
    tier_evaluate_month,
    tiers_evaluate_due,
    tiers_evaluate_from,
)
from tests.marketing.tier_data import APR, FEB, JAN, JUL, JUN, MAR, MAY, figures, tiers_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers():
    return tiers_make()


@pytest.fixture
def customer(org):
    return org.broker_customer


def held(customer: Customer, month: datetime.date) -> CustomerTier:
    return CustomerTier.objects.select_related("tier").get(customer=customer, month=month)


def evaluate(customer, month, **kwargs) -> CustomerTier:
    """The customer's figures of the month before `month`, then `month` evaluated."""
    figures(customer, previous_month(month), **kwargs)
    tier_evaluate_month(month=month)
    return held(customer, month)


# -- thresholds -------------------------------------------------------------------------------


def test_it_qualifies_a_customer_exactly_at_the_assets_threshold(tiers, customer):
    assert evaluate(customer, FEB, assets="1000000.00").tier == tiers.gold


def test_it_does_not_qualify_a_customer_one_cent_below_the_assets_threshold(tiers, customer):
    row = evaluate(customer, FEB, assets="999999.99")
    assert (row.tier, row.qualified_tier) == (tiers.wealth, tiers.wealth)


def test_it_sums_the_contribution_of_the_twelve_months_up_to_the_month_before(tiers, org):
    at, below = org.broker_customer, org.teammate_customer
    for who, last in ((at, "5000.00"), (below, "4999.99")):
        figures(who, datetime.date(2025, 2, 1), contribution="5000.00")  # the 12th month back
        figures(who, JAN, contribution=last)
        figures(who, datetime.date(2025, 1, 1), contribution="90000.00")  # the 13th: not counted
    tier_evaluate_month(month=FEB)
    assert held(at, FEB).tier == tiers.gold
    assert held(at, FEB).contribution == Decimal("10000.00")
    assert held(below, FEB).tier == tiers.floor
    assert held(below, FEB).contribution == Decimal("9999.99")


def test_any_qualifies_on_one_threshold_and_all_needs_every_threshold_set(tiers, org):
    rich_idle, rich_busy = org.broker_customer, org.teammate_customer
    tiers.wealth.min_turnover = Decimal("0.5000")
    tiers.wealth.save()
    figures(rich_idle, JAN, assets="200000.00", turnover="0.4999")
    figures(rich_busy, JAN, assets="200000.00", turnover="0.5000")
    tier_evaluate_month(month=FEB)
    assert held(rich_idle, FEB).tier == held(rich_busy, FEB).tier == tiers.wealth  # any
    tiers.wealth.combine = "all"
    tiers.wealth.save()
    tier_evaluate_month(month=FEB)
    assert held(rich_idle, FEB).tier == tiers.floor
    assert held(rich_busy, FEB).tier == tiers.wealth


def test_a_tier_of_turnover_alone_admits_exactly_at_the_threshold(tiers, org):
    tiers.wealth.min_average_assets, tiers.wealth.min_turnover = None, Decimal("2.0000")
    tiers.wealth.save()
    figures(org.broker_customer, JAN, turnover="2.0000")
    figures(org.teammate_customer, JAN, turnover="1.9999")
    tier_evaluate_month(month=FEB)
    assert held(org.broker_customer, FEB).tier == tiers.wealth
    assert held(org.teammate_customer, FEB).tier == tiers.floor


def test_the_lowest_tier_is_the_floor_whatever_its_thresholds(tiers, org):
    tiers.floor.min_average_assets = Decimal("50000.00")
    tiers.floor.combine = "all"
    tiers.floor.save()
    tier_evaluate_month(month=FEB)  # nobody has figures
    assert set(CustomerTier.objects.values_list("tier", flat=True)) == {tiers.floor.pk}
    assert CustomerTier.objects.count() == Customer.objects.count()


def test_a_customer_without_any_figures_holds_the_floor(tiers, org):
    tier_evaluate_month(month=FEB)
    assert held(org.unserved_customer, FEB).tier == tiers.floor


# -- hysteresis -------------------------------------------------------------------------------


def test_an_upgrade_takes_effect_the_month_after_the_figures_earn_it(tiers, customer):
    assert evaluate(customer, FEB, assets="50000.00").tier == tiers.floor
    figures(customer, FEB, assets="1500000.00")  # February earns it…
    assert held(customer, FEB).tier == tiers.floor  # …February stays as it was
    tier_evaluate_month(month=MAR)
    row = held(customer, MAR)
    assert (row.tier, row.previous_tier, row.since, row.to_watch) == (
        tiers.gold,
        tiers.floor,
        MAR,
        False,
    )


def test_below_the_tier_for_n_minus_one_months_keeps_it_to_watch_and_n_downgrades(tiers, customer):
    assert evaluate(customer, FEB, assets="2000000.00").tier == tiers.gold
    for month, below in ((MAR, 1), (APR, 2)):
        row = evaluate(customer, month, assets="200000.00")
        assert (row.tier, row.to_watch, row.months_below) == (tiers.gold, True, below)
        assert row.qualified_tier == tiers.wealth and row.since == FEB
    row = evaluate(customer, MAY, assets="200000.00")  # the third month below: N = 3
    assert (row.tier, row.to_watch, row.months_below) == (tiers.wealth, False, 0)
    assert (row.previous_tier, row.since) == (tiers.gold, MAY)


def test_recovering_resets_the_months_below(tiers, customer):
    evaluate(customer, FEB, assets="2000000.00")
    evaluate(customer, MAR, assets="200000.00")
    evaluate(customer, APR, assets="200000.00")
    row = evaluate(customer, MAY, assets="1000000.00")  # back at the threshold
    assert (row.tier, row.to_watch, row.months_below, row.since) == (tiers.gold, False, 0, FEB)
    for month in (JUN, JUL):  # below again: counted from one
        row = evaluate(customer, month, assets="200000.00")
    assert (row.tier, row.to_watch, row.months_below) == (tiers.gold, True, 2)


def test_the_months_allowed_below_are_those_of_the_tier_held(tiers, customer):
    evaluate(customer, FEB, assets="150000.00")
    assert held(customer, FEB).tier == tiers.wealth
    row = evaluate(customer, MAR, assets="0")
    assert (row.tier, row.to_watch, row.months_below) == (tiers.wealth, True, 1)
    row = evaluate(customer, APR, assets="0")  # 财富's N is 2
    assert (row.tier, row.to_watch) == (tiers.floor, False)


def test_a_customer_holding_an_inactive_tier_takes_the_tier_they_qualify_for(tiers, customer):
    evaluate(customer, FEB, assets="2000000.00")
    tiers.gold.active = False
    tiers.gold.save()
    assert not Tier.objects.get(pk=tiers.gold.pk).active
    row = evaluate(customer, MAR, assets="2000000.00")
    assert (row.tier, row.previous_tier, row.to_watch) == (tiers.wealth, tiers.gold, False)


# -- one a month, re-runs ---------------------------------------------------------------------


def test_it_keeps_exactly_one_tier_per_customer_per_month(tiers, customer):
    evaluate(customer, FEB, assets="2000000.00")
    evaluate(customer, FEB, assets="20.00")
    assert CustomerTier.objects.filter(month=FEB).count() == Customer.objects.count()
    assert held(customer, FEB).tier == tiers.floor
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerTier.objects.create(
            customer=customer,
            month=FEB,
            tier=tiers.gold,
            qualified_tier=tiers.gold,
            since=FEB,
            branch_id=customer.branch_id,
        )


def snapshot() -> tuple:
    fields = [field.attname for field in CustomerTier._meta.fields]
    counts = ("month", "branch", "manager", "previous_tier", "tier", "to_watch", "customers")
    return (
        sorted(CustomerTier.objects.values_list(*fields), key=repr),
        sorted(TierCount.objects.values_list(*counts), key=repr),
    )


def test_running_a_month_again_changes_nothing(tiers, org):
    figures(org.broker_customer, JAN, assets="2000000.00")
    figures(org.teammate_customer, JAN, assets="150000.00")
    tier_evaluate_month(month=FEB)
    figures(org.broker_customer, FEB, assets="150000.00")
    tier_evaluate_month(month=MAR)
    before = snapshot()
    tier_evaluate_month(month=MAR)
    tier_evaluate_month(month=MAR)
    assert snapshot() == before
    assert TierRun.objects.get(month=MAR).watched == 2  # both fell below in February


def test_the_run_counts_upgrades_downgrades_and_those_to_watch(tiers, org):
    figures(org.broker_customer, JAN, assets="2000000.00")
    figures(org.teammate_customer, JAN, assets="150000.00")
    tier_evaluate_month(month=FEB)
    figures(org.broker_customer, FEB, assets="150000.00")  # watched
    figures(org.teammate_customer, FEB, assets="1500000.00")  # upgraded
    figures(org.lead_customer, FEB, assets="1500000.00")  # upgraded from the floor
    run = tier_evaluate_month(month=MAR)
    assert (run.customers, run.upgraded, run.downgraded, run.watched) == (
        Customer.objects.count(),
        2,
        0,
        1,
    )
    assert run.basis_month == FEB


# -- which months ------------------------------------------------------------------------------


def test_the_months_due_are_those_after_each_complete_month_of_metrics(tiers, customer):
    figures(customer, JAN, assets="1.00")
    figures(customer, FEB, assets="1.00")
    figures(customer, MAR, assets="1.00")  # still open: the latest month of metrics
    assert tier_months_due() == [FEB, MAR]
    assert tiers_evaluate_due() == [FEB, MAR]
    assert tier_months_due() == [MAR]  # the latest again, its figures may have changed


def test_a_month_evaluated_again_evaluates_every_later_month(tiers, customer):
    evaluate(customer, FEB, assets="2000000.00")
    evaluate(customer, MAR, assets="200000.00")
    assert held(customer, MAR).to_watch
    figures(customer, JAN, assets="0")  # January corrected: never gold
    assert tiers_evaluate_from(month=FEB) == [FEB, MAR]
    assert held(customer, FEB).tier == tiers.floor
    assert (held(customer, MAR).tier, held(customer, MAR).to_watch) == (tiers.wealth, False)


def test_a_tier_customers_held_cannot_be_deleted_only_deactivated(tiers, customer):
    evaluate(customer, FEB, assets="2000000.00")
    with pytest.raises(ProtectedError):
        tiers.gold.delete()
    tiers.gold.active = False
    tiers.gold.save()
