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
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from products.models import (
    HORIZON_ORDER,
    CheckResult,
    InvestorCategory,
    Product,
    ProfessionalClass,
    SuitabilityRule,
    varieties_of,
)


class Reason(models.TextChoices):
    LOWEST_CATEGORY = "lowest_category", _("Lowest-category investors may buy only R1 products")
    PROFESSIONAL_ONLY = "professional_only", _("Only professional investors may buy it")
    ASSESSMENT_MISSING = "assessment_missing", _("No risk assessment on record: reassess first")
    ASSESSMENT_EXPIRED = "assessment_expired", _("The risk assessment has expired: reassess first")
    RISK_LEVEL = "risk_level", _("The product's risk level exceeds the customer's")
    HORIZON = "horizon", _("The product's horizon is longer than the customer's")
    VARIETY = "variety", _("The customer has not chosen this investment variety")
    MINIMUM_INVESTMENT = "minimum_investment", _("The amount is below the minimum investment")


# Reasons no confirmation can overcome.
PROHIBITING = frozenset({Reason.LOWEST_CATEGORY, Reason.PROFESSIONAL_ONLY})

PROFESSIONAL_CATEGORY = {
    ProfessionalClass.A: InvestorCategory.PROFESSIONAL_A,
    ProfessionalClass.B: InvestorCategory.PROFESSIONAL_B,
    ProfessionalClass.C: InvestorCategory.PROFESSIONAL_C,
}
PROFESSIONAL_CATEGORIES = frozenset(PROFESSIONAL_CATEGORY.values())


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
        horizon = HORIZON_ORDER.get(profile.invest_horizon)
        if horizon is None or HORIZON_ORDER[product.horizon] > horizon:
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
