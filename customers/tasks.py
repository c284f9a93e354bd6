"""Celery tasks of the customers app: thin wrappers around the import services."""

from pathlib import Path

from celery import shared_task
from django.conf import settings

from .services import counter_day_import, counter_pending_import, import_profile_get
from .services.partitions import fact_partitions_merge


@shared_task(name="customers.import_pending", acks_late=True)
def import_pending(root: str | None = None, profile: str | None = None) -> list[int]:
    """Import every complete day folder under IMPORT_ROOT not loaded yet; the nightly entry."""
    folder = Path(root) if root else settings.IMPORT_ROOT
    if not folder.is_dir():
        return []
    runs = counter_pending_import(root=folder, profile=import_profile_get(name=profile))
    return [run.pk for run in runs]


@shared_task(name="customers.import_day", acks_late=True)
def import_day(folder: str, profile: str | None = None) -> int:
    run = counter_day_import(folder=Path(folder), profile=import_profile_get(name=profile))
    return run.pk


@shared_task(name="customers.fact_partitions_merge")
def merge_fact_partitions() -> list[str]:
    """The nightly pipeline's last step: finished months' day partitions become monthly."""
    return fact_partitions_merge()
