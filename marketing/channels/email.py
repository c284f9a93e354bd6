"""The e-mail backend: campaign e-mails through Django's EMAIL_BACKEND (SMTP in
production), one EmailMessage per send with a Message-ID made from our message id.

SMTP does not de-duplicate, so this backend is not idempotent: a send whose sender died
after claiming it has an unknown outcome. A server that cannot be reached has taken
nothing, so those messages may be submitted again.
"""

from __future__ import annotations

import contextlib
import smtplib
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .base import (
    MAIL_REFUSED,
    MAIL_UNREACHABLE,
    MESSAGE_INVALID,
    Backend,
    OutboundMessage,
    Result,
    reason_text,
)


def message_id_header(message_id: str) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "crm.invalid"
    return f"<{message_id}@{domain}>"


class EmailBackend(Backend):
    idempotent = False

    def send_batch(self, messages: Sequence[OutboundMessage]) -> list[Result]:
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as error:
            return [
                Result(m.send_id, False, reason=reason_text(MAIL_UNREACHABLE, error), retry=True)
                for m in messages
            ]
        results = []
        try:
            for message in messages:
                email = EmailMessage(
                    subject=message.subject,
                    body=message.text,
                    to=[message.address],
                    headers={"Message-ID": message_id_header(message.message_id)},
                    connection=connection,
                )
                try:
                    email.send()
                except (OSError, smtplib.SMTPException) as error:
                    results.append(
                        Result(message.send_id, False, reason=reason_text(MAIL_REFUSED, error))
                    )
                except Exception as error:  # noqa: BLE001 - a bad header or address: this one only
                    reason = reason_text(MESSAGE_INVALID, f"{type(error).__name__}: {error}")
                    results.append(Result(message.send_id, False, reason=reason))
                else:
                    results.append(Result(message.send_id, True, provider_id=message.message_id))
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                connection.close()
        return results
