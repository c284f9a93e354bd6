"""The console backend, the demo's: each message becomes one JSON line in
CAMPAIGN_OUTBOX/<channel>.jsonl instead of leaving the building. A message id already in the
file is not written again, so a resubmission after a killed worker changes nothing
(the backend is idempotent, as a gateway that de-duplicates is)."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .base import Backend, OutboundMessage, Result


class ConsoleBackend(Backend):
    idempotent = True

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.path = Path(settings.CAMPAIGN_OUTBOX) / f"{channel}.jsonl"

    def send_batch(self, messages: Sequence[OutboundMessage]) -> list[Result]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as outbox:
            # Another process's sender may write too (the embedded default has no lock).
            fcntl.flock(outbox, fcntl.LOCK_EX)
            outbox.seek(0)
            written = {_message_id(line) for line in outbox}
            at = timezone.now().isoformat()
            for message in messages:
                if message.message_id in written:
                    continue
                written.add(message.message_id)
                line = {
                    "message_id": message.message_id,
                    "to": message.address,
                    "subject": message.subject,
                    "text": message.text,
                    "segments": message.segments,
                    "at": at,
                }
                outbox.write(json.dumps(line, ensure_ascii=False) + "\n")
            outbox.flush()
        return [
            Result(
                send_id=message.send_id, accepted=True, provider_id=f"console-{message.message_id}"
            )
            for message in messages
        ]


def _message_id(line: str) -> str:
    try:
        return json.loads(line)["message_id"]
    except (ValueError, KeyError, TypeError):
        return ""
