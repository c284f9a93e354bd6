"""The relationship itself: contacts logged with customers, service requests and complaints,
and the tasks on each member of staff's workbench."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.dates import stored_from_1900
from crm.models import Staff

from .master import Customer


class InteractionChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    MEETING = "meeting", _("Meeting")


class Direction(models.TextChoices):
    OUTBOUND = "out", _("Outbound")
    INBOUND = "in", _("Inbound")


class Interaction(models.Model):
    """One contact with a customer, as the member of staff logged it."""

    CUSTOMER_PATH = "customer"

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="interactions",
        verbose_name=_("customer"),
    )
    staff = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        related_name="interactions",
        verbose_name=_("logged by"),
    )
    channel = models.CharField(
        _("contact channel"), max_length=10, choices=InteractionChannel.choices
    )
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.OUTBOUND
    )
    occurred_at = models.DateTimeField(_("when"))
    content = models.TextField(_("content"))
    result = models.CharField(_("result"), max_length=200, blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_customer_idx")
        ]
        constraints = [
            stored_from_1900("occurred_at", name="interaction_occurred_from_1900", moment=True),
            stored_from_1900("follow_up_on", name="interaction_follow_up_from_1900"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.get_channel_display()} {self.customer_id}"


class ServiceRequestType(models.Model):
    """A kind of request and the time the brokerage promises to resolve it in (admin-edited)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sla_hours = models.PositiveIntegerField(_("resolve within (hours)"))
    is_complaint = models.BooleanField(_("complaint"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service request type")
        verbose_name_plural = _("service request types")

    def __str__(self) -> str:
        return self.name

    def due_from(self, opened_at: datetime.datetime) -> datetime.datetime:
        return opened_at + datetime.timedelta(hours=self.sla_hours)


class ServiceRequestStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("service request status", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", pgettext_lazy("service request status", "Closed")


# The workflow: which status may follow which.
SERVICE_REQUEST_FLOW: dict[str, tuple[ServiceRequestStatus, ...]] = {
    ServiceRequestStatus.OPEN: (ServiceRequestStatus.IN_PROGRESS, ServiceRequestStatus.RESOLVED),
    ServiceRequestStatus.IN_PROGRESS: (ServiceRequestStatus.RESOLVED,),
    ServiceRequestStatus.RESOLVED: (ServiceRequestStatus.CLOSED, ServiceRequestStatus.IN_PROGRESS),
    ServiceRequestStatus.CLOSED: (),
}
OPEN_STATUSES = (ServiceRequestStatus.OPEN, ServiceRequestStatus.IN_PROGRESS)


class ServiceRequest(models.Model):
    CUSTOMER_PATH = "customer"

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="service_requests",
        verbose_name=_("customer"),
    )
    request_type = models.ForeignKey(
        ServiceRequestType, on_delete=models.PROTECT, verbose_name=_("type")
    )
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ServiceRequestStatus.choices,
        default=ServiceRequestStatus.OPEN,
    )
    assignee = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("assignee"),
    )
    opened_at = models.DateTimeField(_("opened"))
    due_at = models.DateTimeField(_("due"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        indexes = [
            models.Index(fields=["status", "due_at"], name="servicerequest_due_idx"),
            models.Index(fields=["customer", "status"], name="servicerequest_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.request_type} {self.customer_id}"


class TaskKind(models.TextChoices):
    FOLLOW_UP = "follow_up", _("Follow-up")
    SERVICE_REQUEST = "service_request", _("Service request")
    SERVICE_LIST = "service_list", _("Service list")
    CAMPAIGN = "campaign", _("Campaign")
    COMPLIANCE = "compliance", _("Compliance")
    OTHER = "other", _("Other")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Task(models.Model):
    """A piece of work on someone's workbench, usually about one customer."""

    CUSTOMER_PATH = "customer"

    assignee = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("assignee")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TaskKind.choices)
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    source = models.CharField(
        _("source"),
        max_length=100,
        blank=True,
        help_text=_("What created the task, e.g. interaction:42 or campaign:7."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["assignee", "status", "due_on"], name="task_assignee_idx"),
            models.Index(fields=["customer", "status"], name="task_customer_idx"),
        ]
        constraints = [stored_from_1900("due_on", name="task_due_from_1900")]

    def __str__(self) -> str:
        return self.title
