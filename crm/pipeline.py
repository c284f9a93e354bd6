"""The import-and-metrics pipeline: the nightly run and an import started from the Imports
page take the same steps in order, each a Celery task of its own app, called by name so that
crm imports none of the apps (DESIGN.md, "app boundaries").

Steps run in this worker, one after the other (`apply`), never by waiting on another
worker's result: a worker that waits on itself deadlocks. What a page starts is queued once
the page's transaction commits (`*_enqueue`).
"""

from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

IMPORT_PENDING = "customers.import_pending"
IMPORT_DAY = "customers.import_day"
METRICS = "analytics.metrics_compute_stale"
TIERS_AND_SEGMENTS = "marketing.tiers_and_segments_evaluate"
SUITABILITY = "products.suitability_compliance"
CONVERSIONS = "marketing.campaign_conversions_mark"
PARTITIONS = "customers.fact_partitions_merge"
PIPELINE = "crm.pipeline"

# Present while a pipeline is queued or runs, so that the Imports page follows it before its
# first run exists and while the metrics follow the import. The timeouts bound how long a
# worker that died leaves it behind: the wait for a worker, then each step.
PIPELINE_BUSY_KEY = "pipeline-busy"
PIPELINE_QUEUED_SECONDS = 10 * 60
PIPELINE_STEP_SECONDS = 2 * 60 * 60
# When the metrics of stale days were last queued on their own (after a correction).
METRICS_QUEUED_KEY = "pipeline-metrics-queued"
METRICS_QUEUED_SECONDS = 30 * 60


def pipeline_run(
    *, day: str | None = None, profile: str | None = None, started_by_id: int | None = None
) -> dict:
    """Import every pending day folder under IMPORT_ROOT, or the one named `day` (YYYYMMDD),
    with `profile` (a name; None: the default), then compute the metrics of every stale
    day: those just loaded, and any a correction or a late day left stale; then evaluate
    the tiers and segments those metrics feed; then the suitability step (over-risk
    holdings and due risk assessments become tasks, once each); then the campaigns'
    conversions, which read the day's sales and net inflows."""
    if day is not None and Path(day).name != day:
        raise ValueError(f"{day!r}: the name of a day folder under IMPORT_ROOT, not a path")
    started = {"profile": profile, "started_by_id": started_by_id}
    cache.set(PIPELINE_BUSY_KEY, timezone.now(), PIPELINE_STEP_SECONDS)
    try:
        if day is None:
            run_ids = _step(IMPORT_PENDING, **started)
        else:
            folder = str(Path(settings.IMPORT_ROOT) / day)
            run_ids = [_step(IMPORT_DAY, folder=folder, **started)]
        cache.set(PIPELINE_BUSY_KEY, timezone.now(), PIPELINE_STEP_SECONDS)
        days = _step(METRICS)
        cache.set(PIPELINE_BUSY_KEY, timezone.now(), PIPELINE_STEP_SECONDS)
        classified = _step(TIERS_AND_SEGMENTS)
        cache.set(PIPELINE_BUSY_KEY, timezone.now(), PIPELINE_STEP_SECONDS)
        suitability = _step(SUITABILITY)
        cache.set(PIPELINE_BUSY_KEY, timezone.now(), PIPELINE_STEP_SECONDS)
        conversions = _step(CONVERSIONS)
    finally:
        cache.delete(PIPELINE_BUSY_KEY)
    return {
        "runs": run_ids,
        "metrics_days": days,
        "tiers_and_segments": classified,
        "suitability": suitability,
        "conversions": conversions,
    }


def nightly_pipeline_run() -> dict:
    """The pipeline over every new day, then the merge of finished months' day partitions
    (where the fact tables are partitioned)."""
    result = pipeline_run()
    result["merged"] = _step(PARTITIONS)
    return result


def _step(name: str, **kwargs):
    """Run one step here and now, raising what it raises. Its result is in once `apply`
    returns: nothing waits on a worker, so the guard against waiting inside a task (which a
    prefork worker and an eager `delay` raise) has nothing to guard here."""
    result = _tasks()[name].apply(kwargs=kwargs, throw=True)
    return result.get(disable_sync_subtasks=False)


def pipeline_enqueue(*, day: str | None, profile: str | None, started_by_id: int | None) -> None:
    """Queue `pipeline_run` once the caller's transaction commits (in the embedded default
    it runs there and then). A failure to queue is logged, not raised into the page."""

    def send():
        cache.set(PIPELINE_BUSY_KEY, timezone.now(), PIPELINE_QUEUED_SECONDS)
        try:
            _tasks()[PIPELINE].delay(day=day, profile=profile, started_by_id=started_by_id)
        except Exception:
            cache.delete(PIPELINE_BUSY_KEY)
            raise

    transaction.on_commit(send, robust=True)


def metrics_stale_enqueue() -> None:
    """Queue the metrics of every stale day once the caller's transaction commits, so that a
    correction reaches its day's figures now rather than at the next nightly run."""

    def send():
        _tasks()[METRICS].delay()
        cache.set(METRICS_QUEUED_KEY, timezone.now(), METRICS_QUEUED_SECONDS)

    transaction.on_commit(send, robust=True)


def pipeline_busy() -> bool:
    """Whether a pipeline is queued or running (the Imports page polls meanwhile)."""
    return cache.get(PIPELINE_BUSY_KEY) is not None


def metrics_queued_at():
    """When the metrics of stale days were last queued on their own, if lately."""
    return cache.get(METRICS_QUEUED_KEY)


def _tasks():
    current_app.loader.import_default_modules()  # registers every app's tasks.py
    return current_app.tasks
