"""A customer's opt-out of marketing: kept with its proof, and in force at once, on every
channel of every campaign (their queued sends are skipped; the senders check again when
they claim). A reply of an opt-out word comes here from marketing/services/receipts.py.

One opt-out a customer: whoever records it (a reply, two posts of the same reply, staff)
takes the same transaction-level lock first, so the second sees the first's row."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q

from crm.locks import keyed_xact_lock
from crm.services import audit_record
from customers.models import Customer
from marketing.models import (
    RUNNING_STATUSES,
    InboundReply,
    MarketingOptOut,
    Recipient,
    SendEvent,
    SendStatus,
)

OPT_OUT_LOCK = "marketing.opt_out"

# The queued sends of the customers, skipped, then their history (the sends skipped for it
# that have no such row yet); the UPDATE checks the status itself, so a send a sender has
# claimed meanwhile is left to it (the sender checks the opt-out when it next claims).
SKIP_SQL = """
UPDATE marketing_send SET status = %(skipped)s, reason = %(reason)s
WHERE status = %(queued)s AND customer_id IN ({customers})
"""
SKIP_EVENTS_SQL = """
INSERT INTO marketing_sendevent (send_id, kind, at, detail)
SELECT s.id, %(skipped)s, %(at)s, %(reason)s FROM marketing_send s
WHERE s.status = %(skipped)s AND s.reason = %(reason)s AND s.customer_id IN ({customers})
  AND NOT EXISTS (
      SELECT 1 FROM marketing_sendevent e
      WHERE e.send_id = s.id AND e.kind = %(skipped)s AND e.detail = %(reason)s)
"""


@transaction.atomic
def opt_outs_record(
    *,
    customer_ids: Iterable[int],
    at: datetime.datetime,
    source: str,
    proof: str,
    reply: InboundReply | None = None,
    user=None,
) -> dict[int, MarketingOptOut]:
    """Record that the customers opted out, set-based (a customer who had opted out keeps
    their first record), skip their queued sends everywhere and mark them as opted out in
    the running campaigns and the one they replied to. Returns each customer's opt-out."""
    from marketing.services.sending import OPTED_OUT

    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    keyed_xact_lock(OPT_OUT_LOCK)
    have = set(
        MarketingOptOut.objects.filter(customer_id__in=ids).values_list("customer_id", flat=True)
    )
    new = [pk for pk in ids if pk not in have]
    MarketingOptOut.objects.bulk_create(
        [
            MarketingOptOut(
                customer_id=pk,
                at=at,
                source=source,
                proof=proof[:500],
                reply=reply,
                recorded_by=user,
            )
            for pk in new
        ]
    )
    if user is not None:
        for customer in Customer.objects.filter(pk__in=new):
            audit_record(
                actor=user,
                action="marketing.opt_out",
                target=customer,
                details={"source": source, "proof": proof[:500]},
            )
    params = {
        "skipped": SendStatus.SKIPPED.value,
        "queued": SendStatus.QUEUED.value,
        "reason": OPTED_OUT,
        "at": connection.ops.adapt_datetimefield_value(at),
        **{f"c{n}": pk for n, pk in enumerate(ids)},
    }
    customers = ", ".join(f"%(c{n})s" for n in range(len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(SKIP_SQL.format(customers=customers), params)
        if cursor.rowcount:
            cursor.execute(SKIP_EVENTS_SQL.format(customers=customers), params)
    if reply is not None and reply.send_id is not None:
        SendEvent.objects.create(send_id=reply.send_id, kind="opted_out", at=at, detail=proof[:300])
    replied_to = Q(sends__pk=reply.send_id) if reply is not None and reply.send_id else Q(pk__in=[])
    Recipient.objects.filter(
        pk__in=Recipient.objects.filter(
            Q(campaign__status__in=RUNNING_STATUSES) | replied_to, customer_id__in=ids
        ).values("pk"),
        opted_out_at__isnull=True,
    ).update(opted_out_at=at)
    first = {}
    for opt_out in MarketingOptOut.objects.filter(customer_id__in=ids).order_by("-at", "-pk"):
        first[opt_out.customer_id] = opt_out
    return first


def opt_out_record(
    *,
    customer: Customer,
    at: datetime.datetime,
    source: str,
    proof: str,
    reply: InboundReply | None = None,
    user=None,
) -> MarketingOptOut:
    """One customer's opt-out (opt_outs_record); their first record is returned."""
    return opt_outs_record(
        customer_ids=[customer.pk], at=at, source=source, proof=proof, reply=reply, user=user
    )[customer.pk]
