"""Celery tasks of the customers app: thin wrappers around the import services."""

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from .services import (
    counter_day_import,
    counter_pending_import,
    import_profile_get,
    import_runs_reap,
)
from .services.partitions import fact_partitions_merge


@shared_task(name="customers.import_pending", acks_late=True)
def import_pending(
    root: str | None = None, profile: str | None = None, started_by_id: int | None = None
) -> list[int]:
    """Import every complete day folder under IMPORT_ROOT not loaded yet; the nightly entry."""
    folder = Path(root) if root else settings.IMPORT_ROOT
    if not folder.is_dir():
        return []
    runs = counter_pending_import(
        root=folder, profile=import_profile_get(name=profile), started_by=_user(started_by_id)
    )
    return [run.pk for run in runs]


@shared_task(name="customers.import_day", acks_late=True)
def import_day(folder: str, profile: str | None = None, started_by_id: int | None = None) -> int:
    run = counter_day_import(
        folder=Path(folder),
        profile=import_profile_get(name=profile),
        started_by=_user(started_by_id),
    )
    return run.pk


def _user(user_id: int | None):
    """Who started a run from a page (None: beat or a command)."""
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id).first()


@shared_task(name="customers.fact_partitions_merge")
def merge_fact_partitions() -> list[str]:
    """The nightly pipeline's last step: finished months' day partitions become monthly."""
    return fact_partitions_merge()


@shared_task(name="customers.import_runs_reap")
def reap_import_runs() -> list[int]:
    """Every few minutes: runs left Running by a process that died are marked failed."""
    return import_runs_reap()
