"""Outreach: every message, call, invitation and gift a campaign sends to one customer (a
send), what the gateway said back about it (receipts), what the customer answered
(replies), and the customers who opted out of marketing, with the proof.

A send is claimed in the database before its gateway is called, and never claimed twice:
marketing/services/sending.py says how a worker killed mid-batch is followed by one that
sends the rest and nothing twice.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import Staff
from customers.models import Customer, Interaction, Task

from .campaigns import Campaign, CampaignChannel, Recipient
from .segments import CUSTOMER

__all__ = [
    "CallOutcome",
    "DeliveryReceipt",
    "InboundReply",
    "MarketingOptOut",
    "OptOutSource",
    "Send",
    "SendEvent",
    "SendStatus",
]


class SendStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    CLAIMED = "claimed", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    DONE = "done", pgettext_lazy("call list entry", "Done")


class CallOutcome(models.TextChoices):
    INTERESTED = "interested", _("Reached, interested")
    NOT_INTERESTED = "not_interested", _("Reached, not interested")
    CALL_BACK = "call_back", _("Call back later")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    ACCEPTED = "accepted", _("Accepted the invitation")
    DECLINED = "declined", _("Declined the invitation")
    ATTENDED = "attended", _("Attended the event")
    GIVEN = "given", _("Gift handed over")


class Send(models.Model):
    """One customer's message on one channel of a campaign: due at a time, claimed by a
    sender (claim token and time), sent with the gateway's message id, then delivered or
    failed by its receipts; a call-list entry or gift is done by the member of staff."""

    CUSTOMER_PATH = "customer"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="sends", verbose_name=_("campaign")
    )
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="sends", verbose_name=_("recipient")
    )
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), **CUSTOMER)
    channel = models.CharField(
        pgettext_lazy("message", "channel"), max_length=8, choices=CampaignChannel.choices
    )
    # The mobile or e-mail address it goes to; empty for calls and gifts (the staff's work).
    address = models.CharField(_("address"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SendStatus.choices, default=SendStatus.QUEUED
    )
    due_at = models.DateTimeField(_("due"))
    claim = models.UUIDField(_("claim"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    segments = models.PositiveSmallIntegerField(_("billed segments"), default=0)
    provider_id = models.CharField(_("gateway message id"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Calls, invitations and gifts: who carries it out, their task and what came of it.
    assignee = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    interaction = models.ForeignKey(
        Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices, blank=True)

    class Meta:
        ordering = ["campaign", "id"]
        verbose_name = _("send")
        verbose_name_plural = _("sends")
        constraints = [
            # De-duplicated per customer and per mobile (or e-mail) within a campaign.
            models.UniqueConstraint(fields=["recipient", "channel"], name="send_once"),
            models.UniqueConstraint(
                fields=["campaign", "channel", "address"],
                condition=~models.Q(address=""),
                name="send_address_once",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="send_due_idx"),
            models.Index(fields=["campaign", "status"], name="send_campaign_status_idx"),
            models.Index(fields=["customer", "sent_at"], name="send_customer_sent_idx"),
            models.Index(fields=["provider_id"], name="send_provider_idx"),
            models.Index(fields=["assignee", "status"], name="send_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.channel} {self.customer_id}"


class SendEvent(models.Model):
    """The history of one send: queued, claimed, sent, delivered, failed, replied,
    converted, opted out, skipped, with the time and what was said."""

    CUSTOMER_PATH = "send__customer"

    send = models.ForeignKey(
        Send, on_delete=models.CASCADE, related_name="events", verbose_name=_("send")
    )
    kind = models.CharField(_("what happened"), max_length=16)
    at = models.DateTimeField(_("at"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["send", "at", "id"]
        verbose_name = _("send event")
        verbose_name_plural = _("send events")
        indexes = [models.Index(fields=["send", "at"], name="sendevent_send_idx")]

    def __str__(self) -> str:
        return f"{self.send_id} {self.kind}"


class DeliveryReceipt(models.Model):
    """A delivery receipt as the gateway posted it, kept once per message and status
    (gateways post late, in batches and more than once)."""

    provider_id = models.CharField(_("gateway message id"), max_length=64)
    status = models.CharField(_("status"), max_length=16)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reported_at = models.DateTimeField(_("reported"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    send = models.ForeignKey(
        Send, on_delete=models.SET_NULL, null=True, blank=True, related_name="receipts"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("delivery receipt")
        verbose_name_plural = _("delivery receipts")
        constraints = [
            models.UniqueConstraint(fields=["provider_id", "status"], name="receipt_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.status}"


class InboundReply(models.Model):
    """A customer's reply to a message (the gateway's uplink), kept once per gateway id,
    matched to the latest send to that mobile."""

    CUSTOMER_PATH = "customer"

    provider_id = models.CharField(_("gateway reply id"), max_length=64, unique=True)
    mobile = models.CharField(_("mobile"), max_length=20, db_index=True)
    text = models.CharField(_("text"), max_length=500)
    replied_at = models.DateTimeField(_("replied"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, verbose_name=_("customer"), **CUSTOMER
    )
    send = models.ForeignKey(
        Send, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    opt_out = models.BooleanField(_("opt-out"), default=False)

    class Meta:
        ordering = ["-replied_at", "-id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.mobile} {self.text[:20]}"


class OptOutSource(models.TextChoices):
    REPLY = "reply", _("Replied to a message")
    STAFF = "staff", _("Told a member of staff")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribed from an e-mail")


class MarketingOptOut(models.Model):
    """A customer's refusal of marketing, everywhere and on every channel, with its proof
    (the reply's text and time, or who recorded what the customer said)."""

    CUSTOMER_PATH = "customer"

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), **CUSTOMER)
    at = models.DateTimeField(_("opted out"))
    source = models.CharField(_("how"), max_length=12, choices=OptOutSource.choices)
    proof = models.CharField(_("proof"), max_length=500)
    reply = models.ForeignKey(
        InboundReply, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("marketing opt-out")
        verbose_name_plural = _("marketing opt-outs")
        indexes = [models.Index(fields=["customer"], name="optout_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.at:%Y-%m-%d}"
