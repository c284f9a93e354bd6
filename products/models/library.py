"""The product library: what the brokerage sells or gives access to, with the risk level,
horizon and variety that suitability matches against the customer's profile."""

import datetime

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .securities import Security
from .vocabulary import InvestHorizon, InvestVariety, ProductRisk


class ProductKind(models.TextChoices):
    PUBLIC_FUND = "public_fund", _("Public fund")
    PRIVATE_FUND = "private_fund", _("Private fund")
    BOND = "bond", _("Bond")
    ASSET_MANAGEMENT = "asset_management", _("Asset-management plan")
    STRUCTURED_NOTE = "structured_note", _("Structured note")
    WEALTH = "wealth", _("Wealth-management product")
    MARGIN_SERVICE = "margin_service", _("Margin trading and securities lending")
    STAR_MARKET = "star_market", _("STAR Market access")
    CHINEXT = "chinext", _("ChiNext access")


SERVICE_KINDS = (ProductKind.MARGIN_SERVICE, ProductKind.STAR_MARKET, ProductKind.CHINEXT)


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ON_SALE = "on_sale", _("On sale")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class Product(models.Model):
    code = models.CharField(_("product code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ProductKind.choices)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=ProductRisk.choices)
    horizon = models.CharField(_("investment horizon"), max_length=8, choices=InvestHorizon.choices)
    variety = models.CharField(
        _("investment variety"), max_length=16, choices=InvestVariety.choices
    )
    minimum_investment = models.DecimalField(
        _("minimum investment"),
        max_digits=20,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    sale_starts_on = models.DateField(_("sale starts on"), null=True, blank=True)
    sale_ends_on = models.DateField(_("sale ends on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    fee_rate = models.DecimalField(
        _("sales-fee rate"),
        max_digits=7,
        decimal_places=6,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("The share of the amount sold that the brokerage earns, e.g. 0.012 for 1.2%."),
    )
    professional_only = models.BooleanField(
        _("professional investors only"),
        default=False,
        help_text=_("Only professional investors (not treated as ordinary) may buy it."),
    )
    # The listed security this product is, where one exists (a listed fund, a bond): linked
    # by code when either arrives, so that holdings show the product's risk level.
    security = models.OneToOneField(
        Security,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="product",
        verbose_name=_("security"),
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(fields=["status", "risk_level"], name="product_status_risk_idx"),
            models.Index(fields=["kind", "status"], name="product_kind_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sale_ends_on__isnull=True)
                | Q(sale_starts_on__isnull=True)
                | Q(sale_ends_on__gte=models.F("sale_starts_on")),
                name="product_sale_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(minimum_investment__gte=0) & Q(fee_rate__gte=0),
                name="product_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def on_sale(self, day: datetime.date) -> bool:
        """On sale and inside its sale window on `day`."""
        return (
            self.status == ProductStatus.ON_SALE
            and (self.sale_starts_on is None or self.sale_starts_on <= day)
            and (self.sale_ends_on is None or day <= self.sale_ends_on)
        )
