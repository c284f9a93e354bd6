"""Suitability (适当性管理): the matching rules, shipped as the regulation's defaults and
edited in admin; the append-only record of every check and every confirmation of a special
risk warning; and applications to change an investor's class.

Checks and confirmations are only ever inserted. On PostgreSQL the database refuses UPDATE,
DELETE and TRUNCATE of them (migration 0005), as it does for the audit log.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .vocabulary import ProductRisk


class InvestorCategory(models.TextChoices):
    """Who a rule is for: an ordinary investor's risk category (the lowest category as its
    own mark inside C1), or a professional investor's class."""

    LOWEST = "lowest", _("Lowest category (within C1)")
    C1 = "C1", _("C1 conservative")
    C2 = "C2", _("C2 cautious")
    C3 = "C3", _("C3 balanced")
    C4 = "C4", _("C4 aggressive")
    C5 = "C5", _("C5 most aggressive")
    PROFESSIONAL_A = "pro_a", _("Professional investor, class A")
    PROFESSIONAL_B = "pro_b", _("Professional investor, class B")
    PROFESSIONAL_C = "pro_c", _("Professional investor, class C")


class SuitabilityRule(models.Model):
    """Whether a product of `product_risk` may be sold to investors of `category` on risk
    (horizon and variety are matched as well, by the check)."""

    category = models.CharField(
        _("investor category"), max_length=8, choices=InvestorCategory.choices
    )
    product_risk = models.CharField(
        _("product risk level"), max_length=2, choices=ProductRisk.choices
    )
    permitted = models.BooleanField(_("permitted"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["category", "product_risk"]
        verbose_name = _("suitability rule")
        verbose_name_plural = _("suitability rules")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "product_risk"], name="suitability_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} / {self.product_risk}"


class CheckResult(models.TextChoices):
    SUITABLE = "suitable", _("Suitable")
    MISMATCH = "mismatch", _("Mismatch")
    PROHIBITED = "prohibited", _("Prohibited")


class CheckPurpose(models.TextChoices):
    """Why a check was made: a product may be offered proactively only where it suits; a
    mismatch sale can only start from the customer's own request."""

    ENQUIRY = "enquiry", _("Staff enquiry")
    CUSTOMER_REQUEST = "customer_request", _("The customer's own request")
    RECOMMENDATION = "recommendation", _("Recommendation")
    SALE_IMPORT = "sale_import", _("Imported sale")


class AppendOnly(models.Model):
    """A row that is only ever inserted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{self._meta.verbose_name} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self._meta.verbose_name} rows are append-only.")


class SuitabilityCheck(AppendOnly):
    """One check of (customer, product): its result, every reason, and what the customer
    and the product were at that moment (they may change later; the record may not)."""

    CUSTOMER_PATH = "customer"

    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="suitability_checks",
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.PROTECT,
        related_name="checks",
        verbose_name=_("product"),
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=CheckPurpose.choices)
    result = models.CharField(_("result"), max_length=10, choices=CheckResult.choices)
    # Reason codes (products.suitability.Reason), in the order the check found them.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    category = models.CharField(
        _("investor category"), max_length=8, choices=InvestorCategory.choices, blank=True
    )
    customer_risk_level = models.CharField(_("customer risk level"), max_length=2, blank=True)
    assessed_on = models.DateField(_("risk assessed on"), null=True, blank=True)
    product_risk = models.CharField(_("product risk level"), max_length=2)
    amount = models.DecimalField(
        _("amount"), max_digits=20, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("suitability check")
        verbose_name_plural = _("suitability checks")
        indexes = [
            models.Index(fields=["customer", "-checked_at"], name="check_customer_idx"),
            models.Index(fields=["product", "-checked_at"], name="check_product_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.product_id} {self.result}"


class SuitabilityConfirmation(AppendOnly):
    """The customer's confirmation of a special risk warning after a mismatch: who recorded
    it, when, the exact text shown, and the recording where one was made."""

    suitability_check = models.OneToOneField(
        SuitabilityCheck,
        on_delete=models.PROTECT,
        related_name="confirmation",
        verbose_name=_("check"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    warning_text = models.TextField(_("warning shown"))
    recording_ref = models.CharField(
        _("recording reference"),
        max_length=200,
        blank=True,
        help_text=_("Where the audio or video recording of the confirmation is kept."),
    )

    class Meta:
        verbose_name = _("risk-warning confirmation")
        verbose_name_plural = _("risk-warning confirmations")

    def __str__(self) -> str:
        return f"{self.suitability_check_id} {self.confirmed_at:%Y-%m-%d}"


class ApplicationDirection(models.TextChoices):
    TO_PROFESSIONAL = "to_professional", _("Ordinary to professional")
    TO_ORDINARY = "to_ordinary", _("Professional to ordinary")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)


class ProfessionalApplication(models.Model):
    """An application to convert an ordinary investor to professional (class C, on the
    evidence of assets, income and experience) or back."""

    CUSTOMER_PATH = "customer"

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="professional_applications",
        verbose_name=_("customer"),
    )
    direction = models.CharField(
        _("direction"), max_length=16, choices=ApplicationDirection.choices
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    financial_assets = models.DecimalField(
        _("financial assets"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    annual_income = models.DecimalField(
        _("average annual income (last 3 years)"),
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
    )
    experience_years = models.PositiveSmallIntegerField(
        _("years of investment experience"), null=True, blank=True
    )
    evidence = models.TextField(_("evidence"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("investor-class application")
        verbose_name_plural = _("investor-class applications")
        constraints = [
            # One open application per customer at a time.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status__in=OPEN_APPLICATION_STATUSES),
                name="application_one_open_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.get_direction_display()} {self.status}"


class ApplicationStep(AppendOnly):
    """One step of an application: submitted, review started, approved, rejected, a note."""

    application = models.ForeignKey(
        ProfessionalApplication,
        on_delete=models.PROTECT,
        related_name="steps",
        verbose_name=_("application"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("step"), max_length=16)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"
