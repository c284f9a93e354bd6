"""Reads of campaigns for their pages: who may plan and approve them, which campaigns a user
sees, a campaign's recipients and the managers' call list, each narrowed to the user's scope
(crm.scoping), and a campaign's progress over the customers the viewer sees.

Head office and approvers see every campaign; a branch manager those owned in their branch,
naming it, or company-wide (owned by head office with no branch ticked: no branch ticked
means the owner's whole scope, so a branch manager's campaign without branches is their
branch's); anybody else the campaigns with a recipient in their scope. What a page
shows of the recipients is always the viewer's scope: a broker sees their own customers only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from crm.roles import COMPANY_WIDE_ROLES, Access, has_access
from crm.scoping import reach_of, scope_for_user
from customers.models import Customer
from marketing.models import (
    EDITABLE_STATUSES,
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    Recipient,
    Send,
    SendStatus,
)
from marketing.services.results import partly_seen
from marketing.services.targeting import STEP_LABELS

APPROVE_PERMISSION = "marketing.approve_campaign"
# The channels whose sends staff carry out: a call, an invitation, a gift (the call list).
STAFF_CHANNELS = (CampaignChannel.CALL, CampaignChannel.EVENT, CampaignChannel.GIFT)
# The campaigns whose call-list entries are to be worked now (not paused, not waiting for
# approval again).
CALLING_STATUSES = (CampaignStatus.APPROVED, CampaignStatus.RUNNING)
# The campaigns whose progress moves by itself, so that their page follows it.
SENDING_STATUSES = (CampaignStatus.APPROVED, CampaignStatus.RUNNING)


def may_plan(user) -> bool:
    """Planning campaigns: branch managers (their branch's), head office and administrators."""
    return has_access(user, Access.CAMPAIGN_PLANNING)


def may_approve(user) -> bool:
    """Approving a campaign before anything is sent: head office, administrators and any
    holder of the approve_campaign permission (a configured approver)."""
    return has_access(user, Access.CAMPAIGN_APPROVAL) or user.has_perm(APPROVE_PERMISSION)


def _reached(user) -> Exists:
    """The campaign has a recipient the user may see (set-based: one EXISTS per row)."""
    recipients = Recipient.objects.filter(campaign=OuterRef("pk"))
    return Exists(scope_for_user(user, recipients))


def campaigns_for_user(user) -> QuerySet[Campaign]:
    """The campaigns the user sees: every one for company-wide users and approvers; for a
    branch manager those owned in their branch, naming theirs, or company-wide ones (a
    company-wide owner's and no branch ticked); for anybody else those with a recipient in
    their scope."""
    campaigns = Campaign.objects.all()
    reach = reach_of(user)
    if reach.everything or may_approve(user):
        return campaigns
    if reach.nothing:
        return campaigns.none()
    seen = Q(_reached(user))
    if reach.branch_id:
        branches = Campaign.branches.through.objects.filter(campaign_id=OuterRef("pk"))
        seen |= (
            Q(owner__branch_id=reach.branch_id)
            | (~Exists(branches) & Q(owner__role__in=COMPANY_WIDE_ROLES))
            | Exists(branches.filter(branch_id=reach.branch_id))
        )
    return campaigns.filter(seen)


def campaign_for_user(user, pk: int) -> Campaign:
    """One campaign the user sees, with its owner, product and deciders; else a 404."""
    campaign = (
        campaigns_for_user(user)
        .select_related("owner", "owner__branch", "product", "approved_by__staff")
        .filter(pk=pk)
        .first()
    )
    if campaign is None:
        raise Http404(_("No such campaign."))
    return campaign


def owned_in_reach(user, campaign: Campaign) -> bool:
    """Whether the campaign's owner is within the user's reach: a company-wide user any
    campaign's, a branch manager's (or anybody's with a branch) those owned in their branch."""
    reach = reach_of(user)
    return reach.everything or (
        reach.branch_id is not None and campaign.owner.branch_id == reach.branch_id
    )


def may_edit(user, campaign: Campaign) -> bool:
    """Planners edit the campaigns of their reach (a branch manager those owned in their
    branch) while the plan may still change."""
    if not may_plan(user) or campaign.status not in EDITABLE_STATUSES:
        return False
    return owned_in_reach(user, campaign)


@dataclass(frozen=True)
class Actions:
    """The buttons of a campaign's page (marketing/services/campaigns.py decides again)."""

    edit: bool = False
    submit: bool = False
    approve: bool = False  # approve and reject
    pause: bool = False
    resume: bool = False
    cancel: bool = False

    @property
    def any(self) -> bool:
        """Any of the buttons of the actions' block (editing is linked from the page's head)."""
        return any((self.submit, self.approve, self.pause, self.resume, self.cancel))


def campaign_actions(user, campaign: Campaign) -> Actions:
    """What the user may do to the campaign now: its planners submit, pause, resume and
    cancel it; an approver who did not create it (four eyes) approves or rejects it."""
    planning = may_edit(user, campaign)
    status = campaign.status
    return Actions(
        edit=planning,
        submit=planning and status == CampaignStatus.DRAFT,
        approve=(
            status == CampaignStatus.PENDING
            and may_approve(user)
            and campaign.created_by_id != user.pk
        ),
        pause=planning and status in (CampaignStatus.APPROVED, CampaignStatus.RUNNING),
        resume=planning and status == CampaignStatus.PAUSED,
        cancel=planning and status not in (CampaignStatus.FINISHED, CampaignStatus.CANCELLED),
    )


def campaign_channels(campaign: Campaign) -> list[CampaignMessage]:
    """The campaign's channels with their templates and gift, in the channels' order."""
    order = [channel.value for channel in CampaignChannel]
    messages = campaign.messages.select_related("template", "gift")
    return sorted(messages, key=lambda message: order.index(message.channel))


def campaign_history(campaign: Campaign):
    """Each approval decision on the campaign's versions, latest first, with the decider."""
    return campaign.approvals.select_related("decided_by__staff")


@dataclass(frozen=True)
class Progress:
    """A campaign's sends by state, over the customers the viewer sees."""

    queued: int = 0
    sending: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    skipped: int = 0
    done: int = 0

    @property
    def total(self) -> int:
        return (
            self.queued
            + self.sending
            + self.sent
            + self.delivered
            + self.failed
            + self.skipped
            + self.done
        )

    @property
    def remaining(self) -> int:
        return self.queued + self.sending

    @property
    def gone_out(self) -> int:
        """Sent, whether a receipt said delivered yet or not."""
        return self.sent + self.delivered

    @property
    def finished_share(self) -> int:
        """The share of sends no longer waiting, in whole per cent."""
        return round(100 * (self.total - self.remaining) / self.total) if self.total else 0


def viewer_customers(user) -> QuerySet[Customer] | None:
    """The customers whose figures the user's pages count (crm.scoping's one road); None
    for a company-wide user, whose figures need no narrowing."""
    if reach_of(user).everything:
        return None
    return scope_for_user(user, Customer.objects.all())


def sees_whole_campaign(user, campaign: Campaign) -> bool:
    """Whether the user sees every recipient of the campaign, and so its whole-campaign
    figures (the budget, event expenses): the rule of its results (marketing.services.results,
    whose cost is the viewer's own customers' when they see only part of it). One query at
    most."""
    return campaign.pk not in partly_seen([campaign.pk], viewer_customers(user))


def campaign_progress_for_user(user, campaign: Campaign) -> Progress:
    """The campaign's progress over the viewer's scoped customers (one query)."""
    # Imported here: the sending services import this module's may_approve (through the
    # campaigns' services), and a module-level import would make a cycle.
    from marketing.services.sending import campaign_progress

    counts = campaign_progress(campaign, customers=viewer_customers(user))
    return Progress(
        **{name: int(counts.get(name, 0) or 0) for name in Progress.__dataclass_fields__}
    )


def recipients_for_user(
    user, campaign: Campaign, *, group: str = "", status: str = ""
) -> QuerySet[Recipient]:
    """The campaign's recipients the user may see, with their customer and each send; of
    one group, and with a send in `status`, when given."""
    recipients = Recipient.objects.filter(campaign=campaign)
    if group:
        recipients = recipients.filter(group=group)
    if status:
        sends = Send.objects.filter(recipient_id=OuterRef("pk"), status=status)
        recipients = recipients.filter(Exists(sends))
    return (
        scope_for_user(user, recipients)
        .select_related("customer", "customer__branch", "customer__manager")
        .prefetch_related("sends")
        .order_by("customer__cust_no")
    )


def sends_by_campaign_for_user(user, campaign_ids: list[int]) -> dict[int, dict]:
    """The sends of the campaigns listed, of customers in the user's scope, by status with
    their `total` and those `waiting` (queued or being sent): one grouped query."""
    counts = (
        scope_for_user(user, Send.objects.filter(campaign_id__in=campaign_ids))
        .values_list("campaign_id", "status")
        .annotate(sends=Count("pk"))
        .order_by()
    )
    by_campaign: dict[int, dict] = {}
    for campaign_id, status, sends in counts:
        by_campaign.setdefault(campaign_id, {})[status] = sends
    return {
        campaign_id: {
            **states,
            "total": sum(states.values()),
            "waiting": states.get(SendStatus.QUEUED, 0) + states.get(SendStatus.CLAIMED, 0),
        }
        for campaign_id, states in by_campaign.items()
    }


def call_list_for_user(user, campaign: Campaign | None = None) -> QuerySet[Send]:
    """The call-list entries (calls, invitations, gifts) of customers in the user's scope:
    a broker sees their own customers' entries only. Of every campaign, or of `campaign`."""
    sends = Send.objects.filter(channel__in=STAFF_CHANNELS)
    if campaign is not None:
        sends = sends.filter(campaign=campaign)
    return (
        scope_for_user(user, sends)
        .select_related("campaign", "customer", "customer__manager", "assignee", "recipient")
        .order_by("due_at", "pk")
    )


def calls_to_make_for_user(user, *, done: bool = False, campaign_id: int | None = None):
    """The user's call list across the campaigns being worked now (or of one of them): the
    entries still to do, or (`done`) those done, latest first."""
    entries = call_list_for_user(user).filter(campaign__status__in=CALLING_STATUSES)
    if campaign_id is not None:
        entries = entries.filter(campaign_id=campaign_id)
    if done:
        return entries.filter(status=SendStatus.DONE).order_by("-pk")
    return entries.filter(status=SendStatus.QUEUED)


def call_get_for_user(user, pk: int) -> Send:
    """One call-list entry of a customer in the user's scope; else a 404."""
    send = call_list_for_user(user).filter(pk=pk).first()
    if send is None:
        raise Http404(_("No such call-list entry."))
    return send


def scripts_of(sends) -> dict[tuple[int, str], CampaignMessage]:
    """The channel (script, event, gift) of each send's campaign, keyed (campaign, channel),
    in one query for a page of entries."""
    campaign_ids = {send.campaign_id for send in sends}
    messages = CampaignMessage.objects.filter(
        campaign_id__in=campaign_ids, channel__in=STAFF_CHANNELS
    ).select_related("template", "gift")
    return {(message.campaign_id, message.channel): message for message in messages}


@dataclass(frozen=True)
class FrozenStep:
    label: str
    left: int


def frozen_funnel_of(campaign: Campaign) -> list[FrozenStep]:
    """The targeting as it stood at approval, step by step: the customers left after each
    exclusion. Counts over the owner's whole reach: for may_see_plan_figures only."""
    return [FrozenStep(str(STEP_LABELS.get(code, code)), left) for code, left in campaign.funnel]


def may_see_plan_figures(user, campaign: Campaign) -> bool:
    """Whether the user sees the campaign's figures over its owner's whole reach (its
    targeting funnel): approvers, and the planners whose reach the owner is in (those who
    may edit it) — not a branch manager looking at another branch's campaign."""
    return may_approve(user) or (may_plan(user) and owned_in_reach(user, campaign))
