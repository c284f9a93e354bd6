"""Segments: rule trees over customers, their members and the history of who joined and left.

A dynamic segment's rule is a JSON tree (marketing/segments/tree.py says its shape) compiled
to one set-based query; a static one is a list of customers, uploaded or frozen from a dynamic
one. Members are kept as rows, and every evaluation writes only the difference: who joined
and who left, with the day, so that "who entered this week" is a query.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Customer

__all__ = [
    "EvaluationTrigger",
    "Segment",
    "SegmentChange",
    "SegmentEvaluation",
    "SegmentKind",
    "SegmentMember",
    "SegmentUpload",
]

# Membership rows point at customers without database constraints: millions of them are
# written set-based by the nightly step, and a customer is never deleted while the CRM runs.
CUSTOMER: dict[str, Any] = {
    "on_delete": models.DO_NOTHING,
    "db_constraint": False,
    "related_name": "+",
}


class SegmentKind(models.TextChoices):
    DYNAMIC = "dynamic", _("Dynamic (by rule)")
    STATIC = "static", _("Static (a fixed list)")


class Segment(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=8, choices=SegmentKind.choices, default=SegmentKind.DYNAMIC
    )
    rule = models.JSONField(_("rule"), default=dict, blank=True)
    active = models.BooleanField(
        pgettext_lazy("segment", "active"),
        default=True,
        help_text=_("Inactive segments are not evaluated nightly."),
    )
    # A static segment frozen from a dynamic one: which, and as of which day.
    frozen_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="snapshots",
        verbose_name=_("snapshot of"),
    )
    frozen_on = models.DateField(_("snapshot date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The last evaluation, as its page shows it: when, how many, and what went wrong if the
    # last attempt failed (the members are then those of the last success).
    evaluated_at = models.DateTimeField(_("last evaluated"), null=True, blank=True)
    members_count = models.PositiveIntegerField(_("members"), default=0)
    failed_at = models.DateTimeField(_("last failed"), null=True, blank=True)
    failure = models.TextField(_("failure"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name

    @property
    def is_dynamic(self) -> bool:
        return self.kind == SegmentKind.DYNAMIC


class SegmentMember(models.Model):
    """A customer in a segment now, since the day they joined."""

    CUSTOMER_PATH = "customer"

    pk = models.CompositePrimaryKey("segment", "customer")
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="members", verbose_name=_("segment")
    )
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), **CUSTOMER)
    joined_on = models.DateField(_("joined on"))

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        indexes = [models.Index(fields=["customer"], name="segmentmember_customer_idx")]

    def __str__(self) -> str:
        return f"{self.segment_id} {self.customer_id}"


class SegmentChange(models.Model):
    """One customer joining or leaving a segment on a day."""

    CUSTOMER_PATH = "customer"

    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="changes", verbose_name=_("segment")
    )
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), **CUSTOMER)
    day = models.DateField(_("day"))
    joined = models.BooleanField(
        _("joined"), help_text=_("Joined the segment that day; otherwise left it.")
    )

    class Meta:
        verbose_name = _("segment change")
        verbose_name_plural = _("segment changes")
        indexes = [
            models.Index(fields=["segment", "day"], name="segmentchange_day_idx"),
            models.Index(fields=["customer", "day"], name="segmentchange_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.segment_id} {self.customer_id} {self.joined}"


class EvaluationTrigger(models.TextChoices):
    NIGHTLY = "nightly", _("Nightly")
    ON_DEMAND = "demand", _("On demand")
    UPLOAD = "upload", _("Upload")
    SNAPSHOT = "snapshot", _("Snapshot")


class SegmentEvaluation(models.Model):
    """The log of every evaluation: when, how long, the members after it, who joined and
    left, or the error that stopped it (the members then stay as they were)."""

    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("segment")
    )
    day = models.DateField(_("day"))
    trigger = models.CharField(_("started by"), max_length=8, choices=EvaluationTrigger.choices)
    started_at = models.DateTimeField(_("started"))
    seconds = models.FloatField(_("seconds"), default=0)
    members = models.PositiveIntegerField(_("members"), default=0)
    joined = models.PositiveIntegerField(pgettext_lazy("customers who", "joined"), default=0)
    left = models.PositiveIntegerField(pgettext_lazy("customers who", "left"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("segment evaluation")
        verbose_name_plural = _("segment evaluations")
        indexes = [models.Index(fields=["segment", "day"], name="segmenteval_day_idx")]

    def __str__(self) -> str:
        return f"{self.segment_id} {self.started_at:%Y-%m-%d %H:%M}"


class SegmentUpload(models.Model):
    """A list of customer numbers uploaded into a static segment, with the numbers that
    matched no customer (or none the uploader may see), kept as the upload's report."""

    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="uploads", verbose_name=_("segment")
    )
    file_name = models.CharField(_("file"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    numbers = models.PositiveIntegerField(_("numbers in the file"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.JSONField(_("numbers that matched no customer"), default=list)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("segment upload")
        verbose_name_plural = _("segment uploads")

    def __str__(self) -> str:
        return self.file_name
