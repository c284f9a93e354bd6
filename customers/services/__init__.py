"""Writes of the customers app, by topic: the counter import (imports.py), the current
figures of customers (figures.py) and the relationship (relationship.py)."""

from .imports import (
    DAY_FOLDER,
    DryRun,
    ImportNotStarted,
    counter_corrections_import,
    counter_day_dry_run,
    counter_day_import,
    counter_pending_import,
    import_profile_get,
    import_runs_reap,
    progress_key,
)

__all__ = [
    "DAY_FOLDER",
    "DryRun",
    "ImportNotStarted",
    "counter_corrections_import",
    "counter_day_dry_run",
    "counter_day_import",
    "counter_pending_import",
    "import_profile_get",
    "import_runs_reap",
    "progress_key",
]
