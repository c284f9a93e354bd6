"""Message templates: their merge fields ({name}, {manager}, {product}, …), the checks a
template passes on save, how a message is rendered for one customer, the SMS that always
ends with the opt-out wording, and how many billed segments an SMS costs.

Pure functions, except `merge_values` and `customer_values`, which read the few rows a
rendering needs (bounded queries, whatever the number of sends). Sending is
marketing/services/sending.py's; what a campaign costs is marketing/services/costs.py's.
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketing.models import CampaignChannel, CampaignMessage, Send
from products.models import ProductRisk

__all__ = [
    "MERGE_FIELDS",
    "TemplateError",
    "customer_values",
    "merge_values",
    "preview",
    "render",
    "render_send",
    "sample_values",
    "signed",
    "sms_segments",
    "sms_text",
    "template_errors",
]

MERGE_FIELDS = {
    "name": _("customer's name"),
    "manager": _("customer manager's name"),
    "branch": _("branch"),
    "product": _("product name"),
    "product_code": _("product code"),
    "product_risk": _("product risk level"),
    "event": _("event"),
    "event_time": _("event time"),
    "venue": _("venue"),
    "cust_no_tail": _("last 4 digits of the customer number"),
}
# The fields a campaign's event invitation fills (marketing.CampaignMessage, channel EVENT).
EVENT_FIELDS = ("event", "event_time", "venue")
EVENT_TIME_FORMAT = "%Y-%m-%d %H:%M"
# What an invitation says when its channel has neither a template nor a script.
DEFAULT_INVITATION = _("Dear {name}, you are invited to {event} on {event_time} at {venue}.")


class TemplateError(ValueError):
    """A template that template_errors refuses was asked to render."""


# -- checking -------------------------------------------------------------------------------


def _fields(text: str) -> list[tuple[str, str | None, str | None]]:
    """(field name, format spec, conversion) of each replacement field; ValueError for
    unbalanced braces (str.format's own parser: {{ and }} are the braces themselves)."""
    return [
        (name, spec, conversion)
        for _literal, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    ]


def template_errors(text: str) -> list[str]:
    """What is wrong with a template's merge fields, one message each, naming the field:
    unknown names, anything but a plain name ({name.__class__}, {name[0]}, {name!r},
    {name:>9}), an empty {}, or a brace that is not closed or not opened."""
    try:
        fields = _fields(text)
    except ValueError:
        return [
            gettext(
                "A brace is not closed or not opened: merge fields are written {name}; "
                "write {{ or }} for a brace itself."
            )
        ]
    errors: list[str] = []
    for name, spec, conversion in fields:
        written = "{" + name + (f"!{conversion}" if conversion else "")
        written += (f":{spec}" if spec else "") + "}"
        if not name:
            message = gettext("An empty merge field {} names no field.")
        elif spec or conversion or not name.isidentifier():
            message = gettext(
                "The merge field %(field)s may only be a field's name, without dots, "
                "brackets or formats."
            ) % {"field": written}
        elif name not in MERGE_FIELDS:
            message = gettext("Unknown merge field %(field)s.") % {"field": written}
        else:
            continue
        if message not in errors:
            errors.append(message)
    return errors


def render(text: str, values: Mapping[str, str]) -> str:
    """The template with each field replaced by its value (str.format's syntax without its
    attribute, index, conversion and format access: nothing but a lookup in `values`; a
    field without a value is left empty)."""
    if template_errors(text):
        raise TemplateError(text)
    parts = []
    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        parts.append(literal)
        if name is not None:
            parts.append(str(values.get(name) or ""))
    return "".join(parts)


# -- SMS -------------------------------------------------------------------------------------


def sms_text(body: str, values: Mapping[str, str]) -> str:
    """The SMS as the customer receives it: the signature, the rendered body, and the
    opt-out wording, always (once: not again when the body already ends with it)."""
    return signed(render(body, values))


def signed(text: str) -> str:
    """A rendered SMS text signed and ending with the opt-out wording (the signature not
    twice when the text starts with it, the wording not twice when it ends with it)."""
    signature = settings.CAMPAIGN_SMS_SIGNATURE
    opt_out = settings.CAMPAIGN_OPT_OUT_TEXT
    text = text.strip()
    if signature and text.startswith(signature):
        text = text[len(signature) :].lstrip()
    if opt_out and not text.endswith(opt_out):
        # A body ending in a word would run into the wording: "… today回复TD退订" reads badly.
        gap = " " if text and text[-1].isascii() and text[-1].isalnum() else ""
        text = f"{text}{gap}{opt_out}"
    return f"{signature}{text}"


# GSM 03.38: the basic character set, and the extension table whose characters take two septets.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
# Characters in one SMS and in each part of a longer one (the rest carries the joining header).
GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def sms_segments(text: str) -> int:
    """How many segments the gateway bills for `text`: GSM-7 when every character is in its
    alphabet (160 in one SMS, 153 per part of a longer one), otherwise UCS-2 (70 in one,
    67 per part: 70 Chinese characters are one SMS, 71 are two)."""
    if not text:
        return 0
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        length = len(text) + sum(char in GSM_EXTENSION for char in text)
        single, part = GSM_SINGLE, GSM_PART
    else:
        # UTF-16 code units: a character outside the BMP (an emoji) takes two.
        length = len(text.encode("utf-16-le")) // 2
        single, part = UCS2_SINGLE, UCS2_PART
    return 1 if length <= single else math.ceil(length / part)


# -- the values of the fields ----------------------------------------------------------------


def _event_values(message) -> dict[str, str]:
    if message is None:
        return {}
    when = ""
    if message.event_at is not None:
        when = timezone.localtime(message.event_at).strftime(EVENT_TIME_FORMAT)
    return {"event": message.event_name, "event_time": when, "venue": message.venue}


def _product_values(name: str | None, code: str | None, risk: str | None) -> dict[str, str]:
    if not code:
        return {"product": "", "product_code": "", "product_risk": ""}
    label = str(ProductRisk(risk).label) if risk in ProductRisk.values else (risk or "")
    return {"product": name or "", "product_code": code, "product_risk": label}


def _customer_part(name: str, cust_no: str, manager: str | None, branch: str | None) -> dict:
    return {
        "name": name,
        "manager": manager or "",
        "branch": branch or "",
        "cust_no_tail": cust_no[-4:],
    }


def merge_values(sends: Iterable[Send]) -> dict[int, dict[str, str]]:
    """The value of every merge field for each send (a queryset or a list of sends), by the
    send's id, in two queries however many sends: the customers with their managers and
    branches and the campaigns' products in one, the campaigns' event invitations in the
    other."""
    # A queryset stays a subquery (no query of its own); a list gives its ids.
    ids = sends.values("pk") if isinstance(sends, QuerySet) else [send.pk for send in sends]
    if isinstance(ids, list) and not ids:
        return {}
    rows = list(
        Send.objects.filter(pk__in=ids).values(
            "pk",
            "campaign_id",
            "customer__name",
            "customer__cust_no",
            "customer__manager__name",
            "customer__branch__name",
            "campaign__product__name",
            "campaign__product__code",
            "campaign__product__risk_level",
        )
    )
    if not rows:
        return {}
    campaigns = {row["campaign_id"] for row in rows}
    events = {
        message.campaign_id: _event_values(message)
        for message in CampaignMessage.objects.filter(
            campaign_id__in=campaigns, channel=CampaignChannel.EVENT
        )
    }
    blank_event = dict.fromkeys(EVENT_FIELDS, "")
    return {
        row["pk"]: {
            **_customer_part(
                row["customer__name"],
                row["customer__cust_no"],
                row["customer__manager__name"],
                row["customer__branch__name"],
            ),
            **_product_values(
                row["campaign__product__name"],
                row["campaign__product__code"],
                row["campaign__product__risk_level"],
            ),
            **events.get(row["campaign_id"], blank_event),
        }
        for row in rows
    }


def customer_values(customer, *, product=None, event=None) -> dict[str, str]:
    """The values of the fields for one customer (its manager and branch loaded with it),
    with a product and an event invitation (a CampaignMessage) if given."""
    values = _customer_part(
        customer.name,
        customer.cust_no,
        customer.manager.name if customer.manager_id else None,
        customer.branch.name if customer.branch_id else None,
    )
    if product is not None:
        values.update(_product_values(product.name, product.code, product.risk_level))
    values.update(_event_values(event) or dict.fromkeys(EVENT_FIELDS, ""))
    return values


def sample_values() -> dict[str, str]:
    """Stand-ins for a preview without a customer or a campaign: each field's label."""
    return {code: f"[{label}]" for code, label in MERGE_FIELDS.items()}


# -- a campaign's message for one send -------------------------------------------------------


def email_text(body: str, values: Mapping[str, str]) -> str:
    """An e-mail's text: the rendered body, then the opt-out wording in its footer."""
    text = render(body, values).rstrip()
    return f"{text}\n\n-- \n{settings.CAMPAIGN_OPT_OUT_TEXT}"


def render_send(message: CampaignMessage, values: Mapping[str, str]) -> tuple[str, str, int]:
    """(subject, text, billed segments) of the campaign's message on its channel for one
    customer: an SMS signed and ending with the opt-out wording; an e-mail with its
    subject and the opt-out line in its footer; an event invitation sent as an SMS with
    the invitation's own event fields; a call's or a gift's script for the member of staff
    (no segments)."""
    template = message.template
    if message.channel == CampaignChannel.EVENT:
        values = {**values, **_event_values(message)}
        body = template.body if template else _script(message.script)
        body = body or str(DEFAULT_INVITATION)
        text = sms_text(body, values)
        return "", text, sms_segments(text)
    if message.channel == CampaignChannel.SMS:
        text = sms_text(template.body if template else _script(message.script), values)
        return "", text, sms_segments(text)
    if message.channel == CampaignChannel.EMAIL:
        subject = render(template.subject, values) if template else ""
        body = template.body if template else _script(message.script)
        return subject, email_text(body, values), 0
    return "", render(_script(message.script), values), 0


def _script(text: str) -> str:
    """A campaign's own script (what a caller says) as a template: its fields filled when
    they are sound, read as written when not (nobody checked it as a template)."""
    if template_errors(text):
        return text.replace("{", "{{").replace("}", "}}")
    return text


# -- a template's preview ---------------------------------------------------------------------


def preview(*, channel: str, subject: str, body: str, values: Mapping[str, str]) -> dict:
    """What a template comes out as for one customer's values, in its parts: an SMS's
    signature, body and opt-out wording with its characters and billed segments; an
    e-mail's subject, body and footer."""
    opt_out = settings.CAMPAIGN_OPT_OUT_TEXT
    if channel == CampaignChannel.EMAIL:
        return {
            "kind": "email",
            "subject": render(subject, values),
            "body": render(body, values).rstrip(),
            "footer": opt_out,
            "text": email_text(body, values),
        }
    text = sms_text(body, values)
    signature = settings.CAMPAIGN_SMS_SIGNATURE
    return {
        "kind": "sms",
        "signature": signature,
        "body": text[len(signature) : len(text) - len(opt_out)],
        "opt_out": opt_out,
        "text": text,
        "characters": len(text),
        "segments": sms_segments(text),
    }
