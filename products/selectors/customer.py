"""Reads behind the suitability panel of the customer 360 page: the customer's profile as
suitability sees it, the products to suggest, the holdings above the customer's risk level
and the checks on record.

Every function takes a customer the caller obtained through the project's scoping
(customers.selectors.customers.customer_get_for_user) and runs a fixed, small number of
queries whatever the customer's history: the panel costs four (the rules, the suggestions,
the over-risk holdings, the checks with their confirmations).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value, When

from customers.models import DailyPosition
from products.models import (
    InvestorCategory,
    Product,
    ProductRisk,
    ProductSale,
    ProfessionalClass,
    SuitabilityCheck,
)
from products.suitability import (
    Profile,
    assessment_expires_on,
    category_of,
    offerable_products,
    permitted_levels,
)

SUGGESTIONS = 5
RECENT_CHECKS = 10
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class SuitabilityProfile:
    """What the panel shows of the customer's profile (no query: the customer's row)."""

    category: str  # an InvestorCategory, "" without a risk level
    category_label: str
    professional: bool
    professional_class_label: str
    treated_as_ordinary: bool
    lowest_category: bool
    assessed_on: datetime.date | None
    expires_on: datetime.date | None
    expired: bool
    expiring_soon: bool
    permitted: tuple[str, ...]  # the product risk levels the category may buy, R1 first


def suitability_profile(
    customer, *, today: datetime.date, permitted: dict[str, frozenset[str]]
) -> SuitabilityProfile:
    profile = Profile.of(customer)
    category = category_of(profile)
    expires_on = assessment_expires_on(profile.risk_assessed_on)
    expired = expires_on is None or expires_on < today
    cls = customer.professional_class
    return SuitabilityProfile(
        category=category,
        category_label=str(InvestorCategory(category).label) if category else "",
        professional=profile.professional,
        professional_class_label=(
            str(ProfessionalClass(cls).label) if cls in ProfessionalClass.values else ""
        ),
        treated_as_ordinary=customer.investor_class == "professional"
        and customer.treated_as_ordinary,
        lowest_category=customer.lowest_category,
        assessed_on=profile.risk_assessed_on,
        expires_on=expires_on,
        expired=expired and not profile.professional,
        expiring_soon=not expired
        and expires_on is not None
        and expires_on <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS),
        permitted=tuple(
            level for level in ProductRisk.values if level in permitted.get(category, ())
        ),
    )


def suggested_products(
    customer,
    *,
    today: datetime.date,
    permitted: dict[str, frozenset[str]],
    limit: int = SUGGESTIONS,
) -> list[Product]:
    """The products to suggest to the customer, at most `limit`, in one query: only what
    offerable_products allows (on sale and suitable: never a mismatch), ranked by
    1. a kind of product the customer bought before,
    2. the highest risk level the customer may buy (what matches their tolerance best),
    3. a minimum investment the customer's total assets cover,
    then the lowest minimum investment and the code."""
    assets = getattr(customer, "total_assets", None)  # customers_for_user's annotation
    category = category_of(Profile.of(customer))
    levels = [level for level in ProductRisk.values if level in permitted.get(category, ())]
    offerable: QuerySet[Product] = offerable_products(
        customer, Product.objects.all(), today=today, permitted=permitted
    )
    ranked = offerable.annotate(
        kind_bought=Exists(
            ProductSale.objects.filter(customer=customer, product__kind=OuterRef("kind"))
        ),
        top_risk=Case(
            When(risk_level=levels[-1] if levels else "", then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        covered=Case(
            When(minimum_investment__lte=assets if assets is not None else Decimal(0), then=1),
            default=Value(0),
            output_field=IntegerField(),
        ),
    ).order_by("-kind_bought", "-top_risk", "-covered", "minimum_investment", "code")
    return list(ranked[:limit])


def over_risk_holdings(
    customer, *, permitted: dict[str, frozenset[str]], as_of: datetime.date | None = None
) -> list[DailyPosition]:
    """The customer's latest positions (of `as_of`, else of the latest day loaded) in a
    security that is a product whose risk level the customer's category may not buy, by
    market value, each with its security and product; one query. A customer without a risk
    level has none (their check says "reassess first" instead, as `check` does)."""
    category = category_of(Profile.of(customer))
    if not category:
        return []
    allowed = sorted(permitted.get(category, frozenset()))
    positions = DailyPosition.objects.filter(account__customer=customer)
    if as_of is None:
        latest = positions.order_by("-business_date").values("business_date")[:1]
        positions = positions.filter(business_date=Subquery(latest))
    else:
        positions = positions.filter(business_date=as_of)
    return list(
        positions.filter(security__product__isnull=False)
        .exclude(security__product__risk_level__in=allowed)
        .select_related("security", "security__product", "account")
        .order_by("-market_value", "security__sec_code")
    )


def checks_on_record(customer, *, limit: int = RECENT_CHECKS) -> list[SuitabilityCheck]:
    """The customer's latest checks, newest first, each with its product, who checked, its
    confirmation (if any) and whether a sale rests on it; one query."""
    return list(
        SuitabilityCheck.objects.filter(customer=customer)
        .select_related("product", "actor__staff", "confirmation", "confirmation__actor__staff")
        .annotate(sold=Exists(ProductSale.objects.filter(suitability_check=OuterRef("pk"))))
        .order_by("-checked_at", "-id")[:limit]
    )


def suitability_panel(customer, *, today: datetime.date) -> dict:
    """The context of templates/products/panels/suitability.html: four queries."""
    permitted = permitted_levels()
    figures_day = getattr(customer, "figures", None)
    return {
        "customer": customer,
        "suitability": suitability_profile(customer, today=today, permitted=permitted),
        "suggestions": suggested_products(customer, today=today, permitted=permitted),
        "over_risk": over_risk_holdings(
            customer,
            permitted=permitted,
            as_of=getattr(figures_day, "as_of", None),
        ),
        "checks": checks_on_record(customer),
    }
