"""Product sales: entered on the 360 page or imported, each with the suitability check behind
it; their fees feed the contribution metric."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.dates import stored_from_1900


class SaleChannel(models.TextChoices):
    BRANCH = "branch", _("At the branch")
    PHONE = "phone", _("By phone")
    ONLINE = "online", _("Online or app")
    VISIT = "visit", _("Visit")


class SaleSource(models.TextChoices):
    ENTERED = "entered", _("Entered")
    IMPORTED = "imported", _("Imported")


class ProductSale(models.Model):
    CUSTOMER_PATH = "customer"

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="product_sales",
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="sales",
        verbose_name=_("product"),
    )
    amount = models.DecimalField(
        _("amount"), max_digits=20, decimal_places=2, validators=[MinValueValidator(0)]
    )
    fee = models.DecimalField(
        _("fee income"),
        max_digits=20,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    sold_on = models.DateField(_("sold on"), db_index=True)
    staff = models.ForeignKey(
        "crm.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="product_sales",
        verbose_name=_("sold by"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=SaleChannel.choices)
    suitability_check = models.ForeignKey(
        "products.SuitabilityCheck",
        on_delete=models.PROTECT,
        related_name="sales",
        verbose_name=_("suitability check"),
    )
    source = models.CharField(
        _("source"), max_length=8, choices=SaleSource.choices, default=SaleSource.ENTERED
    )
    # The selling system's reference of an imported sale: importing a file twice adds
    # nothing twice.
    external_ref = models.CharField(_("reference"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-sold_on", "-id"]
        verbose_name = _("product sale")
        verbose_name_plural = _("product sales")
        indexes = [
            models.Index(fields=["customer", "-sold_on"], name="sale_customer_idx"),
            models.Index(fields=["product", "-sold_on"], name="sale_product_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="sale_external_ref_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(fee__gte=0), name="sale_amounts_not_negative"
            ),
            stored_from_1900("sold_on", name="sale_sold_on_from_1900"),
        ]

    def __str__(self) -> str:
        return f"{self.sold_on} {self.customer_id} {self.product_id} {self.amount}"
