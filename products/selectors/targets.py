"""A product's target list (目标客户): the customers in a user's scope to whom the product
may be offered, not holding it yet, ranked by a propensity score computed in SQL. The
product page, its CSV export and campaigns (which call `product_target_customers`) all read
it here; who the product suits is products.suitability.offerable_customers's alone.

The propensity score, 0 to 100, is the sum of three parts (TARGET_SCORE_HELP says it on the
page):

- **assets**, up to 50: 50 * total assets / 1,000,000 (the current figures), at most 50;
- **same kind**, up to 30: 10 for each earlier purchase of a product of the same kind
  (ProductSale), at most 3 counted;
- **inflow**, up to 20: 20 * the net bank inflow of the last 30 days / 100,000, at most 20
  (none for an outflow), from TargetBasis, which the nightly step refreshes.
"""

from __future__ import annotations

import datetime

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, CustomerStatus, DailyPosition
from customers.selectors.customers import customers_for_user
from customers.selectors.lists import latest_business_day
from products.models import Product, ProductSale
from products.suitability import offerable_customers

ASSETS_FULL_MARKS = 1_000_000  # CNY of total assets that earn the assets part in full
ASSETS_POINTS = 50
PURCHASE_POINTS = 30
PURCHASES_COUNTED = 3
INFLOW_FULL_MARKS = 100_000  # CNY of net inflow over 30 days that earn the inflow part in full
INFLOW_POINTS = 20
# Customers a product is offered to: active accounts (dormant ones are worth waking).
TARGET_STATUSES = (CustomerStatus.NORMAL, CustomerStatus.DORMANT)

TARGET_SCORE_HELP = _(
    "Ranked by a propensity score of 0 to 100, the sum of three parts: assets, up to 50 "
    "(50 × total assets ÷ 1,000,000); same kind, up to 30 (10 for each earlier purchase of a "
    "product of this kind, at most 3 counted); inflow, up to 20 (20 × net bank inflow of the "
    "last 30 days ÷ 100,000; none for an outflow)."
)


def _float(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=FloatField())


def _capped(points: int, ratio) -> ExpressionWrapper:
    """`points` times `ratio`, between 0 and `points`."""
    return _float(Value(float(points)) * Least(Value(1.0), Greatest(Value(0.0), _float(ratio))))


def _purchases_of_kind(kind: str):
    """How many products of `kind` the customer bought, counted up to PURCHASES_COUNTED: one
    "among the customers who bought at least n" test per n, each an uncorrelated set the
    database hashes once (a count per candidate would probe the sales once per customer)."""
    sales = ProductSale.objects.filter(product__kind=kind).order_by().values("customer_id")
    counted = sales.annotate(n=Count("*"))
    return sum(
        (
            Case(
                When(pk__in=counted.filter(n__gte=least).values("customer_id"), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            for least in range(1, PURCHASES_COUNTED + 1)
        ),
        start=Value(0, output_field=IntegerField()),
    )


def product_target_customers(product: Product, user, *, today: datetime.date) -> QuerySet[Customer]:
    """The product's target list for `user`, best first: the customers in the user's scope
    (customers_for_user, with the list's figures) with marketing consent and an active
    account whose total assets cover the minimum investment, to whom the product may be
    offered on `today` (offerable_customers: none when it is not on sale), who hold no
    position in its security on the latest business day and never bought it. Each row has
    `assets_points`, `kind_points`, `inflow_points`, `score`, `kind_purchases` and
    `net_inflow_30d`; ties go by customer number."""
    customers = customers_for_user(user).filter(
        marketing_consent=True,
        status__in=TARGET_STATUSES,
        figures__total_assets__gte=product.minimum_investment,
    )
    customers = offerable_customers(product, customers, today=today)
    customers = customers.exclude(
        pk__in=ProductSale.objects.filter(product=product).values("customer_id")
    )
    if product.security_id is not None:
        day = latest_business_day()
        if day is not None:
            holders = DailyPosition.objects.filter(
                business_date=day, security_id=product.security_id
            ).order_by()
            customers = customers.exclude(pk__in=holders.values("account__customer_id"))
    return (
        customers.annotate(
            kind_purchases=_purchases_of_kind(product.kind),
            net_inflow_30d=F("target_basis__net_inflow_30d"),
        )
        .annotate(
            assets_points=_capped(
                ASSETS_POINTS,
                Cast(F("total_assets"), FloatField()) / Value(float(ASSETS_FULL_MARKS)),
            ),
            kind_points=_capped(
                PURCHASE_POINTS,
                Cast(F("kind_purchases"), FloatField()) / Value(float(PURCHASES_COUNTED)),
            ),
            inflow_points=_capped(
                INFLOW_POINTS,
                Coalesce(Cast(F("net_inflow_30d"), FloatField()), Value(0.0))
                / Value(float(INFLOW_FULL_MARKS)),
            ),
        )
        .annotate(score=_float(F("assets_points") + F("kind_points") + F("inflow_points")))
        .order_by("-score", "cust_no")
    )
