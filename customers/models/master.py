"""Customer master data and accounts, as the trading counter knows them.

A customer belongs to a branch and is served by a manager: crm/scoping.py relies on both.
Master rows carry `as_of`, the business day they were last loaded from, so that a day that
arrives late never overwrites what a later day said.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.dates import stored_from_1900
from crm.models import Branch, Staff
from products.models import ProfessionalClass


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
    # Kept by the CRM, not the counter (whose import names only its own columns; hence the
    # database defaults): the lowest category inside C1, a professional's class, and a
    # professional's election to be treated as ordinary.
    lowest_category = models.BooleanField(
        _("lowest category"),
        default=False,
        db_default=False,
        help_text=_("最低类别: within C1; may buy nothing above R1, whatever they confirm."),
    )
    professional_class = models.CharField(
        _("professional class"),
        max_length=1,
        choices=ProfessionalClass.choices,
        blank=True,
        default="",
        db_default="",
    )
    treated_as_ordinary = models.BooleanField(
        _("treated as ordinary"),
        default=False,
        db_default=False,
        help_text=_("A professional investor who elected to be treated as an ordinary one."),
    )
    invest_horizon = models.CharField(_("investment horizon"), max_length=8, blank=True)
    invest_varieties = models.CharField(_("investment varieties"), max_length=200, blank=True)
    marketing_consent = models.BooleanField(_("marketing consent"), default=False)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    # The values of the custom fields (customers/models/custom.py), by key; the database's
    # own default too, for the import's INSERT that names only the counter's columns.
    custom_fields = models.JSONField(
        _("custom fields"),
        default=dict,
        blank=True,
        db_default=models.Value({}, models.JSONField()),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["cust_no"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [("reveal_pii", _("Can reveal ID numbers, mobiles and addresses"))]
        indexes = [
            models.Index(fields=["branch", "status"], name="customer_branch_status_idx"),
            models.Index(fields=["manager", "status"], name="customer_manager_status_idx"),
        ]
        constraints = [
            stored_from_1900("last_contact_at", name="customer_last_contact_from_1900", moment=True)
        ]

    def __str__(self) -> str:
        return f"{self.cust_no} {self.name}"


class AccountKind(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("account kind", "Normal")
    CREDIT = "credit", _("Credit (margin)")


class CapitalAccount(models.Model):
    """资金账户: the key of all money and positions."""

    CUSTOMER_PATH = "customer"

    fund_account = models.CharField(_("fund account"), max_length=32, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("customer")
    )
    account_kind = models.CharField(_("account kind"), max_length=8, choices=AccountKind.choices)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    open_date = models.DateField(_("account opened"))
    status = models.CharField(_("status"), max_length=1, choices=CustomerStatus.choices)
    as_of = models.DateField(_("as of"), null=True, blank=True)

    class Meta:
        ordering = ["fund_account"]
        verbose_name = _("capital account")
        verbose_name_plural = _("capital accounts")

    def __str__(self) -> str:
        return self.fund_account


class ShareholderAccount(models.Model):
    """股东账户: the exchange-side account a capital account trades through."""

    CUSTOMER_PATH = "account__customer"

    holder_account = models.CharField(_("shareholder account"), max_length=20, unique=True)
    account = models.ForeignKey(
        CapitalAccount,
        on_delete=models.PROTECT,
        related_name="holder_accounts",
        verbose_name=_("fund account"),
    )
    market = models.CharField(_("market"), max_length=2)
    open_date = models.DateField(_("account opened"), null=True, blank=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)

    class Meta:
        ordering = ["holder_account"]
        verbose_name = _("shareholder account")
        verbose_name_plural = _("shareholder accounts")

    def __str__(self) -> str:
        return self.holder_account
