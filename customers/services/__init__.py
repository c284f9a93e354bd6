"""Writes of the customers app, by topic: the counter import (imports.py), import profiles
(profiles.py) and setting one up from a sample day (profile_setup.py), the partitioned fact
tables (partitions.py), the current figures of customers (figures.py), the customer list's
saved views (lists.py) and the relationship (relationship.py)."""

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
