"""Reads behind the customer 360 page, one function per panel.

Every function takes a customer the caller already obtained through
`customer_get_for_user` (so it is in the user's scope) and runs a fixed, small number of
queries whatever the size of the customer's history.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Max, Subquery, Sum
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from crm.dates import whole_years
from customers.models import (
    CapitalAccount,
    CashFlow,
    CashFlowType,
    Customer,
    CustomerFigures,
    CustomerType,
    DailyBalance,
    DailyCredit,
    DailyPosition,
    Trade,
)
from products.models import InvestHorizon, InvestVariety, Quote, varieties_of

RECENT_ROWS = 50
MARGIN_WARNING_RATIO = Decimal("1.4")


def current_figures(customer: Customer) -> CustomerFigures | None:
    try:
        return customer.figures
    except CustomerFigures.DoesNotExist:
        return None


@dataclass(frozen=True)
class RiskAssessment:
    assessed_on: datetime.date | None
    expires_on: datetime.date | None
    expired: bool
    expiring_soon: bool


def risk_assessment(customer: Customer, *, today: datetime.date | None = None) -> RiskAssessment:
    """A questionnaire is valid for RISK_ASSESSMENT_VALID_DAYS; warn 30 days ahead."""
    today = today or timezone.localdate()
    if customer.risk_assessed_on is None:
        return RiskAssessment(None, None, expired=True, expiring_soon=False)
    valid_days = getattr(settings, "RISK_ASSESSMENT_VALID_DAYS", 730)
    expires_on = customer.risk_assessed_on + datetime.timedelta(days=valid_days)
    return RiskAssessment(
        customer.risk_assessed_on,
        expires_on,
        expired=expires_on < today,
        expiring_soon=today <= expires_on <= today + datetime.timedelta(days=30),
    )


# The counter's codes for what the header shows of a customer's profile
# (shared/COUNTER_EXPORTS.md, customers.csv); the fields store the codes without choices.
class Gender(models.TextChoices):
    MALE = "M", pgettext_lazy("gender", "Male")
    FEMALE = "F", pgettext_lazy("gender", "Female")


@dataclass(frozen=True)
class Profile:
    """What the header shows of the customer's profile, as labels; None is not recorded.
    Gender and age are a person's: an institution has neither (`individual` is False)."""

    individual: bool
    gender: str | None
    age: int | None
    occupation: str | None
    invest_horizon: str | None
    invest_varieties: list[str]


def _label(choices: type[models.TextChoices], code: str) -> str | None:
    """The label of a code; a code the CRM does not know yet is shown as the counter sent it."""
    if not code:
        return None
    return str(choices(code).label) if code in choices.values else code


def age_on(birth_date: datetime.date | None, day: datetime.date) -> int | None:
    """Full years on `day`; someone born on 29 February turns a year older on 1 March."""
    if birth_date is None or birth_date > day:
        return None
    return whole_years(birth_date, day)


def customer_profile(customer: Customer, *, today: datetime.date | None = None) -> Profile:
    """Gender, age (as of today), occupation, investment horizon and varieties: stored from
    the counter's customers.csv, read from the customer row (no query)."""
    today = today or timezone.localdate()
    varieties = varieties_of(customer.invest_varieties)
    return Profile(
        individual=customer.cust_type != CustomerType.INSTITUTION,
        gender=_label(Gender, customer.gender),
        age=age_on(customer.birth_date, today),
        occupation=customer.occupation or None,
        invest_horizon=_label(InvestHorizon, customer.invest_horizon),
        invest_varieties=[label for code in varieties if (label := _label(InvestVariety, code))],
    )


def account_ids(customer: Customer) -> list[int]:
    return list(CapitalAccount.objects.filter(customer=customer).values_list("id", flat=True))


def key_figures(customer: Customer, accounts: list[int]) -> dict:
    """Assets from the current figures and the net inflow of the last 30 days."""
    figures = current_figures(customer)
    as_of = figures.as_of if figures else timezone.localdate()
    since = as_of - datetime.timedelta(days=30)
    inflow = CashFlow.objects.filter(
        account_id__in=accounts,
        flow_date__gt=since,
        flow_date__lte=as_of,
        biz_type__in=(CashFlowType.BANK_IN, CashFlowType.BANK_OUT),
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    # Revenue for the year (commission, contribution) is the metrics' job: the analytics
    # contribution panel shows it from the monthly roll-ups.
    return {"figures": figures, "as_of": as_of, "net_inflow_30d": inflow}


def asset_trend(accounts: list[int], *, until: datetime.date, days: int = 366) -> list[tuple]:
    """(day, cash, market value) for every loaded business day of the last year: two grouped
    queries over the (account, business_date) indexes."""
    since = until - datetime.timedelta(days=days)
    cash = dict(
        DailyBalance.objects.filter(
            account_id__in=accounts,
            business_date__gt=since,
            business_date__lte=until,
            currency="CNY",
        )
        .values_list("business_date")
        .annotate(total=Sum("balance"))
        .order_by()
    )
    value = dict(
        DailyPosition.objects.filter(
            account_id__in=accounts, business_date__gt=since, business_date__lte=until
        )
        .values_list("business_date")
        .annotate(total=Sum("market_value"))
        .order_by()
    )
    return [
        (day, cash.get(day, Decimal("0")), value.get(day, Decimal("0")))
        for day in sorted(set(cash) | set(value))
    ]


def assets_held(trend: list[tuple]) -> bool:
    """Whether the asset trend has anything to draw: a day with cash or securities. A
    customer whose accounts hold nothing has loaded days all at zero, which plotted give an
    empty chart with an axis around nothing."""
    return any(cash or value for _day, cash, value in trend)


def holdings(accounts: list[int], *, as_of: datetime.date | None) -> dict:
    """The latest positions with close, unrealised P&L, weight in the portfolio and the
    product the security is (for its risk level; None where no product is linked), and the
    totals of market value and of the unrealised P&L that is known (None if none is)."""
    if as_of is None:
        as_of = DailyPosition.objects.filter(account_id__in=accounts).aggregate(
            latest=Max("business_date")
        )["latest"]
    rows = list(
        DailyPosition.objects.filter(account_id__in=accounts, business_date=as_of)
        # The product a security is, for its risk level (a LEFT JOIN: no query per row).
        .select_related("security__product", "account")
        .order_by("-market_value")
    )
    closes = dict(
        Quote.objects.filter(
            trade_date=as_of, security_id__in=[row.security_id for row in rows]
        ).values_list("security_id", "close_price")
    )
    total = sum((row.market_value for row in rows), Decimal("0"))
    holdings_rows: list[dict] = []
    for row in rows:
        cost = row.cost_price * row.quantity if row.cost_price is not None else None
        holdings_rows.append(
            {
                "position": row,
                "close": closes.get(row.security_id),
                "pnl": row.market_value - cost if cost is not None else None,
                "pnl_ratio": (row.market_value - cost) / cost if cost else None,
                "weight": row.market_value / total if total else None,
                "product": getattr(row.security, "product", None),
            }
        )
    # Over the positions whose cost is known: a position without one adds no P&L to the sum.
    known = [row["pnl"] for row in holdings_rows if row["pnl"] is not None]
    pnl_total = sum(known, Decimal("0")) if known else None
    return {"as_of": as_of, "rows": holdings_rows, "total": total, "pnl_total": pnl_total}


def recent_trades(accounts: list[int]) -> list[Trade]:
    return list(
        Trade.objects.filter(account_id__in=accounts)
        .select_related("security", "account")
        .order_by("-trade_date", "-serial_no")[:RECENT_ROWS]
    )


def recent_cash_flows(accounts: list[int]) -> list[CashFlow]:
    return list(
        CashFlow.objects.filter(account_id__in=accounts)
        .select_related("account")
        .order_by("-flow_date", "-serial_no")[:RECENT_ROWS]
    )


def margin_accounts(accounts: list[int]) -> list[dict]:
    """Each credit account at its latest day, with a warning below the 1.4 maintenance ratio."""
    latest = (
        DailyCredit.objects.filter(account_id__in=accounts)
        .order_by("-business_date")
        .values("business_date")[:1]
    )
    rows = DailyCredit.objects.filter(account_id__in=accounts, business_date=Subquery(latest))
    return [
        {
            "credit": row,
            "warning": row.maintenance_ratio is not None
            and row.maintenance_ratio < MARGIN_WARNING_RATIO,
        }
        for row in rows.select_related("account")
    ]
