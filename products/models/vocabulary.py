"""The words suitability matches on, shared by customers (what they stated) and products
(what they are): risk, horizon and variety (风险等级、投资期限、投资品种)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProductRisk(models.TextChoices):
    R1 = "R1", _("R1 low risk")
    R2 = "R2", _("R2 medium-low risk")
    R3 = "R3", _("R3 medium risk")
    R4 = "R4", _("R4 medium-high risk")
    R5 = "R5", _("R5 high risk")


class InvestHorizon(models.TextChoices):
    """Ordered: a customer who can stay invested long may also buy what is short."""

    SHORT = "short", pgettext_lazy("investment horizon", "Short term")
    MEDIUM = "medium", pgettext_lazy("investment horizon", "Medium term")
    LONG = "long", pgettext_lazy("investment horizon", "Long term")


HORIZON_ORDER = {InvestHorizon.SHORT: 1, InvestHorizon.MEDIUM: 2, InvestHorizon.LONG: 3}


class InvestVariety(models.TextChoices):
    EQUITY = "equity", pgettext_lazy("investment variety", "Equities")
    FIXED_INCOME = "fixed_income", pgettext_lazy("investment variety", "Fixed income")
    FUND = "fund", pgettext_lazy("investment variety", "Funds")
    DERIVATIVE = "derivative", pgettext_lazy("investment variety", "Derivatives")
    COMPLEX = "complex", pgettext_lazy("investment variety", "Complex or high-risk products")


def varieties_of(text: str) -> list[str]:
    """A customer's stated varieties, stored as the counter sends them (`;`-separated)."""
    return [code.strip() for code in (text or "").split(";") if code.strip()]


class ProfessionalClass(models.TextChoices):
    A = "A", _("A: financial institutions and their products")
    B = "B", _("B: institutions and individuals meeting the asset and experience thresholds")
    C = "C", _("C: ordinary investors converted on application")
