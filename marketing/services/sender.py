"""The sender of a channel (see marketing/services/sending.py for how a send goes out):
one per channel at a time, it claims due sends and commits before the backend is called,
then records the answers. marketing.services.sending.channel_send is its public name."""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm.locks import keyed_session_lock
from customers.models import Customer
from marketing.channels.base import NO_ANSWER, Backend, OutboundMessage, Result, backend_for
from marketing.models import (
    MESSAGE_CHANNELS,
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    Recipient,
    Send,
    SendEvent,
    SendStatus,
)

from .sending import (
    CHANNEL_LOCK_CLASS,
    CLAIMABLE_STATUSES,
    DEADLINE_SECONDS,
    NO_CONSENT,
    NO_MESSAGE,
    OPTED_OUT,
    OUTCOME_UNKNOWN,
    OVER_CAP,
    RETRY_DELAY,
    _due,
    quiet_now,
)

logger = logging.getLogger(__name__)


@contextmanager
def channel_lock(channel: str):
    """Whether this process may be the channel's one sender: a session-level advisory lock
    on PostgreSQL (crm/locks.py), held across the sender's many short transactions and
    dropped by the server when the process dies. SQLite: it just runs."""
    with keyed_session_lock(channel, lock_class=CHANNEL_LOCK_CLASS) as held:
        yield held


class Pace:
    """A token bucket, empty at the start, filling at `rate` tokens a second up to one
    batch: however the batches fall, n messages take at least n / rate seconds."""

    def __init__(self, *, rate: float, capacity: int, now_fn: Callable, sleep_fn: Callable):
        self.rate, self.capacity = rate, capacity
        self.now_fn, self.sleep_fn = now_fn, sleep_fn
        self.tokens = 0.0
        self.at = now_fn()

    def _refill(self) -> None:
        now = self.now_fn()
        elapsed = max(0.0, (now - self.at).total_seconds())
        self.tokens = min(float(self.capacity), self.tokens + elapsed * self.rate)
        self.at = now

    def take(self, count: int) -> None:
        """Wait until `count` messages may go, and spend their tokens."""
        while True:
            self._refill()
            if self.tokens >= count - 1e-6:
                self.tokens -= count
                return
            # At least a millisecond: clocks keep microseconds, a shorter wait may not move one.
            self.sleep_fn(max((count - self.tokens) / self.rate, 0.001))


def channel_rate(channel: str) -> float:
    return (
        settings.CAMPAIGN_SMS_RATE
        if channel == CampaignChannel.SMS
        else settings.CAMPAIGN_EMAIL_RATE
    )


def channel_send(
    *,
    channel: str,
    now_fn: Callable[[], datetime.datetime] = timezone.now,
    deadline_seconds: float = DEADLINE_SECONDS,
    sleep_fn: Callable[[float], None] = time.sleep,
) -> dict:
    """Send the channel's due messages at its rate, a batch at a time, until none is due,
    quiet hours begin or `deadline_seconds` have passed (of `now_fn`'s clock). Returns what
    it did; `locked` when another sender of the channel runs."""
    backend = backend_for(channel)
    rate = channel_rate(channel)
    size = max(1, min(settings.CAMPAIGN_BATCH_SIZE, int(rate)))
    done = {"channel": str(channel), "sent": 0, "failed": 0, "skipped": 0, "retry": 0, "batches": 0}
    with channel_lock(channel) as held:
        if not held:
            return {**done, "locked": True}
        start = now_fn()
        pace = Pace(rate=rate, capacity=size, now_fn=now_fn, sleep_fn=sleep_fn)
        while (now_fn() - start).total_seconds() < deadline_seconds and not quiet_now(now_fn()):
            if not backend.idempotent:
                # Before every claim: a claim may have gone stale during this run, and such
                # a backend must not be handed it again.
                done["failed"] += _stale_fail(channel, now=now_fn())
            messages, skipped = _claim(
                channel=channel, now=now_fn(), size=size, stale=backend.idempotent
            )
            done["skipped"] += skipped
            if not messages:
                if skipped:
                    continue
                break
            pace.take(len(messages))
            results = backend.send_batch(messages)
            outcome = _record(messages, results, backend=backend, now=now_fn())
            done["batches"] += 1
            for key, count in outcome.items():
                done[key] += count
            if outcome["retry"] == len(messages):
                break  # the gateway is down: the next dispatch tries again
    return done


def _stale_fail(channel: str, *, now: datetime.datetime) -> int:
    """A backend that cannot recognise a resubmission: claims older than the lease have an
    unknown outcome, which is recorded rather than risking a second message."""
    lease = datetime.timedelta(seconds=settings.CAMPAIGN_CLAIM_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(
            Send.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                channel=channel,
                status=SendStatus.CLAIMED,
                claimed_at__lt=now - lease,
                campaign__status__in=CLAIMABLE_STATUSES,
            )
            .values_list("pk", flat=True)
        )
        Send.objects.filter(pk__in=ids).update(status=SendStatus.FAILED, reason=OUTCOME_UNKNOWN)
        _events(ids, kind=SendStatus.FAILED, at=now, detail=OUTCOME_UNKNOWN)
    return len(ids)


# How many windows of due sends one claim looks through when every row of a window is left
# for a later batch (see _checks).
CLAIM_WINDOWS = 20


def _claim(
    *, channel: str, now: datetime.datetime, size: int, stale: bool = True
) -> tuple[list[OutboundMessage], int]:
    """Claim up to `size` due sends and commit; the messages to send and how many were
    skipped by the checks. A stale claim (still CLAIMED: its sender died) is a resubmission
    and is not checked again: it passed when it was claimed. A queued send is checked, even
    one queued again after a retry (it keeps its claim uuid, its message id)."""
    with transaction.atomic():
        passed: set[int] = set()
        skipped: set[int] = set()
        for _window in range(CLAIM_WINDOWS):
            window = list(
                _due(channel, now, stale=stale)
                .exclude(pk__in=passed)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("campaign")
                # Twice a batch: a send left for a later batch (see _checks) does not crowd
                # out the ones behind it.
                .order_by("due_at", "pk")[: 2 * size]
            )
            fresh = [row for row in window if row.status == SendStatus.QUEUED]
            skips, deferred = _checks(fresh, rows=window, now=now)
            for reason, ids in skips.items():
                _skip(ids, reason=reason, now=now)
            skipped |= {pk for ids in skips.values() for pk in ids}
            rows = [row for row in window if row.pk not in skipped and row.pk not in deferred]
            rows = rows[:size]
            passed |= deferred
            if rows or skipped or len(window) < 2 * size:
                break
        if not rows:
            return [], len(skipped)
        texts = _render(rows)
        no_message = [row.pk for row in rows if row.pk not in texts]
        _skip(no_message, reason=NO_MESSAGE, now=now)
        rows = [row for row in rows if row.pk in texts]
        for row in rows:
            row.status = SendStatus.CLAIMED
            row.claim = row.claim or uuid.uuid4()
            row.claimed_at = now
            row.text = row.text or texts[row.pk][1]
            row.segments = row.segments or texts[row.pk][2]
        Send.objects.bulk_update(rows, ["status", "claim", "claimed_at", "text", "segments"])
        _events([row.pk for row in rows], kind=SendStatus.CLAIMED, at=now)
    messages = [
        OutboundMessage(
            send_id=row.pk,
            message_id=row.claim.hex,
            address=row.address,
            subject=texts[row.pk][0],
            text=row.text,
            segments=row.segments,
        )
        for row in rows
    ]
    return messages, len(skipped) + len(no_message)


def _checks(fresh: list[Send], *, rows: list[Send], now: datetime.datetime):
    """The claim-time checks of queued sends: {reason: [send ids]}
    to skip, and the ids to leave queued for a later batch (a customer with another
    message in this batch or in flight, whose count towards the weekly cap is not
    settled yet)."""
    from marketing.selectors.exclusions import opted_out_ids, over_cap_ids

    if not fresh:
        return {}, set()
    customers = Customer.objects.filter(pk__in={row.customer_id for row in fresh})
    opted_out = set(customers.filter(pk__in=opted_out_ids()).values_list("pk", flat=True))
    no_consent = set(customers.filter(marketing_consent=False).values_list("pk", flat=True))
    over_cap = set(customers.filter(pk__in=over_cap_ids(now=now)).values_list("pk", flat=True))
    in_flight = set(
        Send.objects.filter(
            customer_id__in={row.customer_id for row in fresh},
            channel__in=MESSAGE_CHANNELS,
            status=SendStatus.CLAIMED,
        )
        .exclude(pk__in=[row.pk for row in rows])
        .values_list("customer_id", flat=True)
    )
    skips: dict[str, list[int]] = {OPTED_OUT: [], NO_CONSENT: [], OVER_CAP: []}
    deferred: set[int] = set()
    batch: set[int] = {row.customer_id for row in rows if row.status == SendStatus.CLAIMED}
    for row in fresh:
        campaign = row.campaign
        if row.customer_id in opted_out:
            skips[OPTED_OUT].append(row.pk)
        elif campaign.require_consent and row.customer_id in no_consent:
            skips[NO_CONSENT].append(row.pk)
        elif campaign.apply_frequency_cap and row.customer_id in over_cap:
            skips[OVER_CAP].append(row.pk)
        elif campaign.apply_frequency_cap and (
            row.customer_id in in_flight or row.customer_id in batch
        ):
            deferred.add(row.pk)
        else:
            batch.add(row.customer_id)
    return {reason: ids for reason, ids in skips.items() if ids}, deferred


def _render(rows: list[Send]) -> dict[int, tuple[str, str, int]]:
    """(subject, text, segments) of each send whose campaign has a message on its channel."""
    from marketing.messages import merge_values, render_send

    if not rows:
        return {}
    messages = {
        (message.campaign_id, message.channel): message
        for message in CampaignMessage.objects.filter(
            campaign_id__in={row.campaign_id for row in rows},
            channel__in={row.channel for row in rows},
        ).select_related("template")
    }
    values = merge_values(rows)
    texts = {}
    for row in rows:
        message = messages.get((row.campaign_id, row.channel))
        if message is not None:
            texts[row.pk] = render_send(message, values.get(row.pk, {}))
    return texts


def _record(
    messages: list[OutboundMessage], results: Iterable[Result], *, backend: Backend, now
) -> dict[str, int]:
    """Write down the backend's answers about the claimed messages, in one transaction: a
    message the backend said nothing about counts as a call that may have reached it."""
    from marketing.services.receipts import receipts_apply, receipts_apply_later

    by_id = {result.send_id: result for result in results}
    claims = {message.send_id: uuid.UUID(message.message_id) for message in messages}
    # Said nothing: a backend that de-duplicates may be asked again; another may have sent
    # it, so its outcome is unknown.
    silent = (
        {"reason": NO_ANSWER, "retry": True} if backend.idempotent else {"reason": OUTCOME_UNKNOWN}
    )
    answers = [by_id.get(send_id) or Result(send_id, False, **silent) for send_id in claims]
    accepted = [answer for answer in answers if answer.accepted]
    failed = [answer for answer in answers if not answer.accepted and not answer.retry]
    retry = [answer for answer in answers if not answer.accepted and answer.retry]
    with transaction.atomic():
        # Only rows still claimed under the same claim: nothing else has decided about them.
        mine = Send.objects.filter(status=SendStatus.CLAIMED, claim__in=list(claims.values()))
        mine.bulk_update(
            [
                Send(
                    pk=answer.send_id,
                    status=SendStatus.SENT,
                    provider_id=answer.provider_id[:64],
                    sent_at=now,
                    reason="",
                )
                for answer in accepted
            ],
            ["status", "provider_id", "sent_at", "reason"],
        )
        mine.bulk_update(
            [
                Send(pk=answer.send_id, status=SendStatus.FAILED, reason=answer.reason[:200])
                for answer in failed
            ],
            ["status", "reason"],
        )
        mine.bulk_update(
            [
                Send(
                    pk=answer.send_id,
                    status=SendStatus.QUEUED,
                    due_at=now + RETRY_DELAY,
                    claimed_at=None,
                    reason=answer.reason[:200],
                )
                for answer in retry
            ],
            ["status", "due_at", "claimed_at", "reason"],
        )
        SendEvent.objects.bulk_create(
            [
                SendEvent(send_id=a.send_id, kind=SendStatus.SENT, at=now, detail=a.provider_id)
                for a in accepted
            ]
            + [
                SendEvent(send_id=a.send_id, kind=SendStatus.FAILED, at=now, detail=a.reason[:300])
                for a in failed
            ]
            + [
                SendEvent(send_id=a.send_id, kind="retry", at=now, detail=a.reason[:300])
                for a in retry
            ]
        )
        if accepted:
            sent = Send.objects.filter(pk__in=[answer.send_id for answer in accepted])
            Recipient.objects.filter(
                pk__in=sent.values("recipient_id"), contacted_at__isnull=True
            ).update(contacted_at=now)
            Campaign.objects.filter(
                pk__in=sent.values("campaign_id"), status=CampaignStatus.APPROVED
            ).update(status=CampaignStatus.RUNNING, updated_at=now)
            # Receipts that came before the answer was recorded (a fast gateway), and after
            # the commit those that came while this transaction was open.
            provider_ids = [answer.provider_id for answer in accepted if answer.provider_id]
            receipts_apply(provider_ids)
            transaction.on_commit(lambda: receipts_apply_later(provider_ids))
    if retry:
        logger.warning(
            "campaign %s: %d messages to send again: %s",
            backend.channel,
            len(retry),
            retry[0].reason,
        )
    return {"sent": len(accepted), "failed": len(failed), "retry": len(retry)}


def _skip(ids: list[int], *, reason: str, now: datetime.datetime) -> None:
    if not ids:
        return
    Send.objects.filter(pk__in=ids).update(status=SendStatus.SKIPPED, reason=reason)
    _events(ids, kind=SendStatus.SKIPPED, at=now, detail=reason)


def _events(ids: Iterable[int], *, kind: str, at: datetime.datetime, detail: str = "") -> None:
    SendEvent.objects.bulk_create(
        [SendEvent(send_id=pk, kind=kind, at=at, detail=detail) for pk in ids]
    )
