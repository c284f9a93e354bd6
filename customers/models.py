"""Customer master data as the trading counter knows it.

Accounts, holdings, trades and money join here with the import; interactions with the 360 page.
A customer belongs to a branch and is served by a manager: crm/scoping.py relies on both.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Branch, Staff


class CustomerStatus(models.TextChoices):
    NORMAL = "0", _("Normal")
    FROZEN = "1", _("Frozen")
    REPORTED_LOST = "2", _("Reported lost")
    CLOSED = "3", _("Closed")
    DORMANT = "4", _("Dormant")


class CustomerType(models.TextChoices):
    INDIVIDUAL = "0", _("Individual")
    INSTITUTION = "1", _("Institution")


class RiskLevel(models.TextChoices):
    C1 = "C1", _("C1 conservative")
    C2 = "C2", _("C2 cautious")
    C3 = "C3", _("C3 balanced")
    C4 = "C4", _("C4 aggressive")
    C5 = "C5", _("C5 most aggressive")


class InvestorClass(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary investor")
    PROFESSIONAL = "professional", _("Professional investor")


class Customer(models.Model):
    CUSTOMER_PATH = ""

    cust_no = models.CharField(_("customer number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    cust_type = models.CharField(
        _("customer type"), max_length=1, choices=CustomerType.choices, default="0"
    )
    id_type = models.CharField(_("ID type"), max_length=4, blank=True)
    id_no = models.CharField(_("ID number"), max_length=32, blank=True)
    gender = models.CharField(_("gender"), max_length=1, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="customers", verbose_name=_("branch")
    )
    manager = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("manager"),
    )
    open_date = models.DateField(_("account opened"))
    status = models.CharField(
        _("status"), max_length=1, choices=CustomerStatus.choices, default="0", db_index=True
    )
    risk_level = models.CharField(
        _("risk level"), max_length=2, choices=RiskLevel.choices, blank=True
    )
    risk_assessed_on = models.DateField(_("risk assessed on"), null=True, blank=True)
    investor_class = models.CharField(
        _("investor class"), max_length=16, choices=InvestorClass.choices, blank=True
    )
    invest_horizon = models.CharField(_("investment horizon"), max_length=8, blank=True)
    invest_varieties = models.CharField(_("investment varieties"), max_length=200, blank=True)
    marketing_consent = models.BooleanField(_("marketing consent"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["cust_no"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["branch", "status"], name="customer_branch_status_idx"),
            models.Index(fields=["manager", "status"], name="customer_manager_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.cust_no} {self.name}"
