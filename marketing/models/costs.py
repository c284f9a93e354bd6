"""What campaigns cost: the gift catalogue with its stock, the gifts given to customers
(with or without a campaign; shown on the 360 page) and a campaign's event expenses.
Messages' own cost (billed SMS segments) is counted from the sends, not entered here."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Staff
from customers.models import Customer

from .campaigns import Campaign

__all__ = ["CampaignExpense", "ExpenseKind", "Gift", "GiftGiven"]


class Gift(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=10, decimal_places=2)
    stock = models.PositiveIntegerField(_("in stock"), default=0)
    active = models.BooleanField(_("available"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")

    def __str__(self) -> str:
        return self.name


class GiftGiven(models.Model):
    """A gift handed to a customer, at the unit cost of that day (a later price change
    does not rewrite what a campaign spent)."""

    CUSTOMER_PATH = "customer"

    gift = models.ForeignKey(
        Gift, on_delete=models.PROTECT, related_name="given", verbose_name=_("gift")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="gifts", verbose_name=_("customer")
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gifts",
        verbose_name=_("campaign"),
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=10, decimal_places=2)
    given_on = models.DateField(_("given on"))
    given_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("given by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("gift given")
        verbose_name_plural = _("gifts given")
        indexes = [models.Index(fields=["customer", "-given_on"], name="giftgiven_customer_idx")]

    def __str__(self) -> str:
        return f"{self.gift_id} {self.customer_id}"

    @property
    def cost(self):
        return self.unit_cost * self.quantity


class ExpenseKind(models.TextChoices):
    VENUE = "venue", _("Venue")
    MATERIALS = "materials", _("Materials")
    CATERING = "catering", _("Catering")
    SPEAKER = "speaker", _("Speaker")
    OTHER = "other", _("Other")


class CampaignExpense(models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="expenses", verbose_name=_("campaign")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ExpenseKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    spent_on = models.DateField(_("spent on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-spent_on", "-id"]
        verbose_name = _("campaign expense")
        verbose_name_plural = _("campaign expenses")

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.kind} {self.amount}"
