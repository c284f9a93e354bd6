"""Celery tasks of the crm app."""

import socket

from celery import shared_task
from django.utils import timezone


@shared_task(name="crm.ping")
def ping() -> dict:
    """Proves broker, worker and result backend work end to end (for health checks)."""
    return {"pong": True, "host": socket.gethostname(), "at": timezone.now().isoformat()}
