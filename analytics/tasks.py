"""Celery tasks of the analytics app: thin wrappers around the metrics services."""

from celery import shared_task

from customers.models import ImportRun

from .services import metrics_compute_stale, metrics_for_run


@shared_task(name="analytics.metrics_for_run", acks_late=True)
def metrics_for_import_run(run_id: int) -> None:
    metrics_for_run(run=ImportRun.objects.get(pk=run_id))


@shared_task(name="analytics.metrics_compute_stale", acks_late=True)
def metrics_of_stale_days() -> list[str]:
    """The metrics of every day a load has changed since they were computed, and of the
    months those days weigh in (after an import, a correction); returns the days."""
    return [day.isoformat() for day in metrics_compute_stale()]
