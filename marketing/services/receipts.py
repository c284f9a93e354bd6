"""What the SMS gateway tells us after the fact: delivery receipts and customers' replies,
as its webhooks post them (marketing/views/gateway.py checks their signature first).

Receipts come late, in batches, out of order and more than once. Each (message, status)
is kept once, and a send always ends up in the state of its newest final receipt
(delivered or failed), whatever order they came in: a duplicate or an older receipt
arriving late changes nothing. A reply is kept once per gateway id, matched to the latest
message sent to that mobile, and a reply that is an opt-out word (回复TD退订) opts every
customer with that mobile out of marketing everywhere (marketing/services/optouts.py).
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from crm.locks import keyed_xact_lock
from customers.models import Customer
from marketing.models import (
    CampaignChannel,
    DeliveryReceipt,
    InboundReply,
    OptOutSource,
    Recipient,
    Send,
    SendEvent,
    SendStatus,
)

from .optouts import opt_outs_record

REPLIES_LOCK = "marketing.replies"

# The gateway's words for a final state, as receipts say them (CMPP-style codes included).
DELIVERED_WORDS = {"delivered", "delivrd", "success", "ok"}
FAILED_WORDS = {"failed", "undeliv", "undelivered", "expired", "rejectd", "rejected", "fail"}
FINAL_STATUSES = (SendStatus.DELIVERED, SendStatus.FAILED)
ITEMS_MAX = 5000  # one post's receipts or replies


@dataclass(frozen=True)
class ReceiptItem:
    provider_id: str
    status: str
    reason: str
    reported_at: datetime.datetime


@dataclass(frozen=True)
class ReplyItem:
    provider_id: str
    mobile: str
    text: str
    replied_at: datetime.datetime


# -- reading a webhook's body -----------------------------------------------------------------


def _items(payload, key: str) -> list[dict]:
    items = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise ValidationError(
            _("The body must be a JSON object with a list “%(key)s”.") % {"key": key}
        )
    if len(items) > ITEMS_MAX:
        raise ValidationError(_("At most %(count)d items in one post.") % {"count": ITEMS_MAX})
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValidationError(_("%(key)s[%(n)d] is not an object.") % {"key": key, "n": number})
    return items


def _text(item: dict, field: str, where: str, *, limit: int, required: bool = True) -> str:
    value = item.get(field, "")
    if value is None:
        value = ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValidationError(
            _("%(where)s: “%(field)s” must be text.") % {"where": where, "field": field}
        )
    value = str(value).strip()
    if "\x00" in value:
        raise ValidationError(
            _("%(where)s: “%(field)s” holds a NUL character.") % {"where": where, "field": field}
        )
    if required and not value:
        raise ValidationError(
            _("%(where)s: “%(field)s” is missing.") % {"where": where, "field": field}
        )
    if len(value) > limit:
        raise ValidationError(
            _("%(where)s: “%(field)s” is longer than %(limit)d characters.")
            % {"where": where, "field": field, "limit": limit}
        )
    return value


def _moment(item: dict, field: str, where: str) -> datetime.datetime:
    value = item.get(field)
    moment = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            moment = datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
        except (OverflowError, OSError, ValueError):
            moment = None
    elif isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    if moment is None or moment.year < 2000 or moment.year > 9000:
        raise ValidationError(
            _("%(where)s: “%(field)s” is not a date and time.") % {"where": where, "field": field}
        )
    return moment


def receipt_status(word: str) -> str:
    """Our name for the gateway's status: delivered, failed, or its own (not final)."""
    word = word.strip().lower()
    if word in DELIVERED_WORDS:
        return SendStatus.DELIVERED
    if word in FAILED_WORDS:
        return SendStatus.FAILED
    return word


def receipts_parse(payload) -> list[ReceiptItem]:
    """The receipts of a webhook's JSON body; a ValidationError names the first fault."""
    items = []
    for number, item in enumerate(_items(payload, "receipts")):
        where = f"receipts[{number}]"
        items.append(
            ReceiptItem(
                provider_id=_text(item, "msgid", where, limit=64),
                status=receipt_status(_text(item, "status", where, limit=16)),
                reason=_text(item, "reason", where, limit=1000, required=False)[:200],
                reported_at=_moment(item, "reported_at", where),
            )
        )
    return items


def replies_parse(payload) -> list[ReplyItem]:
    """The replies of a webhook's JSON body; a ValidationError names the first fault."""
    items = []
    for number, item in enumerate(_items(payload, "replies")):
        where = f"replies[{number}]"
        items.append(
            ReplyItem(
                provider_id=_text(item, "id", where, limit=64),
                mobile=mobile_normalise(_text(item, "mobile", where, limit=20)),
                text=_text(item, "text", where, limit=500, required=False),
                replied_at=_moment(item, "replied_at", where),
            )
        )
    return items


def mobile_normalise(mobile: str) -> str:
    """A mainland mobile as the CRM keeps it on a send and matches a reply by: digits only,
    without the country code ("+86 138-0013-8000" is "13800138000"). mobile_normalise_sql
    is the same in SQL, for a customer's mobile as typed."""
    digits = "".join(ch for ch in mobile if ch.isascii() and ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    return digits or mobile.strip()


# What people type between a mobile's digits (the ideographic space too).
MOBILE_PUNCTUATION = (" ", "-", "+", "(", ")", ".", "/", "\u3000", "\t")


def mobile_normalise_sql(column: str) -> str:
    """mobile_normalise of a text column in SQL (SQLite and PostgreSQL): the punctuation
    people type stripped, the country code dropped."""
    text = f"TRIM(COALESCE({column}, ''))"
    for mark in MOBILE_PUNCTUATION:
        text = f"REPLACE({text}, '{mark}', '')"
    return (
        f"(CASE WHEN LENGTH({text}) = 13 AND SUBSTR({text}, 1, 2) = '86'"
        f" THEN SUBSTR({text}, 3) ELSE {text} END)"
    )


def is_opt_out(text: str) -> bool:
    """Whether a reply, as a whole, is one of CAMPAIGN_OPT_OUT_WORDS or the opt-out wording
    itself (CAMPAIGN_OPT_OUT_TEXT, echoed back): letter case, full-width letters (full-width
    "TD" is "TD"), spaces, punctuation and symbols aside ("退订。", "TD!", "【TD】"). Conservative:
    any other word in the reply and it is not one ("不要TD")."""
    folded = _fold(text)
    if not folded:
        return False
    words = {
        _fold(word) for word in [*settings.CAMPAIGN_OPT_OUT_WORDS, settings.CAMPAIGN_OPT_OUT_TEXT]
    }
    return folded in words - {""}


def _fold(text: str) -> str:
    """Case- and width-folded, without whitespace, punctuation (P*) or symbols (S*)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(
        ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZC"
    )


# -- receipts ---------------------------------------------------------------------------------


@transaction.atomic
def receipts_record(items: Iterable[ReceiptItem]) -> int:
    """Keep the receipts not seen before and bring their sends up to date; returns how
    many were new."""
    unique: dict[tuple[str, str], ReceiptItem] = {}
    for item in items:
        unique.setdefault((item.provider_id, item.status), item)
    if not unique:
        return 0
    provider_ids = {provider_id for provider_id, _status in unique}
    seen = set(
        DeliveryReceipt.objects.filter(provider_id__in=provider_ids).values_list(
            "provider_id", "status"
        )
    )
    sends = dict(Send.objects.filter(provider_id__in=provider_ids).values_list("provider_id", "pk"))
    new = [item for key, item in unique.items() if key not in seen]
    DeliveryReceipt.objects.bulk_create(
        [
            DeliveryReceipt(
                provider_id=item.provider_id,
                status=item.status,
                reason=item.reason,
                reported_at=item.reported_at,
                send_id=sends.get(item.provider_id),
            )
            for item in new
        ],
        ignore_conflicts=True,
    )
    receipts_apply(provider_ids)
    # A send whose id was being recorded while this ran (the sender's transaction open)
    # was not visible: try again once both have committed (receipts_unmatched_apply, each
    # minute, catches what this misses too).
    unmatched = sorted(item.provider_id for item in new if item.provider_id not in sends)
    if unmatched:
        transaction.on_commit(lambda: receipts_apply_later(unmatched))
    return len(new)


def receipts_apply_later(provider_ids: Iterable[str]) -> int:
    """receipts_apply in a transaction of its own (for on_commit)."""
    with transaction.atomic():
        return receipts_apply(provider_ids)


UNMATCHED_MAX = 5000  # gateway ids one dispatcher step brings up to date


def receipts_unmatched_apply() -> int:
    """Apply the receipts kept without their send although a send has their gateway id
    now (they came while the sender was recording it): the dispatcher's step, each minute.
    Returns how many sends changed."""
    provider_ids = list(
        DeliveryReceipt.objects.filter(
            send__isnull=True,
            provider_id__in=Send.objects.filter(
                status__in=(SendStatus.SENT, SendStatus.DELIVERED, SendStatus.FAILED)
            ).values("provider_id"),
        )
        .values_list("provider_id", flat=True)
        .distinct()
        .order_by("provider_id")[:UNMATCHED_MAX]
    )
    return receipts_apply_later(provider_ids) if provider_ids else 0


def receipts_apply(provider_ids: Iterable[str]) -> int:
    """Bring each send with one of these gateway ids to the state of its newest final
    receipt (the sender calls it too, for receipts that came before it recorded the id).
    The sends are locked first, so that two posts about one message decide in turn, the
    second seeing the first's receipts. Returns how many sends changed."""
    provider_ids = sorted(set(provider_ids))
    if not provider_ids:
        return 0
    sends = list(
        Send.objects.select_for_update()
        .filter(
            provider_id__in=provider_ids,
            status__in=(SendStatus.SENT, SendStatus.DELIVERED, SendStatus.FAILED),
        )
        .order_by("pk")
    )
    if not sends:
        return 0
    DeliveryReceipt.objects.filter(provider_id__in=provider_ids, send__isnull=True).update(
        send_id=Subquery(
            Send.objects.filter(provider_id=OuterRef("provider_id")).order_by("pk").values("pk")[:1]
        )
    )
    newest: dict[str, DeliveryReceipt] = {}
    for receipt in DeliveryReceipt.objects.filter(
        provider_id__in=provider_ids, status__in=FINAL_STATUSES
    ).order_by("reported_at", "pk"):
        newest[receipt.provider_id] = receipt
    changed, events = [], []
    for send in sends:
        receipt = newest.get(send.provider_id)
        if receipt is None:
            continue
        if receipt.status == SendStatus.DELIVERED:
            state = (SendStatus.DELIVERED, receipt.reported_at, "")
        else:
            state = (SendStatus.FAILED, None, receipt.reason or receipt.status)
        if (send.status, send.delivered_at, send.reason) == state:
            continue
        send.status, send.delivered_at, send.reason = state
        changed.append(send)
        events.append(
            SendEvent(
                send=send, kind=receipt.status, at=receipt.reported_at, detail=receipt.reason[:300]
            )
        )
    Send.objects.bulk_update(changed, ["status", "delivered_at", "reason"])
    SendEvent.objects.bulk_create(events)
    return len(changed)


# -- replies ----------------------------------------------------------------------------------


@transaction.atomic
def replies_record(items: Iterable[ReplyItem]) -> int:
    """Keep the replies not seen before, each matched to the latest SMS sent to its
    mobile (its recipient marked as having replied), and opt out every customer with
    that mobile when the reply is an opt-out word. Returns how many were new."""
    unique: dict[str, ReplyItem] = {}
    for item in items:
        unique.setdefault(item.provider_id, item)
    if not unique:
        return 0
    # Two posts of the same reply decide in turn: the second sees the first's rows as seen.
    keyed_xact_lock(REPLIES_LOCK)
    seen = set(
        InboundReply.objects.filter(provider_id__in=unique).values_list("provider_id", flat=True)
    )
    new = [item for provider_id, item in unique.items() if provider_id not in seen]
    if not new:
        return 0
    mobiles = {item.mobile for item in new}
    latest: dict[str, tuple[int, int, int]] = {}
    for address, pk, customer_id, recipient_id in (
        Send.objects.filter(channel=CampaignChannel.SMS, address__in=mobiles, sent_at__isnull=False)
        .order_by("sent_at", "pk")
        .values_list("address", "pk", "customer_id", "recipient_id")
    ):
        latest[address] = (pk, customer_id, recipient_id)
    # Every customer whose mobile, as typed, is the same number.
    holders: dict[str, set[int]] = {}
    # Constant SQL: no input of anyone's in it.
    normalised = RawSQL(mobile_normalise_sql('"customers_customer"."mobile"'), [])  # noqa: S611
    for mobile, pk in (
        Customer.objects.annotate(normalised_mobile=normalised)
        .filter(normalised_mobile__in=mobiles)
        .values_list("normalised_mobile", "pk")
    ):
        holders.setdefault(mobile, set()).add(pk)
    replies = []
    for item in new:
        send = latest.get(item.mobile)
        customers = holders.get(item.mobile, set())
        if send is not None:
            customer_id = send[1]
        else:
            customer_id = next(iter(customers)) if len(customers) == 1 else None
        replies.append(
            InboundReply(
                provider_id=item.provider_id,
                mobile=item.mobile,
                text=item.text,
                replied_at=item.replied_at,
                customer_id=customer_id,
                send_id=send[0] if send else None,
                opt_out=is_opt_out(item.text),
            )
        )
    InboundReply.objects.bulk_create(replies, ignore_conflicts=True)
    saved = {
        reply.provider_id: reply
        for reply in InboundReply.objects.filter(provider_id__in=[item.provider_id for item in new])
    }
    first_reply: dict[int, datetime.datetime] = {}
    events = []
    for item in new:
        send = latest.get(item.mobile)
        if send is None:
            continue
        recipient_id = send[2]
        first_reply[recipient_id] = min(
            item.replied_at, first_reply.get(recipient_id, item.replied_at)
        )
        events.append(
            SendEvent(send_id=send[0], kind="replied", at=item.replied_at, detail=item.text[:300])
        )
    recipients = list(Recipient.objects.filter(pk__in=first_reply, replied_at__isnull=True))
    for recipient in recipients:
        recipient.replied_at = first_reply[recipient.pk]
    Recipient.objects.bulk_update(recipients, ["replied_at"])
    SendEvent.objects.bulk_create(events)
    for item in new:
        reply = saved.get(item.provider_id)
        if reply is None or not reply.opt_out:
            continue
        customers = holders.get(item.mobile, set()) | (
            {reply.customer_id} if reply.customer_id else set()
        )
        proof = _("Replied “%(text)s” from %(mobile)s at %(at)s") % {
            "text": item.text,
            "mobile": item.mobile,
            "at": timezone.localtime(item.replied_at).strftime("%Y-%m-%d %H:%M:%S"),
        }
        opt_outs_record(
            customer_ids=customers,
            at=item.replied_at,
            source=OptOutSource.REPLY,
            proof=proof,
            reply=reply,
        )
    return len(new)
