"""Organisation (branches, teams, staff and their roles) and the append-only audit log.

Branch and staff codes are the trading counter's natural keys: the nightly import upserts
on them. Who may see which customer is decided in crm/scoping.py, which pages a role opens
in crm/roles.py, not here.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Branch(models.Model):
    code = models.CharField(_("branch code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=100, blank=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Team(models.Model):
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="teams", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["branch__code", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="team_unique_name_in_branch")
        ]

    def __str__(self) -> str:
        return f"{self.branch.code} {self.name}"


class Role(models.TextChoices):
    BROKER = "broker", _("Broker")
    CUSTOMER_MANAGER = "customer_manager", _("Customer manager")
    TEAM_LEAD = "team_lead", _("Team lead")
    BRANCH_MANAGER = "branch_manager", _("Branch manager")
    HEAD_OFFICE = "head_office", _("Head office")
    ADMIN = "admin", _("Administrator")


class Staff(models.Model):
    """A member of staff. The login user is optional: staff.csv knows brokers who never log in."""

    staff_code = models.CharField(_("staff code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("login user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.BROKER)
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("branch"),
        help_text=_("Empty for head office and administrators."),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("team"),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Staff who left see no customers.")
    )
    # The role code of the trading counter (manager, broker, advisor, branch_head). The CRM
    # role follows it when it changes there, but the CRM may refine it (e.g. a team lead).
    counter_role = models.CharField(_("counter role"), max_length=20, blank=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)

    class Meta:
        ordering = ["staff_code"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(
                    role__in=["broker", "customer_manager", "team_lead", "branch_manager"]
                )
                | models.Q(branch__isnull=False),
                name="staff_branch_roles_have_a_branch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_code} {self.name}"


class AuditEntry(models.Model):
    """One audited action. Rows are only ever inserted: see `save` and `delete`."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # A user's latest entries of one action: the workbench's recently opened customers.
            models.Index(fields=["actor", "action", "-at"], name="audit_actor_recent_idx"),
        ]

    def __str__(self) -> str:
        # In the site's time zone, as the admin's list shows it.
        at = timezone.localtime(self.at)
        return f"{at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only and cannot be deleted.")
