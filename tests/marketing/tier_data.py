"""What the tier tests share: a small ladder of tiers in place of the shipped ones, and a
month of figures for a customer written straight into the metrics the evaluation reads."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from analytics.models import BranchMonth, CustomerMonth
from marketing.models import Tier

JAN, FEB, MAR, APR, MAY, JUN, JUL = (datetime.date(2026, month, 1) for month in range(1, 8))


def tiers_make() -> SimpleNamespace:
    """金卡 (assets ≥ 1,000,000 or contribution ≥ 10,000; downgraded after 3 months below,
    contact every 30 days), 财富 (assets ≥ 100,000; after 2 months) and the floor 普通."""
    Tier.objects.all().delete()
    gold = Tier.objects.create(
        code="gold",
        name="金卡",
        rank=1,
        min_average_assets=Decimal("1000000.00"),
        min_contribution=Decimal("10000.00"),
        combine="any",
        downgrade_after_months=3,
        contact_every_days=30,
    )
    wealth = Tier.objects.create(
        code="wealth",
        name="财富",
        rank=2,
        min_average_assets=Decimal("100000.00"),
        downgrade_after_months=2,
    )
    floor = Tier.objects.create(code="ordinary", name="普通", rank=3, downgrade_after_months=1)
    return SimpleNamespace(gold=gold, wealth=wealth, floor=floor)


def figures(customer, month, *, assets="0", contribution="0", turnover=None) -> None:
    """The customer's month of metrics, and its branch's roll-up row (which months exist)."""
    CustomerMonth.objects.filter(customer=customer, month=month).delete()
    CustomerMonth.objects.create(
        month=month,
        customer=customer,
        branch_id=customer.branch_id,
        manager_id=customer.manager_id,
        average_assets=Decimal(assets),
        total_assets=Decimal(assets),
        contribution=Decimal(contribution),
        turnover=Decimal(turnover) if turnover is not None else None,
    )
    BranchMonth.objects.get_or_create(month=month, branch_id=customer.branch_id)
