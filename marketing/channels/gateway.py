"""The HTTP SMS gateway backend, and the signature that authenticates both directions.

A submission is a POST of JSON to SMS_GATEWAY_URL:
    {"account": ..., "messages": [{"client_msgid": ..., "mobile": ..., "text": ...}, ...]}
with the headers X-Gateway-Account, X-Gateway-Timestamp (Unix seconds) and
X-Gateway-Signature, the hex HMAC-SHA256 with SMS_GATEWAY_SECRET of "<timestamp>.<body>".
The gateway answers {"results": [{"client_msgid", "status": "accepted" | "duplicate" |
"rejected", "msgid", "reason"}]}; a "duplicate" is a message it already took under that
client message id (ours, so a resubmission after a killed worker is recognised) and names
its first msgid. Its receipts and replies come to our webhooks signed the same way
(marketing/views/gateway.py).

Nothing here raises for a failed call: a timeout, an outage or an answer we cannot read
becomes a Result per message with the reason, marked safe to submit again (the gateway
de-duplicates), as is a refused signature; a refusal of the batch itself (another HTTP 4xx)
fails it with the gateway's words.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import (
    GATEWAY_REFUSED,
    GATEWAY_UNREACHABLE,
    NO_ANSWER,
    REJECTED,
    UNKNOWN_ANSWER,
    UNREADABLE_ANSWER,
    Backend,
    OutboundMessage,
    Result,
    reason_text,
)

# A signed request older or newer than this (seconds) is refused: a captured one cannot be
# replayed later.
SIGNATURE_WINDOW = 300
ACCOUNT_HEADER = "X-Gateway-Account"
TIMESTAMP_HEADER = "X-Gateway-Timestamp"
SIGNATURE_HEADER = "X-Gateway-Signature"
# Answers after which the same batch may well succeed later: the gateway's trouble, or a
# refused account or signature (our configuration: nothing was sent, and a campaign must not
# be failed wholesale for it; the sender stops until it is put right).
RETRY_STATUSES = {401, 403, 408, 425, 429, 500, 502, 503, 504}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode("ascii", "replace") + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(*, account: str, secret: str, body: bytes, now: float | None = None) -> dict:
    timestamp = str(int(time.time() if now is None else now))
    return {
        "Content-Type": "application/json; charset=utf-8",
        ACCOUNT_HEADER: account,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def signature_valid(
    *, secret: str, timestamp: str, given: str, body: bytes, now: float | None = None
) -> bool:
    """Whether `given` signs the body at `timestamp`, and the timestamp is recent. Without
    a secret nothing is valid (an unconfigured gateway cannot post to us)."""
    if not secret or not timestamp or not given:
        return False
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - moment) > SIGNATURE_WINDOW:
        return False
    given = given.strip().lower()
    if not given.isascii() or not timestamp.isascii():
        return False  # a hex signature is ASCII; compare_digest refuses anything else
    return hmac.compare_digest(signature(secret, timestamp, body).encode(), given.encode())


class GatewayBackend(Backend):
    idempotent = True

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.url = settings.SMS_GATEWAY_URL
        self.account = settings.SMS_GATEWAY_ACCOUNT
        self.secret = settings.SMS_GATEWAY_SECRET
        self.timeout = settings.SMS_GATEWAY_TIMEOUT
        self.batch_size = settings.CAMPAIGN_BATCH_SIZE
        if not self.url or not self.secret:
            # Refused before anything is claimed: no message is left half-sent by it.
            raise ImproperlyConfigured(
                "The SMS gateway needs SMS_GATEWAY_URL and SMS_GATEWAY_SECRET."
            )
        if not self.url.startswith(("http://", "https://")):
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http:// or https:// URL.")

    def send_batch(self, messages: Sequence[OutboundMessage]) -> list[Result]:
        results: list[Result] = []
        for start in range(0, len(messages), self.batch_size):
            results += self._submit(messages[start : start + self.batch_size])
        return results

    def _submit(self, messages: Sequence[OutboundMessage]) -> list[Result]:
        body = json.dumps(
            {
                "account": self.account,
                "messages": [
                    {"client_msgid": m.message_id, "mobile": m.address, "text": m.text}
                    for m in messages
                ],
            },
            ensure_ascii=False,
        ).encode()
        headers = signed_headers(account=self.account, secret=self.secret, body=body)
        # The URL's scheme was checked when the backend was made (http or https only).
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read()
        except urllib.error.HTTPError as error:
            said = _text(error)
            retry = error.code in RETRY_STATUSES
            return _all(
                messages, reason_text(GATEWAY_REFUSED, f"HTTP {error.code} {said}"), retry=retry
            )
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            return _all(messages, reason_text(GATEWAY_UNREACHABLE, reason), retry=True)
        return _read(messages, answer)


def _read(messages: Sequence[OutboundMessage], answer: bytes) -> list[Result]:
    try:
        items = json.loads(answer)["results"]
        by_id = {str(item["client_msgid"]): item for item in items}
    except (ValueError, KeyError, TypeError):
        return _all(messages, UNREADABLE_ANSWER, retry=True)
    results = []
    for message in messages:
        item = by_id.get(message.message_id)
        if not isinstance(item, dict):
            results.append(Result(message.send_id, False, reason=NO_ANSWER, retry=True))
            continue
        status = str(item.get("status", "")).lower()
        provider_id = str(item.get("msgid") or "")[:64]
        if status in ("accepted", "duplicate") and provider_id:
            results.append(Result(message.send_id, True, provider_id=provider_id))
        elif status == "rejected":
            reason = str(item.get("reason") or REJECTED)[:200]
            results.append(Result(message.send_id, False, reason=reason))
        else:
            results.append(
                Result(
                    message.send_id,
                    False,
                    reason=reason_text(UNKNOWN_ANSWER, repr(status)),
                    retry=True,
                )
            )
    return results


def _all(messages: Sequence[OutboundMessage], reason: str, *, retry: bool) -> list[Result]:
    return [Result(m.send_id, False, reason=reason[:200], retry=retry) for m in messages]


def _text(error: urllib.error.HTTPError) -> str:
    try:
        return error.read(200).decode("utf-8", "replace").strip()
    except OSError:
        return ""
