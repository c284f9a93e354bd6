"""The nightly pipeline: its steps run in order, each a Celery task of its own app, called
by name so that crm imports none of the apps (DESIGN.md, "app boundaries").

Steps run in this worker, one after the other (`apply`), never by waiting on another
worker's result: a worker that waits on itself deadlocks.
"""

from celery import current_app

IMPORT = "customers.import_pending"
METRICS = "analytics.metrics_for_run"
PARTITIONS = "customers.fact_partitions_merge"


def nightly_pipeline_run() -> dict:
    """Import every new day, compute the metrics of each day loaded, then merge the day
    partitions of finished months (where the fact tables are partitioned)."""
    current_app.loader.import_default_modules()  # registers every app's tasks.py
    tasks = current_app.tasks
    run_ids = tasks[IMPORT].apply(throw=True).get()
    for run_id in run_ids:
        tasks[METRICS].apply(args=[run_id], throw=True)
    merged = tasks[PARTITIONS].apply(throw=True).get()
    return {"runs": run_ids, "merged": merged}
