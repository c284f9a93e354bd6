"""The suitability check (适当性匹配) of a customer and a product, as one pure function over
the customer's profile, the product and the matching rules, so that the 360 page, a sale, a
target list and a campaign all decide the same way.

- **prohibited**: a lowest-category investor (最低类别) and a product above R1, or an
  investor who is not professional and a professional-only product, whatever they confirm;
- **mismatch**, with every reason (risk level, horizon, variety, minimum investment, an
  assessment expired or missing): a sale may proceed only on the customer's own request and
  after they confirm a special risk warning;
- **suitable** otherwise.

Ordinary investors (and professionals who elected to be treated as ordinary) are matched
three ways: risk level by the rules (SuitabilityRule, the regulation's defaults shipped as
data), horizon (the product's no longer than the customer's) and variety (the product's
among the customer's stated ones), on a valid assessment. Professional investors are matched
on risk by their class's rules only.

The proactive roads (target lists, campaigns, the 360 page's suggestions) never offer what
does not suit: they all ask `offerable_customers` or `offerable_products`, the same check
compiled to one set-based query each (tests/products/test_suitability_agreement.py proves
they agree with `check`), which also leave out a product that is not on sale.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from products.models import (
    HORIZON_ORDER,
    CheckResult,
    InvestorCategory,
    Product,
    ProductRisk,
    ProductStatus,
    ProfessionalClass,
    SuitabilityRule,
    varieties_of,
)


class Reason(models.TextChoices):
    LOWEST_CATEGORY = "lowest_category", _("Lowest-category investors may buy only R1 products")
    PROFESSIONAL_ONLY = "professional_only", _("Only professional investors may buy it")
    ASSESSMENT_MISSING = "assessment_missing", _("No risk assessment on record: reassess first")
    ASSESSMENT_EXPIRED = "assessment_expired", _("The risk assessment has expired: reassess first")
    RISK_LEVEL = "risk_level", _("The product's risk level is above the customer's risk tolerance")
    HORIZON = "horizon", _("The product's horizon is longer than the customer's investment horizon")
    VARIETY = "variety", _("The customer has not chosen this investment variety")
    MINIMUM_INVESTMENT = "minimum_investment", _("The amount is below the minimum investment")


# The horizon order by plain code (what a customer's or product's field holds).
HORIZON_RANK: dict[str, int] = {str(h.value): n for h, n in HORIZON_ORDER.items()}


def reason_label(code: str) -> str:
    """A reason code of a check in words (the code itself if the CRM no longer knows it)."""
    return str(Reason(code).label) if code in Reason.values else code


# Reasons no confirmation can overcome.
PROHIBITING = frozenset({Reason.LOWEST_CATEGORY, Reason.PROFESSIONAL_ONLY})

PROFESSIONAL_CATEGORY: dict[str, str] = {
    ProfessionalClass.A: InvestorCategory.PROFESSIONAL_A,
    ProfessionalClass.B: InvestorCategory.PROFESSIONAL_B,
    ProfessionalClass.C: InvestorCategory.PROFESSIONAL_C,
}


@dataclass(frozen=True)
class Profile:
    """What suitability reads of a customer (customers.Customer has every field)."""

    risk_level: str
    risk_assessed_on: datetime.date | None
    investor_class: str
    professional_class: str
    treated_as_ordinary: bool
    lowest_category: bool
    invest_horizon: str
    invest_varieties: str

    @classmethod
    def of(cls, customer) -> Profile:
        return cls(**{name: getattr(customer, name) for name in cls.__dataclass_fields__})

    @property
    def professional(self) -> bool:
        return self.investor_class == "professional" and not self.treated_as_ordinary


@dataclass(frozen=True)
class Verdict:
    result: str  # a CheckResult
    reasons: tuple[str, ...]  # Reason codes, in the order found
    category: str  # an InvestorCategory, or "" when the customer has no risk level

    @property
    def suitable(self) -> bool:
        return self.result == CheckResult.SUITABLE


def category_of(profile: Profile) -> str:
    """The rules' category of the customer: a professional's class (an unrecorded class is
    taken as C, the one converted from ordinary); the lowest category; C1 to C5; or "" when an
    ordinary investor has no risk level."""
    if profile.professional:
        return PROFESSIONAL_CATEGORY.get(
            profile.professional_class, InvestorCategory.PROFESSIONAL_C
        )
    if profile.lowest_category:
        return InvestorCategory.LOWEST
    if profile.risk_level in InvestorCategory.values:
        return profile.risk_level
    return ""


def permitted_levels() -> dict[str, frozenset[str]]:
    """The product risk levels each category may buy, from the rules (one query)."""
    permitted: dict[str, set[str]] = {category: set() for category in InvestorCategory.values}
    for category, level in SuitabilityRule.objects.filter(permitted=True).values_list(
        "category", "product_risk"
    ):
        permitted[category].add(level)
    return {category: frozenset(levels) for category, levels in permitted.items()}


def assessment_valid_days() -> int:
    return int(getattr(settings, "RISK_ASSESSMENT_VALID_DAYS", 730))


def assessment_expires_on(assessed_on: datetime.date | None) -> datetime.date | None:
    """The last day an assessment is valid on."""
    if assessed_on is None:
        return None
    return assessed_on + datetime.timedelta(days=assessment_valid_days())


def check(
    profile: Profile,
    product: Product,
    *,
    permitted: dict[str, frozenset[str]],
    today: datetime.date,
    amount: Decimal | None = None,
) -> Verdict:
    """The verdict on offering or selling `product` to the customer of `profile` on `today`
    (with `amount` for a sale: the minimum investment is checked only then)."""
    reasons: list[str] = []
    category = category_of(profile)
    if category == InvestorCategory.LOWEST and product.risk_level != "R1":
        reasons.append(Reason.LOWEST_CATEGORY)
    if product.professional_only and not profile.professional:
        reasons.append(Reason.PROFESSIONAL_ONLY)
    if not profile.professional:
        expires_on = assessment_expires_on(profile.risk_assessed_on)
        if not category or expires_on is None:
            reasons.append(Reason.ASSESSMENT_MISSING)
        elif expires_on < today:
            reasons.append(Reason.ASSESSMENT_EXPIRED)
    if category and product.risk_level not in permitted.get(category, frozenset()):
        reasons.append(Reason.RISK_LEVEL)
    if not profile.professional:
        horizon = HORIZON_RANK.get(profile.invest_horizon)
        if horizon is None or HORIZON_RANK[product.horizon] > horizon:
            reasons.append(Reason.HORIZON)
        if product.variety not in varieties_of(profile.invest_varieties):
            reasons.append(Reason.VARIETY)
    if amount is not None and amount < product.minimum_investment:
        reasons.append(Reason.MINIMUM_INVESTMENT)
    if PROHIBITING.intersection(reasons):
        result = CheckResult.PROHIBITED
    elif reasons:
        result = CheckResult.MISMATCH
    else:
        result = CheckResult.SUITABLE
    return Verdict(result=result, reasons=tuple(reasons), category=category)


def verdict_for(
    customer, product: Product, *, today: datetime.date | None = None, amount=None
) -> Verdict:
    """The check of one customer and one product with the rules as they stand (one query),
    on `today` (the local date when not given)."""
    return check(
        Profile.of(customer),
        product,
        permitted=permitted_levels(),
        today=today or timezone.localdate(),
        amount=amount,
    )


# The set-based side: the same check as Q expressions, without an amount (nothing proactive
# knows one). Each clause below mirrors a reason of `check`; keep them together.

PROFESSIONAL_Q = Q(investor_class="professional", treated_as_ordinary=False)
ORDINARY_Q = ~PROFESSIONAL_Q
# What str.strip() removes around a stated variety, as one regex character class that
# PostgreSQL's and Python's (SQLite's REGEXP) engines read alike: literal characters only.
# (Written out: generating it walks every code point at each start-up; a test compares them.)
_SPACE = (
    "[\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000]*"
)


def on_sale_q(today: datetime.date) -> Q:
    """Products that are on sale on `today` (Product.on_sale, over a queryset)."""
    return (
        Q(status=ProductStatus.ON_SALE)
        & (Q(sale_starts_on__isnull=True) | Q(sale_starts_on__lte=today))
        & (Q(sale_ends_on__isnull=True) | Q(sale_ends_on__gte=today))
    )


def variety_stated_pattern(variety: str) -> str:
    """A regex matching a `;`-separated list of varieties that names `variety` as one whole
    item (so 'fund' is not found inside 'private_fund')."""
    return rf"(^|;){_SPACE}{re.escape(variety)}{_SPACE}(;|$)"


def category_in_q(categories) -> Q:
    """Customers whose rules' category (category_of) is one of `categories`."""
    categories = set(categories)
    q = Q(pk__in=[])
    professional_classes = {
        cls for cls, category in PROFESSIONAL_CATEGORY.items() if category in categories
    }
    if professional_classes:
        # An unrecorded (or unknown) class counts as C, as category_of takes it.
        if ProfessionalClass.C in professional_classes:
            known = set(PROFESSIONAL_CATEGORY) - professional_classes
            q |= PROFESSIONAL_Q & ~Q(professional_class__in=sorted(known))
        else:
            q |= PROFESSIONAL_Q & Q(professional_class__in=sorted(professional_classes))
    if InvestorCategory.LOWEST in categories:
        q |= ORDINARY_Q & Q(lowest_category=True)
    ordinary = sorted(categories & set(InvestorCategory.values))
    if ordinary:
        q |= ORDINARY_Q & Q(lowest_category=False, risk_level__in=ordinary)
    return q


def customer_suits_q(
    product: Product, *, today: datetime.date, permitted: dict[str, frozenset[str]]
) -> Q:
    """Customers for whom `check` of `product` without an amount is suitable (whether the
    product is on sale is not asked here)."""
    allowed = {c for c, levels in permitted.items() if product.risk_level in levels}
    if product.risk_level != ProductRisk.R1:
        allowed.discard(InvestorCategory.LOWEST)  # Reason.LOWEST_CATEGORY
    q = category_in_q(allowed)  # Reason.RISK_LEVEL; no category: ASSESSMENT_MISSING
    if product.professional_only:
        q &= PROFESSIONAL_Q  # Reason.PROFESSIONAL_ONLY
    longest = HORIZON_RANK.get(product.horizon)
    three_way = (
        # ASSESSMENT_MISSING and ASSESSMENT_EXPIRED
        Q(risk_assessed_on__gte=today - datetime.timedelta(days=assessment_valid_days()))
        # HORIZON: the customer's horizon at least as long as the product's
        & Q(invest_horizon__in=[h for h, order in HORIZON_RANK.items() if order >= longest])
        # VARIETY
        & Q(invest_varieties__regex=variety_stated_pattern(product.variety))
        if longest is not None and product.variety
        else Q(pk__in=[])
    )
    return q & (PROFESSIONAL_Q | three_way)


def product_suits_q(customer, *, today: datetime.date, permitted: dict[str, frozenset[str]]) -> Q:
    """Products whose `check` for `customer` without an amount is suitable (whether they
    are on sale is not asked here)."""
    profile = Profile.of(customer)
    category = category_of(profile)
    nothing = Q(pk__in=[])
    if not category:
        return nothing  # Reason.ASSESSMENT_MISSING
    q = Q(risk_level__in=sorted(permitted.get(category, frozenset())))  # RISK_LEVEL
    if category == InvestorCategory.LOWEST:
        q &= Q(risk_level=ProductRisk.R1)  # Reason.LOWEST_CATEGORY
    if profile.professional:
        return q
    expires_on = assessment_expires_on(profile.risk_assessed_on)
    horizon = HORIZON_RANK.get(profile.invest_horizon)
    if expires_on is None or expires_on < today or horizon is None:
        return nothing  # ASSESSMENT_MISSING, ASSESSMENT_EXPIRED, HORIZON
    return (
        q
        & Q(professional_only=False)  # Reason.PROFESSIONAL_ONLY
        & Q(horizon__in=[h for h, order in HORIZON_RANK.items() if order <= horizon])
        & Q(variety__in=varieties_of(profile.invest_varieties))  # Reason.VARIETY
    )


def offerable_customers(
    product: Product,
    customers: QuerySet,
    *,
    today: datetime.date,
    permitted: dict[str, frozenset[str]] | None = None,
) -> QuerySet:
    """The customers of `customers` to whom `product` may be offered proactively on `today`:
    it is on sale and `check` without an amount finds it suitable; one query. Every
    proactive road (target lists, campaigns, suggestions) asks this, never its own filter."""
    if not product.on_sale(today):
        return customers.none()
    if permitted is None:
        permitted = permitted_levels()
    return customers.filter(customer_suits_q(product, today=today, permitted=permitted))


def offerable_products(
    customer,
    products: QuerySet,
    *,
    today: datetime.date,
    permitted: dict[str, frozenset[str]] | None = None,
) -> QuerySet:
    """The products of `products` that may be offered to `customer` proactively on `today`:
    on sale and suitable by `check` without an amount; one query."""
    if permitted is None:
        permitted = permitted_levels()
    return products.filter(
        on_sale_q(today) & product_suits_q(customer, today=today, permitted=permitted)
    )
