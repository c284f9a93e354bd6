"""Sending a campaign: its sends made at approval, the periodic dispatcher, and the sender
of each channel, which delivers every recipient's message exactly once however its workers
die.

How a send goes out (channel_send, one sender per channel at a time):
1. In a short transaction, the due sends are locked (FOR UPDATE SKIP LOCKED) and checked
   again: opted out, consent, the weekly cap, any of which skips them with the reason.
   The rest are rendered, marked CLAIMED with a claim uuid and the time, and committed.
   The claim uuid is the message id the gateway sees; a send keeps it for good.
2. The backend is called with the batch. Nothing is held open across the call.
3. The answers are recorded: SENT with the gateway's id, FAILED with its reason, or queued
   again (a call the gateway may not have received, which is safe to repeat).
A worker killed between 1 and 3 leaves CLAIMED rows. Once they are older than
CAMPAIGN_CLAIM_LEASE_SECONDS the next sender submits them again under the same message id,
which the gateway recognises, so nobody gets a message twice; a backend that cannot
recognise a resubmission (SMTP) marks them FAILED "outcome unknown" instead of risking it.

Scheduling lives in the database: a send is due at a time, the dispatcher (beat, every
minute) hands each channel with due sends to its sender, and a sender stops after about a
minute's work for the next tick to continue. No long countdowns: Redis re-delivers them.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, TaskKind, TaskStatus
from marketing.channels import base as backends
from marketing.channels.base import NO_ANSWER
from marketing.models import (
    MESSAGE_CHANNELS,
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    RecipientGroup,
    Send,
    SendStatus,
)
from marketing.services.receipts import mobile_normalise_sql

logger = logging.getLogger(__name__)

# The campaigns whose sends a sender may claim (a paused one's wait; a pending one's wait
# for its re-approval).
CLAIMABLE_STATUSES = (CampaignStatus.APPROVED, CampaignStatus.RUNNING)
OPEN_STATUSES = (SendStatus.QUEUED, SendStatus.CLAIMED)
# How long after a retryable failure (a gateway outage) a send is due again.
RETRY_DELAY = datetime.timedelta(seconds=30)
# One run of a sender's task stops after this much work; the next dispatch continues.
DEADLINE_SECONDS = 50.0

# The reasons the CRM itself writes on a send (the gateway's own are kept as it says them).
# Stored in English, shown through REASON_LABELS.
NO_ADDRESS = "no address"
SHARED_ADDRESS = "shares the address of another recipient"
OPTED_OUT = "opted out"
NO_CONSENT = "no marketing consent"
OVER_CAP = "weekly message limit reached"
NO_MESSAGE = "the campaign has no message for the channel"
CAMPAIGN_ENDED = "the campaign ended"
OUTCOME_UNKNOWN = "outcome unknown"
REASON_LABELS = {
    NO_ADDRESS: _("No mobile or e-mail address"),
    SHARED_ADDRESS: _("Shares the mobile or e-mail of another recipient, who gets it"),
    OPTED_OUT: _("Opted out of marketing"),
    NO_CONSENT: _("No marketing consent"),
    OVER_CAP: _("Weekly message limit reached"),
    NO_MESSAGE: _("The campaign has no message for this channel"),
    CAMPAIGN_ENDED: _("The campaign ended before it was sent"),
    OUTCOME_UNKNOWN: _("Outcome unknown: the sender stopped during the call"),
    NO_ANSWER: _("The gateway said nothing about it; it is sent again"),
    backends.GATEWAY_UNREACHABLE: _("The SMS gateway could not be reached"),
    backends.GATEWAY_REFUSED: _("The SMS gateway refused the batch"),
    backends.UNREADABLE_ANSWER: _("The SMS gateway's answer could not be read"),
    backends.UNKNOWN_ANSWER: _("The SMS gateway gave an answer the CRM does not know"),
    backends.REJECTED: _("Rejected by the SMS gateway"),
    backends.MAIL_UNREACHABLE: _("The mail server could not be reached"),
    backends.MAIL_REFUSED: _("The mail server refused it"),
    backends.MESSAGE_INVALID: _("The e-mail cannot be sent as written"),
}


def reason_label(reason: str) -> str:
    """A send's reason as shown: ours translated (with what the other side said after
    it), the gateway's as it said it."""
    if reason in REASON_LABELS:
        return str(REASON_LABELS[reason])
    code, colon, detail = reason.partition(": ")
    if colon and code in REASON_LABELS:
        return f"{REASON_LABELS[code]}: {detail}"
    return reason


# -- quiet hours ------------------------------------------------------------------------------


def quiet_hours() -> tuple[datetime.time, datetime.time] | None:
    """CAMPAIGN_QUIET_HOURS ("21:00-08:00", local time) as (start, end); empty: none."""
    text = settings.CAMPAIGN_QUIET_HOURS.strip()
    if not text:
        return None
    try:
        start, end = (datetime.time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f"CAMPAIGN_QUIET_HOURS must read like 21:00-08:00, not {text!r}."
        ) from None
    return None if start == end else (start, end)


def quiet_now(moment: datetime.datetime) -> bool:
    """Whether no marketing message may go out at `moment`."""
    hours = quiet_hours()
    if hours is None:
        return False
    start, end = hours
    local = timezone.localtime(moment).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_send_time(moment: datetime.datetime) -> datetime.datetime:
    """`moment` itself outside quiet hours, else the end of the quiet hours it is in."""
    if not quiet_now(moment):
        return moment
    end = quiet_hours()[1]
    local = timezone.localtime(moment)
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = timezone.localtime(
            timezone.make_aware(
                datetime.datetime.combine(local.date() + datetime.timedelta(days=1), end)
            )
        )
    return candidate


# -- the sends of an approved campaign ------------------------------------------------------

# A message channel's sends: one per contacted recipient, to the customer's mobile or
# e-mail; of the recipients sharing an address the first gets it and the others are skipped
# (the address is then left empty, which the partial unique constraint leaves alone).
MESSAGE_SENDS_SQL = """
INSERT INTO marketing_send (
    campaign_id, recipient_id, customer_id, channel, address, status, due_at, text,
    segments, provider_id, reason, outcome)
SELECT %(campaign)s, ranked.recipient_id, ranked.customer_id, %(channel)s,
       CASE WHEN ranked.address <> '' AND ranked.n = 1 AND NOT ranked.taken
            THEN ranked.address ELSE '' END,
       CASE WHEN ranked.address <> '' AND ranked.n = 1 AND NOT ranked.taken
            THEN %(queued)s ELSE %(skipped)s END,
       %(due)s, '', 0, '',
       CASE WHEN ranked.address = '' THEN %(no_address)s
            WHEN ranked.n = 1 AND NOT ranked.taken THEN ''
            ELSE %(shared)s END,
       ''
FROM (
    SELECT r.id AS recipient_id, r.customer_id, a.address,
           ROW_NUMBER() OVER (PARTITION BY a.address ORDER BY r.id) AS n,
           taken.address IS NOT NULL AS taken
    FROM marketing_recipient r
    JOIN (SELECT c.id, {address} AS address FROM customers_customer c) a ON a.id = r.customer_id
    -- The addresses the campaign's sends of the channel already hold, joined once (a hash
    -- join), not probed per recipient: a re-approval meets every earlier send.
    LEFT JOIN (
        SELECT DISTINCT address FROM marketing_send
        WHERE campaign_id = %(campaign)s AND channel = %(channel)s AND address <> ''
    ) taken ON taken.address = a.address AND a.address <> ''
    WHERE r.campaign_id = %(campaign)s AND r."group" = %(contact)s
) ranked
WHERE NOT EXISTS (
    SELECT 1 FROM marketing_send s
    WHERE s.recipient_id = ranked.recipient_id AND s.channel = %(channel)s)
ON CONFLICT DO NOTHING
"""
ADDRESSES = {
    # As replies are matched (receipts.mobile_normalise): "+86 138-0013-8000" is 13800138000.
    CampaignChannel.SMS: mobile_normalise_sql("c.mobile"),
    CampaignChannel.EMAIL: "LOWER(TRIM(COALESCE(c.email, '')))",
}
# A channel the staff carry out: one entry per contacted recipient, on the manager's list.
STAFF_SENDS_SQL = """
INSERT INTO marketing_send (
    campaign_id, recipient_id, customer_id, channel, address, status, due_at, text,
    segments, provider_id, reason, outcome, assignee_id)
SELECT %(campaign)s, r.id, r.customer_id, %(channel)s, '', %(queued)s, %(due)s, '', 0, '', '',
       '', c.manager_id
FROM marketing_recipient r
JOIN customers_customer c ON c.id = r.customer_id
WHERE r.campaign_id = %(campaign)s AND r."group" = %(contact)s
  AND NOT EXISTS (
      SELECT 1 FROM marketing_send s WHERE s.recipient_id = r.id AND s.channel = %(channel)s)
ON CONFLICT DO NOTHING
"""
# A call-list entry is also a task on the manager's workbench (customers' tasks).
CALL_TASKS_SQL = """
INSERT INTO customers_task (assignee_id, customer_id, kind, title, due_on, status, source,
                            created_at)
SELECT s.assignee_id, s.customer_id, %(kind)s, %(title)s, %(due_on)s, %(open)s, %(source)s,
       %(now)s
FROM marketing_send s
WHERE s.campaign_id = %(campaign)s AND s.channel = %(call)s AND s.task_id IS NULL
  AND s.assignee_id IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM customers_task t
      WHERE t.customer_id = s.customer_id AND t.source = %(source)s AND t.kind = %(kind)s)
"""
CALL_TASKS_LINK_SQL = """
UPDATE marketing_send SET task_id = (
    SELECT MIN(t.id) FROM customers_task t
    WHERE t.customer_id = marketing_send.customer_id AND t.source = %(source)s
      AND t.kind = %(kind)s)
WHERE campaign_id = %(campaign)s AND channel = %(call)s AND task_id IS NULL
  AND assignee_id IS NOT NULL
"""
# The first history row of each new send: queued, or skipped with its reason.
FIRST_EVENTS_SQL = """
INSERT INTO marketing_sendevent (send_id, kind, at, detail)
SELECT s.id, s.status, %(now)s, s.reason FROM marketing_send s
WHERE s.campaign_id = %(campaign)s
  AND NOT EXISTS (SELECT 1 FROM marketing_sendevent e WHERE e.send_id = s.id)
"""


@transaction.atomic
def _call_title(campaign: Campaign) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return (gettext("Campaign call: %(name)s") % {"name": campaign.name})[:200]


def sends_create(*, campaign: Campaign, now: datetime.datetime) -> int:
    """Make the sends the campaign's contacted recipients lack, on each of its channels,
    due at its start (or now, if that has passed); safe to run again (a re-approval adds
    the new recipients' sends only). Returns how many were made."""
    ops = connection.ops
    params = {
        "campaign": campaign.pk,
        "contact": RecipientGroup.CONTACT.value,
        "queued": SendStatus.QUEUED.value,
        "skipped": SendStatus.SKIPPED.value,
        "due": ops.adapt_datetimefield_value(max(campaign.starts_at, now)),
        "now": ops.adapt_datetimefield_value(now),
        "no_address": NO_ADDRESS,
        "shared": SHARED_ADDRESS,
    }
    channels = set(
        CampaignMessage.objects.filter(campaign=campaign).values_list("channel", flat=True)
    )
    created = 0
    with connection.cursor() as cursor:
        for channel in sorted(channels):
            if channel in ADDRESSES:
                sql = MESSAGE_SENDS_SQL.format(address=ADDRESSES[channel])
            else:
                sql = STAFF_SENDS_SQL
            cursor.execute(sql, {**params, "channel": channel})
            created += cursor.rowcount
        if CampaignChannel.CALL in channels:
            tasks = {
                **params,
                "kind": TaskKind.CAMPAIGN.value,
                # In the site's language, whoever approves (a task title is stored).
                "title": _call_title(campaign),
                "due_on": ops.adapt_datefield_value(campaign.ends_on),
                "open": TaskStatus.OPEN.value,
                "source": f"campaign:{campaign.pk}",
                "call": CampaignChannel.CALL.value,
            }
            cursor.execute(CALL_TASKS_SQL, tasks)
            cursor.execute(CALL_TASKS_LINK_SQL, tasks)
        cursor.execute(FIRST_EVENTS_SQL, params)
    return created


# -- the dispatcher ---------------------------------------------------------------------------


def _due(channel: str, now: datetime.datetime, *, stale: bool = True) -> QuerySet[Send]:
    """The channel's sends a sender may claim now: queued and due in a claimable campaign
    that has not ended, or (`stale`: the backend recognises a resubmission) claimed longer
    ago than the lease (a sender that died; its campaign may have ended since, the send had
    started)."""
    lease = datetime.timedelta(seconds=settings.CAMPAIGN_CLAIM_LEASE_SECONDS)
    queued = Q(
        status=SendStatus.QUEUED,
        due_at__lte=now,
        campaign__ends_on__gte=timezone.localdate(now),
    )
    if stale:
        queued |= Q(status=SendStatus.CLAIMED, claimed_at__lt=now - lease)
    return Send.objects.filter(queued, channel=channel, campaign__status__in=CLAIMABLE_STATUSES)


def campaign_dispatch(*, now: datetime.datetime) -> dict:
    """The periodic step: end the campaigns whose time is up or whose sends are all done,
    then hand every message channel with due sends to its sender (after the commit).
    Nothing is handed over during quiet hours."""
    from marketing import tasks_sending
    from marketing.services.receipts import receipts_unmatched_apply

    finished = campaigns_finish(now=now)
    receipts_unmatched_apply()
    if quiet_now(now):
        return {
            "finished": finished,
            "quiet_until": next_send_time(now).isoformat(),
            "channels": [],
        }
    channels = [channel for channel in MESSAGE_CHANNELS if _due(channel, now).exists()]
    for channel in channels:
        transaction.on_commit(lambda channel=channel: tasks_sending.channel_send.delay(channel))
    return {"finished": finished, "channels": [str(channel) for channel in channels]}


# The messages of campaigns past their end that were never sent, skipped, and their history.
ENDED_SKIP_SQL = """
UPDATE marketing_send SET status = %(skipped)s, reason = %(reason)s
WHERE status = %(queued)s AND channel IN ({channels})
  AND campaign_id IN (
      SELECT c.id FROM marketing_campaign c
      WHERE c.status IN ({statuses}) AND c.ends_on < %(today)s)
"""
ENDED_EVENTS_SQL = """
INSERT INTO marketing_sendevent (send_id, kind, at, detail)
SELECT s.id, %(skipped)s, %(now)s, %(reason)s FROM marketing_send s
WHERE s.status = %(skipped)s AND s.reason = %(reason)s AND s.channel IN ({channels})
  AND s.campaign_id IN (
      SELECT c.id FROM marketing_campaign c
      WHERE c.status IN ({statuses}) AND c.ends_on < %(today)s)
  AND NOT EXISTS (
      SELECT 1 FROM marketing_sendevent e
      WHERE e.send_id = s.id AND e.kind = %(skipped)s AND e.detail = %(reason)s)
"""


@transaction.atomic
def campaigns_finish(*, now: datetime.datetime) -> int:
    """Campaigns past their end skip the messages they did not send; a claimable campaign
    with no message left queued or in flight is finished once it has ended or has nothing
    at all left to do (no call-list entry open either). Returns how many finished."""
    today = timezone.localdate(now)
    params = {
        "skipped": SendStatus.SKIPPED.value,
        "queued": SendStatus.QUEUED.value,
        "reason": CAMPAIGN_ENDED,
        "now": connection.ops.adapt_datetimefield_value(now),
        "today": connection.ops.adapt_datefield_value(today),
        **{f"channel{n}": str(channel) for n, channel in enumerate(MESSAGE_CHANNELS)},
        **{f"status{n}": str(status) for n, status in enumerate(CLAIMABLE_STATUSES)},
    }
    sql = {
        "channels": ", ".join(f"%(channel{n})s" for n in range(len(MESSAGE_CHANNELS))),
        "statuses": ", ".join(f"%(status{n})s" for n in range(len(CLAIMABLE_STATUSES))),
    }
    with connection.cursor() as cursor:
        # The status is checked by the UPDATE itself: a send a sender claimed meanwhile is
        # left to it (PostgreSQL re-checks the row it waited for).
        cursor.execute(ENDED_SKIP_SQL.format(**sql), params)
        if cursor.rowcount:
            cursor.execute(ENDED_EVENTS_SQL.format(**sql), params)
    open_sends = Send.objects.filter(campaign=OuterRef("pk"), status__in=OPEN_STATUSES)
    open_messages = open_sends.filter(channel__in=MESSAGE_CHANNELS)
    return (
        Campaign.objects.filter(status__in=CLAIMABLE_STATUSES)
        .filter(~Exists(open_messages))
        .filter(Q(ends_on__lt=today) | ~Exists(open_sends))
        .update(status=CampaignStatus.FINISHED, updated_at=now)
    )


# -- the sender (marketing/services/sender.py) ------------------------------------------------

CHANNEL_LOCK_CLASS = 4_202_616  # first half of the two-int advisory key; the channel's second


def channel_send(
    *,
    channel: str,
    now_fn: Callable[[], datetime.datetime] = timezone.now,
    deadline_seconds: float = DEADLINE_SECONDS,
    sleep_fn: Callable[[float], None] = time.sleep,
) -> dict:
    """The channel's sender (marketing.services.sender.channel_send)."""
    from marketing.services import sender

    return sender.channel_send(
        channel=channel, now_fn=now_fn, deadline_seconds=deadline_seconds, sleep_fn=sleep_fn
    )


# -- progress ---------------------------------------------------------------------------------

PROGRESS_KEYS = {
    "queued": SendStatus.QUEUED,
    "sending": SendStatus.CLAIMED,
    "sent": SendStatus.SENT,
    "delivered": SendStatus.DELIVERED,
    "failed": SendStatus.FAILED,
    "skipped": SendStatus.SKIPPED,
    "done": SendStatus.DONE,
}


def campaign_progress(campaign: Campaign, customers: QuerySet[Customer] | None = None) -> dict:
    """The campaign's sends by status, in one query; `customers` (a scoped queryset) limits
    them to the viewer's. Also `total` and `remaining` (queued or sending)."""
    sends = Send.objects.filter(campaign=campaign)
    if customers is not None:
        sends = sends.filter(customer__in=customers.values("pk"))
    counts = sends.aggregate(
        total=Count("pk"),
        **{key: Count("pk", filter=Q(status=status)) for key, status in PROGRESS_KEYS.items()},
    )
    counts["remaining"] = counts["queued"] + counts["sending"]
    return counts
