"""What the product tests make again and again: products, customers with a suitability
profile (and the figures a target list reads), their accounts, positions and sales."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from customers.models import CapitalAccount, Customer, CustomerFigures, DailyPosition
from products.models import (
    CheckPurpose,
    CheckResult,
    Product,
    ProductSale,
    ProductStatus,
    Security,
    SuitabilityCheck,
)
from tests.customers.factories import CustomerFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DAY = datetime.date(2026, 3, 2)
TODAY = datetime.date(2026, 6, 15)  # the suitability matrix's day
ALL_VARIETIES = "equity;fixed_income;fund;derivative;complex"

_codes = itertools.count(1)


def product_make(code: str = "P001", risk: str = "R3", **fields) -> Product:
    """A public fund `code` of `risk`, medium horizon, on sale (`fields` instead)."""
    values = {
        "name": f"产品{code}",
        "kind": "public_fund",
        "risk_level": risk,
        "horizon": "medium",
        "variety": "fund",
        "status": ProductStatus.ON_SALE,
    }
    return Product.objects.create(code=code, **{**values, **fields})


def wealth_make(code: str = "WM001", **fields) -> Product:
    """An R2 wealth product of short horizon, on sale (`fields` instead)."""
    wealth = {"kind": "wealth", "horizon": "short", "variety": "fixed_income"}
    return product_make(code, "R2", **{**wealth, **fields})


def product_of(**fields) -> Product:
    """An R1 public fund of short horizon, on sale, under a code of its own."""
    values = {
        "code": f"P{next(_codes):05d}",
        "name": "稳健增利",
        "kind": "public_fund",
        "risk_level": "R1",
        "horizon": "short",
        "variety": "fund",
        "status": ProductStatus.ON_SALE,
        **fields,
    }
    return Product.objects.create(**values)


def customer_of(**fields) -> Customer:
    """A new ordinary C3 customer assessed 30 days before TODAY, long horizon, every
    variety (`fields` instead)."""
    values = {
        "investor_class": "ordinary",
        "risk_level": "C3",
        "risk_assessed_on": TODAY - datetime.timedelta(days=30),
        "invest_horizon": "long",
        "invest_varieties": ALL_VARIETIES,
        **fields,
    }
    return CustomerFactory(**values)


def broker_customer_make(org, cust_no: str, name: str) -> Customer:
    """Another customer of the broker's, in branch A."""
    return Customer.objects.create(
        cust_no=cust_no,
        name=name,
        branch=org.branch_a,
        manager=org.broker,
        open_date=datetime.date(2020, 1, 6),
    )


def profiled(customer, *, risk_level: str = "C3", assessed_days_ago: int = 365, **fields):
    """Give `customer` a suitability profile and save it: `risk_level`, assessed
    `assessed_days_ago` days before today, long horizon, every variety (and `fields`)."""
    customer.risk_level = risk_level
    customer.risk_assessed_on = timezone.localdate() - datetime.timedelta(days=assessed_days_ago)
    customer.invest_horizon = "long"
    customer.invest_varieties = ALL_VARIETIES
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.save()
    return customer


def figures_give(customer, assets: str = "500000", *, day=DAY) -> CustomerFigures:
    """The customer's figures on `day`: `assets` of total assets, all of it cash."""
    figures, _ = CustomerFigures.objects.update_or_create(
        customer=customer,
        defaults={
            "as_of": day,
            "cash": Decimal(assets),
            "market_value": 0,
            "liabilities": 0,
            "total_assets": Decimal(assets),
            "net_assets": Decimal(assets),
            "position_ratio": 0,
        },
    )
    return figures


def suitable(customer, *, assets: str = "500000", risk_level: str = "C4", consent: bool = True):
    """Give `customer` a profile every R1-R4 fund of medium horizon suits, marketing consent
    and figures of `assets` total assets on DAY."""
    profiled(
        customer,
        risk_level=risk_level,
        assessed_days_ago=100,
        investor_class="ordinary",
        marketing_consent=consent,
    )
    figures_give(customer, assets)
    return customer


def account_of(customer) -> CapitalAccount:
    account, _ = CapitalAccount.objects.get_or_create(
        fund_account=f"FA{customer.cust_no}",
        defaults={
            "customer": customer,
            "account_kind": "normal",
            "open_date": datetime.date(2020, 1, 6),
            "status": "0",
        },
    )
    return account


def position_make(
    customer, security: Security, *, day=DAY, value="10000", **fields
) -> DailyPosition:
    """100 of `security` worth `value` on `day` in the customer's account."""
    return DailyPosition.objects.create(
        business_date=day,
        account=account_of(customer),
        security=security,
        quantity=Decimal("100"),
        market_value=Decimal(value),
        **fields,
    )


def sale_make(customer, product: Product, *, amount="10000", check=None, **fields) -> ProductSale:
    """A branch sale on DAY resting on `check` (else on a suitable check made for it)."""
    if check is None:
        check = SuitabilityCheck.objects.create(
            customer=customer,
            product=product,
            purpose=CheckPurpose.CUSTOMER_REQUEST,
            result=CheckResult.SUITABLE,
            product_risk=product.risk_level,
        )
    return ProductSale.objects.create(
        customer=customer,
        product=product,
        amount=Decimal(amount),
        sold_on=DAY,
        channel="branch",
        suitability_check=check,
        **fields,
    )
