"""Campaigns: what is said to whom, through which channel, approved by whom, and the
customers it reaches (recipients) or deliberately does not (the holdout group).

A campaign is planned as a draft, submitted, approved by head office and then sent by the
dispatcher (marketing/services/sending.py); any edit of an approved campaign raises its
version and sends it back for approval. Targets are segments, a product's target list or
an uploaded list of customer numbers; the exclusions are fields here, and the one that
cannot be switched off (a product's suitability) has no field at all.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import Branch, Staff
from customers.models import Customer
from products.models import Product

from .segments import CUSTOMER, Segment

__all__ = [
    "EDITABLE_STATUSES",
    "MESSAGE_CHANNELS",
    "RUNNING_STATUSES",
    "Campaign",
    "CampaignApproval",
    "CampaignChannel",
    "CampaignMessage",
    "CampaignStatus",
    "CampaignTarget",
    "CampaignUpload",
    "MessageTemplate",
    "Recipient",
    "RecipientGroup",
    "TargetKind",
]


class CampaignChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    CALL = "call", _("Call list")
    EVENT = "event", _("Event invitation")
    GIFT = "gift", _("Gift")


# The channels whose messages go out through a gateway (marketing/channels/), as opposed to
# those that staff carry out (a call, an invitation handed over, a gift given).
MESSAGE_CHANNELS = (CampaignChannel.SMS, CampaignChannel.EMAIL)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    RUNNING = "running", pgettext_lazy("campaign status", "Running")
    PAUSED = "paused", _("Paused")
    FINISHED = "finished", pgettext_lazy("campaign status", "Finished")
    CANCELLED = "cancelled", pgettext_lazy("campaign status", "Cancelled")


# A campaign whose recipients count as "in a running campaign" for other campaigns'
# exclusion, and whose sends the dispatcher may pick up (not while paused).
RUNNING_STATUSES = (CampaignStatus.APPROVED, CampaignStatus.RUNNING, CampaignStatus.PAUSED)
# The css class of each status's badge (the others: a plain badge).
STATUS_BADGES = {
    CampaignStatus.APPROVED: "badge-running",
    CampaignStatus.RUNNING: "badge-running",
    CampaignStatus.PENDING: "badge-overdue",
    CampaignStatus.FINISHED: "badge-loaded",
    CampaignStatus.CANCELLED: "badge-refused",
}
# The statuses in which the campaign's plan may still be edited (an edit of an approved
# campaign sends it back for approval; a finished or cancelled one is history).
EDITABLE_STATUSES = (
    CampaignStatus.DRAFT,
    CampaignStatus.PENDING,
    CampaignStatus.APPROVED,
    CampaignStatus.RUNNING,
    CampaignStatus.PAUSED,
)


class MessageTemplate(models.Model):
    """A message with merge fields ({name}, {manager}, {product}, …; marketing/messages.py
    knows them and refuses any other on save). An SMS always ends with the opt-out
    wording, appended when it is rendered, so that no template can leave it out."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    channel = models.CharField(
        pgettext_lazy("message", "channel"),
        max_length=8,
        choices=[(CampaignChannel.SMS, _("SMS")), (CampaignChannel.EMAIL, _("E-mail"))],
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    goal = models.TextField(_("goal"))
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("product"),
        help_text=_("A product campaign never reaches a customer the product does not suit."),
    )
    owner = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("owner")
    )
    branches = models.ManyToManyField(
        Branch,
        blank=True,
        related_name="campaigns",
        verbose_name=_("branches"),
        help_text=_("Empty: every branch in the owner's scope."),
    )
    starts_at = models.DateTimeField(_("sending starts"))
    ends_on = models.DateField(_("ends on"))
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, default=0)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CampaignStatus.choices,
        default=CampaignStatus.DRAFT,
        db_index=True,
    )
    # The exclusions that may be switched off (a product's suitability may not).
    require_consent = models.BooleanField(_("only customers with marketing consent"), default=True)
    contact_window_days = models.PositiveIntegerField(
        _("skip customers contacted within (days)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(365)],
    )
    exclude_other_campaigns = models.BooleanField(
        _("skip customers in another running campaign"), default=True
    )
    apply_frequency_cap = models.BooleanField(_("respect the weekly message limit"), default=True)
    holdout_percent = models.DecimalField(
        _("holdout group (%)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("5.0"),
        validators=[MinValueValidator(0), MaxValueValidator(50)],
        help_text=_("A random share of the eligible customers, never contacted, to measure lift."),
    )
    # Conversion (marketing/services/results.py documents the attribution).
    conversion_days = models.PositiveIntegerField(
        _("conversion window (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    inflow_threshold = models.DecimalField(
        _("net inflow that counts as a conversion"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("50000"),
    )
    # Each edit raises the version; an approval is of one version.
    version = models.PositiveIntegerField(_("version"), default=1)
    approved_version = models.PositiveIntegerField(_("approved version"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    # The targeting funnel as it stood at approval: [[step code, customers left], …].
    funnel = models.JSONField(_("targeting"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        permissions = [("approve_campaign", _("Can approve campaigns"))]

    def __str__(self) -> str:
        return self.name

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def is_approved(self) -> bool:
        return self.approved_version is not None and self.approved_version == self.version

    @property
    def status_badge(self) -> str:
        """The css class of the status's badge: running ones stand out, waiting ones warn,
        refused or finished ones are quiet ("" for a plain badge)."""
        return STATUS_BADGES.get(self.status, "")

    @property
    def contact_from(self) -> datetime.datetime | None:
        """The earliest moment the campaign could contact anybody: its approval, or its
        start when later (None before any approval). No contact is logged before it."""
        if self.approved_at is None:
            return None
        return max(self.approved_at, self.starts_at)


class CampaignApproval(models.Model):
    """Each decision on a version of a campaign (approve or send back), with the approver."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("campaign")
    )
    version = models.PositiveIntegerField(_("version"))
    approved = models.BooleanField(_("approved"))
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("campaign approval")
        verbose_name_plural = _("campaign approvals")

    def __str__(self) -> str:
        return f"{self.campaign_id} v{self.version}"


class CampaignMessage(models.Model):
    """What one channel of a campaign carries: the template of an SMS, e-mail or event
    invitation (sent by SMS), the gift handed over, the script of the managers' calls."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="messages", verbose_name=_("campaign")
    )
    channel = models.CharField(
        pgettext_lazy("message", "channel"), max_length=8, choices=CampaignChannel.choices
    )
    template = models.ForeignKey(
        MessageTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message template"),
    )
    gift = models.ForeignKey(
        "marketing.Gift",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gift"),
    )
    script = models.TextField(_("what to say"), blank=True)
    event_name = models.CharField(_("event"), max_length=100, blank=True)
    event_at = models.DateTimeField(_("event time"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)

    class Meta:
        ordering = ["campaign", "channel"]
        verbose_name = _("campaign channel")
        verbose_name_plural = _("campaign channels")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "channel"], name="campaignmessage_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.channel}"


class TargetKind(models.TextChoices):
    SEGMENT = "segment", _("Segment")
    PRODUCT = "product", _("Product target list")
    UPLOAD = "upload", _("Uploaded list")


class CampaignTarget(models.Model):
    """One source of a campaign's targets; the targets are the union of its sources."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="targets", verbose_name=_("campaign")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=TargetKind.choices)
    segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segment"),
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    upload = models.OneToOneField(
        "marketing.CampaignUpload",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="target",
        verbose_name=_("uploaded list"),
    )

    class Meta:
        ordering = ["campaign", "id"]
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.kind}"


class CampaignUpload(models.Model):
    """An uploaded list of customer numbers: the customers it matched (`customers`), and
    its report: the numbers that matched nobody and those outside the owner's scope."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="uploads", verbose_name=_("campaign")
    )
    file_name = models.CharField(_("file"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    numbers = models.PositiveIntegerField(_("numbers in the file"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.JSONField(_("numbers that matched no customer"), default=list)
    out_of_scope = models.JSONField(_("numbers outside the owner's scope"), default=list)
    customers = models.ManyToManyField(
        Customer, related_name="+", blank=True, verbose_name=_("customers")
    )

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("uploaded target list")
        verbose_name_plural = _("uploaded target lists")

    def __str__(self) -> str:
        return self.file_name


class RecipientGroup(models.TextChoices):
    CONTACT = "contact", _("Contacted group")
    HOLDOUT = "holdout", _("Holdout group")


class Recipient(models.Model):
    """A customer the approved campaign targets, in the contacted or the holdout group
    (drawn at the first approval and never redrawn), with what became of the contact."""

    CUSTOMER_PATH = "customer"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("campaign")
    )
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), **CUSTOMER)
    group = models.CharField(_("group"), max_length=8, choices=RecipientGroup.choices)
    added_at = models.DateTimeField(_("added"))
    contacted_at = models.DateTimeField(_("contacted"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    opted_out_at = models.DateTimeField(_("opted out"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "customer"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="recipient_once")
        ]
        indexes = [
            models.Index(fields=["customer", "campaign"], name="recipient_customer_idx"),
            models.Index(fields=["campaign", "group"], name="recipient_group_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.customer_id}"

    @property
    def is_holdout(self) -> bool:
        """In the holdout group: never contacted, the baseline of the campaign's lift."""
        return self.group == RecipientGroup.HOLDOUT
