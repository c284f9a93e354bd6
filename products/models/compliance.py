"""The nightly suitability step's own rows: each run's record, the customers it currently
flags (holdings above their risk level, a risk assessment expiring or expired) and the
figures a product's target list ranks on. Written only by products/services/compliance.py.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplianceRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ComplianceRun(models.Model):
    """One run of the nightly suitability step: when, on which business day, what it found."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    today = models.DateField(_("run for"))
    business_day = models.DateField(_("positions of"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=ComplianceRunStatus.choices,
        default=ComplianceRunStatus.RUNNING,
    )
    over_risk = models.PositiveIntegerField(_("holding above their risk level"), default=0)
    assessment = models.PositiveIntegerField(_("assessment expiring or expired"), default=0)
    flagged = models.PositiveIntegerField(_("newly flagged"), default=0)
    cleared = models.PositiveIntegerField(_("cleared"), default=0)
    tasks_created = models.PositiveIntegerField(_("tasks created"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("compliance run")
        verbose_name_plural = _("compliance runs")

    def __str__(self) -> str:
        return f"{self.today} {self.status}"


class FlagKind(models.TextChoices):
    OVER_RISK = "over_risk", _("Holds products above the customer's risk level")
    ASSESSMENT = "assessment", _("Risk assessment expiring, expired or missing")


class ComplianceFlag(models.Model):
    """A condition that holds for a customer now. `key` names the customer and the condition
    ("suitability:over_risk:<id>", "suitability:assessment:<id>:<assessed on>"); the task it
    gives the manager carries it as its source. A flag lives while its condition holds: the
    run that finds it cleared deletes it, and if it returns it is a new flag with a new task."""

    CUSTOMER_PATH = "customer"

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="compliance_flags",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("reason"), max_length=12, choices=FlagKind.choices)
    key = models.CharField(_("key"), max_length=100, unique=True)
    flagged_at = models.DateTimeField(_("flagged"))

    class Meta:
        ordering = ["kind", "customer_id"]
        verbose_name = _("compliance flag")
        verbose_name_plural = _("compliance flags")
        indexes = [models.Index(fields=["kind", "customer"], name="flag_kind_customer_idx")]

    def __str__(self) -> str:
        return self.key


class TargetBasis(models.Model):
    """What a target list ranks a customer on besides the current figures: the net bank
    inflow of the 30 days up to the latest business day, refreshed by the nightly step
    (summing a month of cash flows for every candidate would not fit in a page request)."""

    CUSTOMER_PATH = "customer"

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="target_basis",
        verbose_name=_("customer"),
    )
    as_of = models.DateField(_("as of"))
    net_inflow_30d = models.DecimalField(
        _("net inflow, 30 days"), max_digits=20, decimal_places=2, default=0
    )

    class Meta:
        verbose_name = _("target-list basis")
        verbose_name_plural = _("target-list bases")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.as_of} {self.net_inflow_30d}"
