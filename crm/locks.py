"""The lock that keeps the nightly steps (import, metrics, segments) from overlapping.

On PostgreSQL a transaction-level advisory lock: held until the caller's transaction ends,
across every worker on every machine. SQLite serialises writers by itself (the settings
open write transactions immediately), so there is nothing to take there.
"""

from django.db import connection

NIGHTLY_LOCK_KEY = 4_202_611  # any constant bigint, the same for every nightly step


def nightly_lock_acquire() -> None:
    """Block until no other nightly step runs; call inside transaction.atomic()."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NIGHTLY_LOCK_KEY])
