"""Celery tasks of the campaigns' sending: thin wrappers around marketing/services/sending.py.
The dispatcher runs every minute (CELERY_BEAT_SCHEDULE); each sender stops after about a
minute's work, and a second one started for a channel while the first runs returns at once."""

from celery import shared_task
from django.utils import timezone

from .services import sending


@shared_task(name="marketing.campaign_dispatch", acks_late=True)
def campaign_dispatch() -> dict:
    """Finish what is done and hand each channel with due sends to its sender."""
    return sending.campaign_dispatch(now=timezone.now())


@shared_task(name="marketing.channel_send", acks_late=True)
def channel_send(channel: str, deadline_seconds: float = sending.DEADLINE_SECONDS) -> dict:
    """Send one channel's due messages for up to `deadline_seconds`; safe to run again."""
    return sending.channel_send(
        channel=channel, now_fn=timezone.now, deadline_seconds=deadline_seconds
    )
