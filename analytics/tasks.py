"""Celery tasks of the analytics app: thin wrappers around the metrics services."""

from celery import shared_task

from customers.models import ImportRun

from .services import metrics_for_run


@shared_task(name="analytics.metrics_for_run", acks_late=True)
def metrics_for_import_run(run_id: int) -> None:
    metrics_for_run(run=ImportRun.objects.get(pk=run_id))
