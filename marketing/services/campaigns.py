"""Every write of a campaign's plan and of its lifecycle: create and update it, add and
remove its target sources, and move it through its statuses (submit, approve or send back,
pause, resume, cancel). Each is atomic, locks the campaign row, refuses what the status or
the user does not allow with a ValidationError saying why (nothing written), and is audited.

An edit of an approved campaign raises its version and sends it back for approval; sending
stops until then (the dispatcher only takes approved and running campaigns). The approval
freezes the targeting funnel, writes the eligible customers as recipients in one statement,
draws the holdout group among the newly added ones only (existing recipients keep theirs),
then has marketing/services/sending.py create the sends and wakes the dispatcher after commit.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Max, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.scoping import reach_of
from crm.selectors import staff_for_user
from crm.services import audit_record
from customers.models import Customer
from marketing.models import (
    EDITABLE_STATUSES,
    RUNNING_STATUSES,
    Campaign,
    CampaignApproval,
    CampaignStatus,
    CampaignTarget,
    Recipient,
    RecipientGroup,
    Segment,
    Send,
    SendEvent,
    SendStatus,
    TargetKind,
)
from marketing.services.targeting import (
    campaign_eligible,
    campaign_funnel,
    frozen_funnel,
    holds,
    insert_select,
)
from products.models import Product

# Why a queued send is skipped when its customer left the targets at a re-approval, and
# when its campaign is cancelled (kept on the send, English as the gateway's reasons are).
NO_LONGER_TARGETED = "no longer targeted"
ELIGIBLE_STAGE = "marketing_eligible_stage"
CAMPAIGN_CANCELLED = "campaign cancelled"


def _may_plan(user) -> bool:
    from marketing.selectors.campaigns import may_plan

    return may_plan(user)


def _may_approve(user) -> bool:
    from marketing.selectors.campaigns import may_approve

    return may_approve(user)


def _locked(campaign: Campaign) -> Campaign:
    return (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("owner", "owner__user", "product")
        .get(pk=campaign.pk)
    )


def _planner_check(user, campaign: Campaign | None = None) -> None:
    """Planners only; a branch manager only for the campaigns owned in their branch."""
    if not _may_plan(user):
        raise ValidationError(_("Only campaign planners may change a campaign."))
    if campaign is not None:
        reach = reach_of(user)
        if not reach.everything and campaign.owner.branch_id != reach.branch_id:
            raise ValidationError(_("This campaign is planned by another branch."))


def campaign_editable_check(campaign: Campaign) -> None:
    if campaign.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("A %(status)s campaign can no longer be changed.")
            % {"status": campaign.get_status_display().lower()}
        )


def _refuse_status(campaign: Campaign, action: str) -> ValidationError:
    return ValidationError(
        _("A campaign that is %(status)s cannot be %(action)s.")
        % {"status": campaign.get_status_display().lower(), "action": action}
    )


# -- the plan ------------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(*, user, **fields) -> Campaign:
    """A new draft campaign created by `user`, owned by `owner` (default: the user's own
    staff record); `branches` a list of branches (none: every branch of the owner's scope)."""
    _planner_check(user)
    branches = fields.pop("branches", None) or []
    owner = fields.pop("owner", None) or staff_for_user(user)
    if owner is None:
        raise ValidationError(_("A campaign needs an owner among the staff."))
    campaign = Campaign(owner=owner, created_by=user, status=CampaignStatus.DRAFT, **fields)
    _dates_check(campaign)
    campaign.full_clean()
    campaign.save()
    campaign.branches.set(branches)
    audit_record(
        actor=user,
        action="campaign.create",
        target=campaign,
        details={"name": campaign.name, "owner": owner.staff_code},
    )
    return campaign


def _dates_check(campaign: Campaign) -> None:
    if (
        campaign.starts_at
        and campaign.ends_on
        and campaign.ends_on < timezone.localdate(campaign.starts_at)
    ):
        raise ValidationError({"ends_on": _("The campaign cannot end before its sending starts.")})


@transaction.atomic
def campaign_update(*, campaign: Campaign, user, changes: dict) -> Campaign:
    """Apply `changes` (field name → value; `branches` a list) to the campaign's plan.
    Anything that changes raises the version (campaign_changed); status and approval are
    not fields to change here."""
    campaign = _locked(campaign)
    _planner_check(user, campaign)
    campaign_editable_check(campaign)
    changes = dict(changes)
    branches = changes.pop("branches", None)
    forbidden = {"status", "version", "approved_version", "approved_by", "approved_at", "funnel"}
    if forbidden & set(changes):
        raise ValidationError(_("A campaign's status and approval change through its actions."))
    changed = [name for name, value in changes.items() if getattr(campaign, name) != value]
    for name in changed:
        setattr(campaign, name, changes[name])
    _dates_check(campaign)
    campaign.full_clean()
    if changed:
        campaign.save(update_fields=[*changed, "updated_at"])
    if branches is not None:
        before = set(campaign.branches.values_list("pk", flat=True))
        if before != {branch.pk for branch in branches}:
            campaign.branches.set(branches)
            changed.append("branches")
    if changed:
        campaign = campaign_changed(campaign=campaign, user=user, what=",".join(changed))
    return campaign


@transaction.atomic
def campaign_changed(*, campaign: Campaign, user, what: str = "") -> Campaign:
    """Something in the plan changed (its fields, targets or messages): the version rises,
    and an approved, running or paused campaign goes back for approval (sending stops)."""
    campaign = _locked(campaign)
    campaign_editable_check(campaign)
    was = campaign.status
    campaign.version += 1
    if was in RUNNING_STATUSES:
        campaign.status = CampaignStatus.PENDING
    campaign.save(update_fields=["version", "status", "updated_at"])
    audit_record(
        actor=user,
        action="campaign.change",
        target=campaign,
        details={"version": campaign.version, "was": was, "status": campaign.status, "what": what},
    )
    return campaign


@transaction.atomic
def campaign_target_add(
    *, campaign: Campaign, user, segment: Segment | None = None, product: Product | None = None
) -> CampaignTarget:
    """Add a segment or a product's target list to the campaign's sources (once each)."""
    campaign = _locked(campaign)
    _planner_check(user, campaign)
    campaign_editable_check(campaign)
    if (segment is None) == (product is None):
        raise ValidationError(_("Choose a segment or a product."))
    if segment is not None:
        kind, lookup = TargetKind.SEGMENT, {"segment": segment}
    else:
        kind, lookup = TargetKind.PRODUCT, {"product": product}
    if campaign.targets.filter(kind=kind, **lookup).exists():
        raise ValidationError(
            _("The campaign targets “%(source)s” already.") % {"source": segment or product.name}
        )
    target = CampaignTarget.objects.create(campaign=campaign, kind=kind, **lookup)
    audit_record(
        actor=user,
        action="campaign.target_add",
        target=campaign,
        details={"kind": kind, "source": str(segment or product.code)},
    )
    campaign_changed(campaign=campaign, user=user, what="targets")
    return target


@transaction.atomic
def campaign_target_remove(*, campaign: Campaign, user, target: CampaignTarget) -> None:
    """Remove one source of the campaign's targets (an uploaded list goes with it)."""
    campaign = _locked(campaign)
    _planner_check(user, campaign)
    campaign_editable_check(campaign)
    if target.campaign_id != campaign.pk:
        raise ValidationError(_("That is not a target of this campaign."))
    details = {"kind": target.kind, "target": target.pk}
    if target.upload_id:
        target.upload.delete()  # the target goes with it (cascade)
    else:
        target.delete()
    audit_record(actor=user, action="campaign.target_remove", target=campaign, details=details)
    campaign_changed(campaign=campaign, user=user, what="targets")


# -- the lifecycle -------------------------------------------------------------------------------


@transaction.atomic
def campaign_submit(*, campaign: Campaign, user) -> Campaign:
    """Send a draft for approval: it needs at least one source of targets and one channel."""
    campaign = _locked(campaign)
    _planner_check(user, campaign)
    if campaign.status != CampaignStatus.DRAFT:
        raise _refuse_status(campaign, _("submitted"))
    if not campaign.targets.exists():
        raise ValidationError(_("Choose the campaign's targets before submitting it."))
    if not campaign.messages.exists():
        raise ValidationError(_("Choose at least one channel before submitting the campaign."))
    return _status_set(campaign, user, CampaignStatus.PENDING, "campaign.submit")


def _status_set(campaign: Campaign, user, status: str, action: str, **details) -> Campaign:
    was = campaign.status
    campaign.status = status
    campaign.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=user,
        action=action,
        target=campaign,
        details={"version": campaign.version, "was": was, "status": status, **details},
    )
    return campaign


def _decider_check(campaign: Campaign, user) -> None:
    if not _may_approve(user):
        raise ValidationError(_("Only head office or a configured approver may decide on it."))
    if campaign.created_by_id == user.pk:
        raise ValidationError(
            _("A campaign is decided on by someone other than who created it (four eyes).")
        )
    if campaign.status != CampaignStatus.PENDING:
        raise ValidationError(
            _("Only a campaign awaiting approval can be decided on; this one is %(status)s.")
            % {"status": campaign.get_status_display().lower()}
        )


def holdout_size(added: int, percent: Decimal) -> int:
    """The holdout's share of `added` new recipients, rounded half up (5 % of 200: 10)."""
    return int((Decimal(added) * Decimal(percent) / 100).quantize(Decimal(1), ROUND_HALF_UP))


@transaction.atomic
def campaign_approve(
    *, campaign: Campaign, user, now: datetime.datetime | None = None, dispatch: bool = True
) -> Campaign:
    """Approve the campaign's current version: the funnel as it stands is frozen on it, its
    eligible customers not yet recipients become recipients (INSERT … SELECT), a random
    holdout_percent of those new ones is drawn into the holdout group (ORDER BY random()
    LIMIT k in SQL; existing recipients keep their group), the sends are created, and the
    queued sends of customers who are no longer eligible are skipped. The dispatcher is
    woken after commit (unless `dispatch` is False: the demo sends on a clock of its own).
    Refused (nothing written) for a non-approver, for the campaign's
    creator (four eyes), for a campaign that does not await approval or has ended."""
    from marketing.services.sending import sends_create
    from marketing.tasks_sending import campaign_dispatch

    now = now or timezone.now()
    campaign = _locked(campaign)
    _decider_check(campaign, user)
    if campaign.ends_on < timezone.localdate(now):
        raise ValidationError(
            _("The campaign ended on %(day)s: change its period before approving it.")
            % {"day": campaign.ends_on.isoformat()}
        )
    steps = campaign_funnel(campaign, now=now)
    eligible = _eligible_stage(campaign_eligible(campaign, now=now))
    existing = Recipient.objects.filter(campaign=campaign)
    last = existing.aggregate(last=Max("pk"))["last"] or 0
    added = insert_select(
        table=Recipient._meta.db_table,
        columns=["campaign_id", "group", "added_at", "customer_id"],
        queryset=eligible.exclude(holds(existing)),
        values=[campaign.pk, RecipientGroup.CONTACT, _db_moment(now)],
    )
    holdout = holdout_size(added, campaign.holdout_percent)
    if holdout:
        new = Recipient.objects.filter(campaign=campaign, pk__gt=last)
        drawn = new.order_by("?").values("pk")[:holdout]
        Recipient.objects.filter(pk__in=drawn).update(group=RecipientGroup.HOLDOUT)
    campaign.status = CampaignStatus.APPROVED
    campaign.approved_version = campaign.version
    campaign.approved_by = user
    campaign.approved_at = now
    campaign.funnel = frozen_funnel(steps)
    campaign.save(
        update_fields=[
            "status",
            "approved_version",
            "approved_by",
            "approved_at",
            "funnel",
            "updated_at",
        ]
    )
    CampaignApproval.objects.create(
        campaign=campaign, version=campaign.version, approved=True, decided_by=user, decided_at=now
    )
    sends = sends_create(campaign=campaign, now=now)
    dropped = _sends_skip(
        Send.objects.filter(campaign=campaign, status=SendStatus.QUEUED)
        .alias(still_targeted=_in_eligible_stage(Send))
        .filter(still_targeted=False),
        reason=NO_LONGER_TARGETED,
        now=now,
    )
    audit_record(
        actor=user,
        action="campaign.approve",
        target=campaign,
        details={
            "version": campaign.version,
            "funnel": campaign.funnel,
            "recipients_added": added,
            "holdout_added": holdout,
            "sends_created": sends,
            "sends_skipped": dropped,
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {ELIGIBLE_STAGE}")
    if dispatch:
        transaction.on_commit(campaign_dispatch.delay)
    return campaign


def _eligible_stage(eligible) -> QuerySet[Customer]:
    """The eligible customers computed once into a temporary table of this connection, and
    read back from it: the recipients' insert and the skipping of those no longer targeted
    join it by key instead of evaluating every exclusion again for each row."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {ELIGIBLE_STAGE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {ELIGIBLE_STAGE} (customer_id bigint PRIMARY KEY)")
    insert_select(table=ELIGIBLE_STAGE, columns=["customer_id"], queryset=eligible, values=[])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ELIGIBLE_STAGE}")
    staged = RawSQL(f"SELECT customer_id FROM {ELIGIBLE_STAGE}", [])  # noqa: S611 (no user text)
    return Customer.objects.filter(pk__in=staged)


def _in_eligible_stage(model) -> RawSQL:
    """Whether the row's customer is in the staged eligible set: an EXISTS by key (one
    anti-join over the rows), written out as the ORM cannot name a temporary table."""
    table = connection.ops.quote_name(model._meta.db_table)
    return RawSQL(  # noqa: S611 (no user text)
        f"EXISTS (SELECT 1 FROM {ELIGIBLE_STAGE} staged "
        f"WHERE staged.customer_id = {table}.customer_id)",
        [],
        output_field=BooleanField(),
    )


def _db_moment(moment: datetime.datetime):
    """A moment as a raw statement's parameter (SQLite keeps naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(moment)


def _sends_skip(sends, *, reason: str, now: datetime.datetime) -> int:
    """Skip the queued `sends` with `reason`, each with its history event (set-based)."""
    insert_select(
        table=SendEvent._meta.db_table,
        columns=["kind", "at", "detail", "send_id"],
        queryset=sends,
        values=[SendStatus.SKIPPED.value, _db_moment(now), reason],
    )
    return sends.update(status=SendStatus.SKIPPED, reason=reason)


@transaction.atomic
def campaign_reject(
    *, campaign: Campaign, user, note: str, now: datetime.datetime | None = None
) -> Campaign:
    """Send the campaign back to its planners as a draft, saying why (the note is needed)."""
    campaign = _locked(campaign)
    _decider_check(campaign, user)
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say why the campaign is sent back."))
    CampaignApproval.objects.create(
        campaign=campaign,
        version=campaign.version,
        approved=False,
        note=note,
        decided_by=user,
        decided_at=now or timezone.now(),
    )
    return _status_set(campaign, user, CampaignStatus.DRAFT, "campaign.reject", note=note)


@transaction.atomic
def campaign_pause(*, campaign: Campaign, user) -> Campaign:
    """Stop an approved or running campaign's sending until it is resumed."""
    campaign = _locked(campaign)
    _planner_check(user, campaign)
    if campaign.status not in (CampaignStatus.APPROVED, CampaignStatus.RUNNING):
        raise _refuse_status(campaign, _("paused"))
    return _status_set(campaign, user, CampaignStatus.PAUSED, "campaign.pause")


@transaction.atomic
def campaign_resume(*, campaign: Campaign, user) -> Campaign:
    """Resume a paused campaign: running again if anything went out, else approved."""
    from marketing.tasks_sending import campaign_dispatch

    campaign = _locked(campaign)
    _planner_check(user, campaign)
    if campaign.status != CampaignStatus.PAUSED:
        raise _refuse_status(campaign, _("resumed"))
    started = campaign.sends.exclude(status=SendStatus.QUEUED).exists()
    status = CampaignStatus.RUNNING if started else CampaignStatus.APPROVED
    transaction.on_commit(campaign_dispatch.delay)
    return _status_set(campaign, user, status, "campaign.resume")


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, user, now: datetime.datetime | None = None) -> Campaign:
    """Cancel the campaign for good: its queued sends are skipped (those being sent finish)."""
    campaign = _locked(campaign)
    _planner_check(user, campaign)
    if campaign.status in (CampaignStatus.FINISHED, CampaignStatus.CANCELLED):
        raise _refuse_status(campaign, _("cancelled"))
    skipped = _sends_skip(
        Send.objects.filter(campaign=campaign, status=SendStatus.QUEUED),
        reason=CAMPAIGN_CANCELLED,
        now=now or timezone.now(),
    )
    return _status_set(
        campaign, user, CampaignStatus.CANCELLED, "campaign.cancel", sends_skipped=skipped
    )
