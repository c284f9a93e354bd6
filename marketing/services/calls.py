"""Writes of the managers' call list: a call, an invitation or a gift of a campaign, done
and logged as a contact with the customer, with its outcome.

call_log is the one road: it logs the contact through customers' interaction_log (so the
customer's last contact moves as for any contact), marks the send done with its outcome,
finishes the send's task on the workbench and stamps the recipient contacted when the
customer was reached. Which entries a user may log is marketing.selectors.campaigns'.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.selectors import staff_for_user
from crm.services import audit_record
from customers.models import Direction, InteractionChannel, Task, TaskStatus
from customers.services.relationship import interaction_log
from marketing.models import (
    CallOutcome,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    Recipient,
    Send,
    SendEvent,
    SendStatus,
)
from marketing.services.costs import gift_give

# The outcomes each staff channel offers, in the order the form lists them.
OUTCOMES = {
    CampaignChannel.CALL: (
        CallOutcome.INTERESTED,
        CallOutcome.NOT_INTERESTED,
        CallOutcome.CALL_BACK,
        CallOutcome.NO_ANSWER,
        CallOutcome.WRONG_NUMBER,
    ),
    CampaignChannel.EVENT: (
        CallOutcome.ACCEPTED,
        CallOutcome.DECLINED,
        CallOutcome.ATTENDED,
        CallOutcome.CALL_BACK,
        CallOutcome.NO_ANSWER,
        CallOutcome.WRONG_NUMBER,
    ),
    CampaignChannel.GIFT: (CallOutcome.GIVEN, CallOutcome.NOT_INTERESTED, CallOutcome.NO_ANSWER),
}
# Outcomes that did not reach the customer: the recipient is not contacted by them.
NOT_REACHED = (CallOutcome.NO_ANSWER, CallOutcome.WRONG_NUMBER)
# How each staff channel is logged as a contact: a gift is handed over in person.
CONTACT_CHANNEL = {
    CampaignChannel.CALL: InteractionChannel.PHONE,
    CampaignChannel.EVENT: InteractionChannel.PHONE,
    CampaignChannel.GIFT: InteractionChannel.VISIT,
}
WORKED_STATUSES = (CampaignStatus.APPROVED, CampaignStatus.RUNNING)
# How far ahead of the server's clock a logged contact may be (a slow watch).
CLOCK_SKEW = datetime.timedelta(minutes=5)


def call_time_refusal(campaign, at: datetime.datetime, *, now: datetime.datetime) -> str | None:
    """Why a contact of the campaign may not be logged at `at`, or None: not in the future,
    and not before the campaign could contact anybody (its approval, or its start when
    later: Campaign.contact_from), so that a backdated call cannot move its conversion
    windows."""
    if at > now + CLOCK_SKEW:
        return _("A contact cannot be logged in the future.")
    earliest = campaign.contact_from
    if earliest is None or at < earliest:
        return _(
            "A contact cannot be logged before the campaign could contact anybody (%(moment)s)."
        ) % {"moment": timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M") if earliest else "—"}
    return None


@transaction.atomic
def call_log(
    *,
    send: Send,
    outcome: str,
    note: str,
    user,
    at: datetime.datetime,
    follow_up_on: datetime.date | None = None,
) -> Send:
    """Log a call-list entry as done: a contact with the customer (the note its content, the
    outcome its result, a follow-up task when a date is given), the send done with the
    outcome, its task done, the recipient contacted if the customer was reached; a gift
    handed over is taken from stock and counted in the campaign's cost.

    Refused with a ValidationError (nothing written): an outcome the channel does not have,
    an entry already done or skipped, a campaign not being worked now (paused, waiting for
    approval, over), a time in the future or before the campaign could contact anybody
    (call_time_refusal), a gift out of stock."""
    if send.channel not in OUTCOMES:
        raise ValidationError(_("Only calls, invitations and gifts are logged by hand."))
    if outcome not in OUTCOMES[send.channel]:
        raise ValidationError(_("Choose one of the outcomes offered."))
    locked = (
        Send.objects.select_for_update(of=("self",))
        .select_related("campaign", "customer")
        .get(pk=send.pk)
    )
    if locked.status != SendStatus.QUEUED:
        raise ValidationError(
            _("This entry is already “%(status)s”.") % {"status": locked.get_status_display()}
        )
    if locked.campaign.status not in WORKED_STATUSES:
        raise ValidationError(
            _("The campaign is “%(status)s”: its call list waits until it runs again.")
            % {"status": locked.campaign.get_status_display()}
        )
    refusal = call_time_refusal(locked.campaign, at, now=timezone.now())
    if refusal:
        raise ValidationError(refusal)
    if locked.channel == CampaignChannel.GIFT and outcome == CallOutcome.GIVEN:
        _gift_hand_over(locked, user=user, at=at, note=note)
    label = CallOutcome(outcome).label
    interaction = interaction_log(
        customer=locked.customer,
        staff=staff_for_user(user),
        channel=CONTACT_CHANNEL[locked.channel],
        direction=Direction.OUTBOUND,
        occurred_at=at,
        content=note.strip() or label,
        result=str(label),
        follow_up_on=follow_up_on,
    )
    locked.status = SendStatus.DONE
    locked.outcome = outcome
    locked.interaction = interaction
    locked.sent_at = at
    locked.save(update_fields=["status", "outcome", "interaction", "sent_at"])
    SendEvent.objects.create(send=locked, kind=SendStatus.DONE, at=at, detail=outcome)
    if locked.task_id:
        Task.objects.filter(pk=locked.task_id, status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE, done_at=timezone.now()
        )
    if outcome not in NOT_REACHED:
        Recipient.objects.filter(pk=locked.recipient_id, contacted_at__isnull=True).update(
            contacted_at=at
        )
    audit_record(
        actor=user,
        action="campaign.call_log",
        target=locked,
        details={"campaign": locked.campaign_id, "channel": locked.channel, "outcome": outcome},
    )
    send.status, send.outcome, send.interaction = locked.status, outcome, interaction
    return locked


def _gift_hand_over(send: Send, *, user, at: datetime.datetime, note: str) -> None:
    """The campaign's gift handed over: one taken from stock and counted in the campaign's
    cost (marketing/services/costs.py refuses when none is left)."""
    message = (
        CampaignMessage.objects.filter(campaign_id=send.campaign_id, channel=CampaignChannel.GIFT)
        .select_related("gift")
        .first()
    )
    if message is None or message.gift is None:
        raise ValidationError(_("The campaign names no gift to hand over."))
    gift_give(
        gift=message.gift,
        customer=send.customer,
        quantity=1,
        user=user,
        campaign=send.campaign,
        given_on=timezone.localtime(at).date(),
        note=note,
        at=at,
    )
