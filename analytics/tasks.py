"""Celery tasks of the analytics app: thin wrappers around the metrics services."""

from celery import shared_task

from .services import metrics_compute_stale


@shared_task(name="analytics.metrics_compute_stale", acks_late=True)
def metrics_of_stale_days() -> list[str]:
    """The metrics of every day a load has changed since they were computed, and of the
    months those days weigh in (after an import, a correction); returns the days."""
    return [day.isoformat() for day in metrics_compute_stale()]
