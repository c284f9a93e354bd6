"""A small dataset on which every segment field has customers with and without a value, on
both sides of every boundary: ages born on 29 February and on today's date, assessments
expiring today, sums of exactly zero, holdings of quantity zero, credit without a ratio,
custom values and none. The segment tests compare the compiled query with the evaluator on it.

Amounts are multiples of 0.25, exact in binary, so that SQLite's floating sums agree with
Python's decimals.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from analytics.models import CustomerDay, CustomerMonth
from analytics.services import running_totals_rebuild
from crm.models import Role
from customers.models import (
    CapitalAccount,
    Customer,
    CustomerFigures,
    CustomField,
    DailyCredit,
    DailyPosition,
)
from marketing.models import CustomerTier, Segment, SegmentKind, SegmentMember, Tier
from marketing.segments.context import RuleContext
from products.models import Security
from tests.crm.factories import BranchFactory, StaffFactory, TeamFactory

TODAY = datetime.date(2026, 6, 15)
AS_OF = datetime.date(2026, 6, 12)
TIER_MONTH = datetime.date(2026, 6, 1)
CONTEXT = RuleContext(today=TODAY, as_of=AS_OF, assessment_valid_days=730, tier_month=TIER_MONTH)

D = Decimal


def day(offset: int) -> datetime.date:
    return AS_OF - datetime.timedelta(days=offset)


CUSTOM_FIELDS = (
    {"key": "children", "label": "子女数", "kind": "integer"},
    {"key": "wealth_score", "label": "财富评分", "kind": "decimal"},
    {"key": "vip_since", "label": "贵宾起始日", "kind": "date"},
    {"key": "nickname", "label": "昵称", "kind": "text"},
    {"key": "vip", "label": "贵宾", "kind": "boolean"},
    {
        "key": "channel",
        "label": "偏好渠道",
        "kind": "choice",
        "choices": [{"value": "phone", "label": "电话"}, {"value": "wechat", "label": "微信"}],
    },
    {
        "key": "interests",
        "label": "兴趣",
        "kind": "multi_choice",
        "choices": [
            {"value": "ab", "label": "AB"},
            {"value": "abc", "label": "ABC"},
            {"value": "golf", "label": "高尔夫"},
        ],
    },
)

# cust_no: (attributes, custom values)
PEOPLE = {
    "S001": (
        {"gender": "M", "birth_date": datetime.date(1960, 2, 29), "risk_level": "C5",
         "risk_assessed_on": TODAY - datetime.timedelta(days=730), "investor_class": "ordinary",
         "invest_horizon": "long", "invest_varieties": "equity;fund", "marketing_consent": True,
         "open_date": datetime.date(2010, 6, 15)},
        {"children": 2, "wealth_score": "10.5", "vip_since": "2024-02-29", "nickname": "老王",
         "vip": True, "channel": "phone", "interests": ["ab", "golf"]},
    ),
    "S002": (
        {"gender": "F", "birth_date": TODAY.replace(year=1990), "risk_level": "C1",
         "risk_assessed_on": TODAY - datetime.timedelta(days=729), "investor_class": "professional",
         "invest_horizon": "short", "invest_varieties": "fixed_income",
         "open_date": datetime.date(2026, 6, 14), "status": "4"},
        {"children": 10, "wealth_score": "9.75", "vip_since": "2026-06-15", "vip": False,
         "interests": ["abc"]},
    ),
    "S003": (
        {"gender": "", "birth_date": datetime.date(1990, 6, 16), "risk_level": "",
         "invest_varieties": "", "cust_type": "1", "open_date": datetime.date(2020, 1, 1)},
        {"nickname": "Abc", "channel": "wechat", "interests": []},
    ),
    "S004": (
        {"gender": "M", "birth_date": None, "risk_level": "C3",
         "risk_assessed_on": datetime.date(2024, 6, 16), "invest_horizon": "medium",
         "invest_varieties": "equity", "open_date": datetime.date(2026, 3, 1), "status": "3"},
        {"children": 0, "wealth_score": "-1"},
    ),
    "S005": (
        {"gender": "F", "birth_date": datetime.date(2000, 1, 1), "risk_level": "C4",
         "risk_assessed_on": datetime.date(2026, 6, 1), "investor_class": "ordinary",
         "invest_varieties": "equity;derivative", "marketing_consent": True,
         "open_date": datetime.date(2015, 2, 28)},
        {},
    ),
    "S006": (
        {"gender": "M", "birth_date": datetime.date(1956, 6, 15), "risk_level": "C2",
         "risk_assessed_on": datetime.date(2025, 1, 1), "open_date": datetime.date(2016, 2, 29)},
        {"vip_since": "2025-12-31", "vip": True, "channel": "phone"},
    ),
    "S007": ({"gender": "F", "risk_level": "C3", "open_date": datetime.date(2026, 6, 15)}, {}),
    "S008": (
        {"gender": "M", "birth_date": datetime.date(1980, 12, 31), "risk_level": "C5",
         "investor_class": "professional", "invest_varieties": "fund",
         "open_date": datetime.date(2019, 7, 1)},
        {"children": 3, "wealth_score": "100", "nickname": "王总"},
    ),
}  # fmt: skip

SECURITIES = (
    ("SH", "600519", "贵州茅台", "stock", "食品饮料"),
    ("SZ", "000001", "平安银行", "stock", "银行"),
    ("SH", "601398", "工商银行", "stock", "银行"),
    ("SH", "510300", "沪深300ETF", "fund", ""),
)

# cust_no: [(security code, quantity, market value)], on AS_OF
HOLDINGS = {
    "S001": [("600519", "100", "150000.50"), ("000001", "1000", "11000")],
    "S002": [("601398", "0", "0")],
    "S004": [("510300", "2000", "8000.25"), ("601398", "500", "2500")],
    "S005": [("000001", "300", "3300"), ("601398", "100", "500.75"), ("600519", "1", "1500")],
    "S008": [("600519", "10", "15000")],
}

# cust_no: (total assets, cash, market value, net assets, liabilities, position ratio,
#            last trade date)
FIGURES = {
    "S001": ("500000", "338999.50", "161000.50", "500000", "0", "0.322", day(0)),
    "S002": ("0", "0", "0", "0", "0", None, None),
    "S004": ("10500.25", "0", "10500.25", "10500.25", "0", "1", day(90)),
    "S005": ("499999.75", "494699.00", "5300.75", "400000", "99999.75", "0.0106", day(2)),
    "S006": ("1000000", "1000000", "0", "1000000", "0", "0", day(365)),
    "S008": ("15000", "0", "15000", "15000", "0", "1", AS_OF - datetime.timedelta(days=30)),
}

# cust_no: [(days before AS_OF, total assets, net inflow, commission, contribution,
#            trade volume, trades)]
DAYS = {
    "S001": [
        (0, "500000", "1000", "5.5", "10", "20000", 3),
        (6, "400000", "-500", "0", "0", "0", 0),
        (29, "300000", "250000", "12.25", "20", "50000", 2),
        (40, "100", "-0.25", "1", "1", "10", 1),
    ],
    "S002": [
        (0, "0", "0", "0", "0", "0", 0),
        (1, "0", "-100", "0", "0", "0", 0),
    ],
    "S004": [
        (0, "10500.25", "0", "0", "-0.5", "0", 0),
        (2, "10000", "10000", "0.25", "0.25", "100", 1),
    ],
    "S005": [
        (3, "499999.75", "-1000", "3", "2.5", "3000", 4),
        (30, "1000", "0.5", "0", "0", "0", 0),
    ],
    "S006": [
        (0, "1000000", "0", "0", "0", "0", 0),
        (7, "999999.5", "0", "0", "0", "0", 0),
    ],
}

# cust_no: [(month, average assets, contribution, commission, net inflow, volume, trades,
#            turnover)]
MONTHS = {
    "S001": [(datetime.date(2026, 6, 1), "450000", "30", "17.75", "250500", "70000", 5, "0.1556"),
             (datetime.date(2026, 1, 1), "200000", "100", "50", "0", "0", 0, None),
             (datetime.date(2025, 12, 1), "100000", "1000", "500", "5", "5", 1, "2")],
    "S002": [(datetime.date(2026, 6, 1), "0", "0", "0", "-100", "0", 0, None)],
    "S004": [(datetime.date(2026, 5, 1), "5000", "-0.25", "0.25", "10000", "100", 1, "0.02")],
    "S005": [(datetime.date(2026, 6, 1), "480000.5", "2.5", "3", "-999.5", "3000", 4, "0.0063"),
             (datetime.date(2026, 2, 1), "1000", "0", "0", "0", "0", 0, "0")],
    "S006": [(datetime.date(2026, 6, 1), "1000000", "0", "0", "0", "0", 0, "0")],
}  # fmt: skip

# cust_no: maintenance ratio of their credit account on AS_OF (None: a credit row without)
CREDIT = {"S001": "1.3", "S005": None, "S006": "2.5"}

TIERS = {"S001": ("t1", False), "S005": ("t2", True), "S006": ("t1", True)}

STATIC_MEMBERS = ("S002", "S003", "S008")


def segment_dataset() -> dict:
    """Create the dataset; returns its customers, tiers and two segments (a static one, and
    a dynamic one whose rule names the static one)."""
    branch_east = BranchFactory(code="9101", name="上海营业部", region="华东")
    branch_west = BranchFactory(code="9102", name="成都营业部", region="")
    team = TeamFactory(branch=branch_east, name="一组")
    lead = StaffFactory(branch=branch_east, team=team, role=Role.TEAM_LEAD, name="组长")
    broker = StaffFactory(branch=branch_east, team=None, name="经纪人")
    other = StaffFactory(branch=branch_west, team=None, name="成都经纪人")
    managers = [lead, broker, None, other, lead, broker, None, other]
    for spec in CUSTOM_FIELDS:
        CustomField.objects.create(**spec)
    securities = {
        code: Security.objects.create(
            market=market, sec_code=code, name=name, sec_type=kind, industry=industry
        )
        for market, code, name, kind, industry in SECURITIES
    }
    customers = {}
    for index, (cust_no, (attributes, custom)) in enumerate(PEOPLE.items()):
        manager = managers[index]
        customer = Customer.objects.create(
            cust_no=cust_no,
            name=f"客户{cust_no}",
            branch=manager.branch if manager else branch_west,
            manager=manager,
            custom_fields=custom,
            **attributes,
        )
        customers[cust_no] = customer
        account = CapitalAccount.objects.create(
            fund_account=f"F{cust_no}",
            customer=customer,
            account_kind="normal",
            open_date=customer.open_date,
            status="0",
        )
        for code, quantity, value in HOLDINGS.get(cust_no, []):
            DailyPosition.objects.create(
                business_date=AS_OF,
                account=account,
                security=securities[code],
                quantity=D(quantity),
                market_value=D(value),
            )
            # The day before holds more: only the metrics day counts.
            DailyPosition.objects.create(
                business_date=day(1),
                account=account,
                security=securities[code],
                quantity=D(quantity) + 1,
                market_value=D(value) * 3,
            )
        if cust_no in CREDIT:
            credit = CapitalAccount.objects.create(
                fund_account=f"R{cust_no}",
                customer=customer,
                account_kind="credit",
                open_date=customer.open_date,
                status="0",
            )
            ratio = CREDIT[cust_no]
            DailyCredit.objects.create(
                business_date=AS_OF,
                account=credit,
                financing_debt=D(1000),
                lending_debt=D(0),
                accrued_interest=D(0),
                collateral_value=D(2000),
                maintenance_ratio=D(ratio) if ratio else None,
            )
            DailyCredit.objects.create(
                business_date=day(1),
                account=credit,
                financing_debt=D(1000),
                lending_debt=D(0),
                accrued_interest=D(0),
                collateral_value=D(2000),
                maintenance_ratio=D("0.5"),
            )
    for cust_no, row in FIGURES.items():
        total, cash, value, net, liabilities, ratio, last_trade = row
        CustomerFigures.objects.create(
            customer=customers[cust_no],
            as_of=AS_OF,
            total_assets=D(total),
            cash=D(cash),
            market_value=D(value),
            net_assets=D(net),
            liabilities=D(liabilities),
            position_ratio=D(ratio) if ratio else None,
            last_trade_date=last_trade,
        )
    for cust_no, rows in DAYS.items():
        customer = customers[cust_no]
        CustomerDay.objects.bulk_create(
            CustomerDay(
                business_date=day(offset),
                customer=customer,
                branch_id=customer.branch_id,
                manager_id=customer.manager_id,
                total_assets=D(total),
                net_inflow=D(inflow),
                commission=D(commission),
                net_commission=D(commission) / 2,
                contribution=D(contribution),
                trade_volume=D(volume),
                trade_count=trades,
            )
            for offset, total, inflow, commission, contribution, volume, trades in rows
        )
    # The days' running totals, as the metrics step keeps them for the windows.
    running_totals_rebuild()
    for cust_no, rows in MONTHS.items():
        customer = customers[cust_no]
        CustomerMonth.objects.bulk_create(
            CustomerMonth(
                month=month,
                customer=customer,
                branch_id=customer.branch_id,
                manager_id=customer.manager_id,
                average_assets=D(average),
                contribution=D(contribution),
                commission=D(commission),
                net_commission=D(commission) / 2,
                net_inflow=D(inflow),
                trade_volume=D(volume),
                trade_count=trades,
                turnover=D(turnover) if turnover else None,
            )
            for month, average, contribution, commission, inflow, volume, trades, turnover in rows
        )
    tiers = {
        "t1": Tier.objects.create(name="测试钻石", code="test-diamond", rank=101),
        "t2": Tier.objects.create(name="测试金卡", code="test-gold", rank=102),
    }
    for cust_no, (tier, watch) in TIERS.items():
        customer = customers[cust_no]
        for month in (TIER_MONTH, datetime.date(2026, 5, 1)):
            CustomerTier.objects.create(
                customer=customer,
                month=month,
                # The month before held the other tier: only the latest month counts.
                tier=tiers[tier] if month == TIER_MONTH else tiers["t2" if tier == "t1" else "t1"],
                qualified_tier=tiers[tier],
                to_watch=watch if month == TIER_MONTH else not watch,
                since=month,
                branch_id=customer.branch_id,
                manager_id=customer.manager_id,
            )
    Customer.objects.filter(cust_no="S001").update(
        last_contact_at=timezone.make_aware(datetime.datetime(2026, 6, 14, 23, 30))
    )
    Customer.objects.filter(cust_no="S005").update(
        last_contact_at=timezone.make_aware(datetime.datetime(2026, 4, 16, 0, 15))
    )
    static = Segment.objects.create(name="测试静态名单", kind=SegmentKind.STATIC)
    SegmentMember.objects.bulk_create(
        SegmentMember(segment=static, customer=customers[cust_no], joined_on=AS_OF)
        for cust_no in STATIC_MEMBERS
    )
    dynamic = Segment.objects.create(
        name="测试高资产或名单",
        rule={
            "group": "or",
            "rules": [
                {"field": "total_assets", "op": "gte", "value": "500000"},
                {"segment": static.pk},
            ],
        },
    )
    return {
        "customers": customers,
        "tiers": tiers,
        "static": static,
        "dynamic": dynamic,
        "securities": securities,
    }
