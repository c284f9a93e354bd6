"""Customer lists: the current figures every list filters on, and the views users save."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .master import Customer


class CustomerFigures(models.Model):
    """A customer's figures as of the latest loaded business day, refreshed set-based by
    the import (customers.services.customer_figures_refresh), so that lists filter and sort
    on them without touching years of daily facts."""

    CUSTOMER_PATH = "customer"

    customer = models.OneToOneField(
        Customer,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="figures",
        verbose_name=_("customer"),
    )
    # Indexed: "the latest business day" is read on every list request with a holdings filter.
    as_of = models.DateField(_("as of"), db_index=True)
    cash = models.DecimalField(_("cash"), max_digits=20, decimal_places=2, db_index=True)
    market_value = models.DecimalField(_("market value"), max_digits=20, decimal_places=2)
    liabilities = models.DecimalField(_("liabilities"), max_digits=20, decimal_places=2)
    total_assets = models.DecimalField(
        _("total assets"), max_digits=20, decimal_places=2, db_index=True
    )
    net_assets = models.DecimalField(_("net assets"), max_digits=20, decimal_places=2)
    position_ratio = models.DecimalField(
        _("position ratio"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Market value over total assets."),
    )
    last_trade_date = models.DateField(_("last trade"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("customer figures")
        verbose_name_plural = _("customer figures")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.as_of} {self.total_assets}"


class SavedView(models.Model):
    """A named set of customer-list filters, private or shared with the owner's team."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters"), max_length=2000)
    shared_with_team = models.BooleanField(_("shared with my team"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="savedview_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
