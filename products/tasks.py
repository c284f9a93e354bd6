"""Celery tasks of the products app: thin wrappers around its services."""

import datetime

from celery import shared_task
from django.utils import timezone

from .services.compliance import compliance_run


@shared_task(name="products.suitability_compliance", acks_late=True)
def suitability_compliance(today: str | None = None) -> dict:
    """The pipeline's suitability step after the tiers and segments (crm/pipeline.py): flags
    and their managers' tasks, once per condition; `today` as YYYY-MM-DD (default: the local
    date). Safe to run again."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    run = compliance_run(today=day)
    return {
        "run": run.pk,
        "over_risk": run.over_risk,
        "assessment": run.assessment,
        "flagged": run.flagged,
        "cleared": run.cleared,
        "tasks_created": run.tasks_created,
    }
