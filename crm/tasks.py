"""Celery tasks of the crm app."""

import socket

from celery import shared_task
from django.utils import timezone


@shared_task(name="crm.ping")
def ping() -> dict:
    """Proves broker, worker and result backend work end to end (for health checks)."""
    return {"pong": True, "host": socket.gethostname(), "at": timezone.now().isoformat()}


@shared_task(name="crm.nightly_pipeline")
def nightly_pipeline() -> dict:
    """Started by beat after the counter's end-of-day export (CELERY_BEAT_SCHEDULE)."""
    from .pipeline import nightly_pipeline_run

    return nightly_pipeline_run()


@shared_task(name="crm.pipeline", acks_late=True)
def pipeline(
    day: str | None = None, profile: str | None = None, started_by_id: int | None = None
) -> dict:
    """An import started from the Imports page, then the metrics it makes stale."""
    from .pipeline import pipeline_run

    return pipeline_run(day=day, profile=profile, started_by_id=started_by_id)
