"""What a channel backend is: it takes a batch of messages and says, for each, whether the
gateway took it (with the gateway's id) or why not. The sender (marketing/services/sending.py)
has recorded every message as claimed before it calls a backend, and records the answers.

The backend of each channel comes from settings (CAMPAIGN_SMS_BACKEND,
CAMPAIGN_EMAIL_BACKEND), a dotted path, the way EMAIL_BACKEND names Django's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

# The reasons a backend writes itself, as fixed codes (the gateway's own words come after
# ": "); marketing.services.sending.reason_label shows them translated.
GATEWAY_UNREACHABLE = "gateway unreachable"
GATEWAY_REFUSED = "gateway refused"
UNREADABLE_ANSWER = "the gateway's answer could not be read"
NO_ANSWER = "no answer about it"
UNKNOWN_ANSWER = "unknown answer"
REJECTED = "rejected"
MAIL_UNREACHABLE = "mail server unreachable"
MAIL_REFUSED = "mail server refused"
MESSAGE_INVALID = "the message cannot be sent"


def reason_text(code: str, detail: object = "") -> str:
    """A stored reason: the code, and what the other side said after ": " (200 at most)."""
    detail = str(detail).strip()
    return (f"{code}: {detail}" if detail else code)[:200]


@dataclass(frozen=True)
class OutboundMessage:
    """One message to send. `message_id` is ours and never changes for a send: a backend
    that passes it to the gateway as the client's message id lets the gateway recognise a
    resubmission after a worker died mid-call."""

    send_id: int
    message_id: str
    address: str
    subject: str
    text: str
    segments: int


@dataclass(frozen=True)
class Result:
    """The answer about one message. `accepted`: the gateway took it (`provider_id` is its
    id, which its receipts name). Otherwise `reason` says why; `retry` says that submitting
    it again is safe and may succeed (a timeout or an outage of a gateway that de-duplicates
    by our message id, or a server that was never reached): the sender queues it again."""

    send_id: int
    accepted: bool
    provider_id: str = ""
    reason: str = ""
    retry: bool = False


class Backend:
    """A channel's backend. `idempotent`: submitting a message again under the same message
    id never delivers it twice (the gateway de-duplicates), so a send whose sender died
    after claiming it may be submitted again; otherwise its outcome is unknown."""

    idempotent = False

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send_batch(self, messages: Sequence[OutboundMessage]) -> list[Result]:
        """One Result per message, in any order; never raises for a message's failure."""
        raise NotImplementedError


# By channel (CampaignChannel's values; not imported, so that the stand-in gateway runs
# without Django set up).
BACKEND_SETTINGS = {"sms": "CAMPAIGN_SMS_BACKEND", "email": "CAMPAIGN_EMAIL_BACKEND"}


def backend_for(channel: str) -> Backend:
    """A new backend of the channel, as settings name it."""
    try:
        setting = BACKEND_SETTINGS[channel]
    except KeyError:
        raise ImproperlyConfigured(f"No backend sends the {channel!r} channel.") from None
    path = getattr(settings, setting)
    try:
        backend_class = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"{setting} = {path!r} cannot be imported: {error}") from error
    return backend_class(channel)
