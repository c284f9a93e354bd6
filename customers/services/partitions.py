"""Keeping the partitioned fact tables tidy: a finished month's day partitions become one
monthly partition. A no-op on SQLite and on tables `partition_facts` has not partitioned."""

import datetime
from itertools import groupby

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from crm.locks import nightly_lock_acquire
from customers.etl.partitions import (
    FACT_TABLES,
    analyze,
    day_partitions,
    is_partitioned,
    merge_month,
    month_start,
)


def fact_partitions_merge(*, today: datetime.date | None = None) -> list[str]:
    """Merge the day partitions of every month before `today`'s; say what was merged.

    One transaction per table, under the nightly lock, so that no import is filling a day
    partition meanwhile."""
    if connection.vendor != "postgresql":
        return []
    before = month_start(today or timezone.localdate())
    said = []
    for table in FACT_TABLES:
        finished = []
        with transaction.atomic(), connection.cursor() as cursor:
            nightly_lock_acquire()
            if not is_partitioned(cursor, table):
                continue
            finished = [found for found in day_partitions(cursor, table) if found[1] < before]
            for month, group in groupby(finished, key=lambda found: month_start(found[1])):
                names = [name for name, _ in group]
                rows = merge_month(cursor, table, month)
                said.append(
                    gettext("%(table)s: %(days)s day partitions of %(month)s merged, %(rows)s rows")
                    % {"table": table, "days": len(names), "month": f"{month:%Y-%m}", "rows": rows}
                )
        if finished:
            # The nightly import refreshes only the day's partition; the whole table's
            # statistics (what plans over many partitions use) are refreshed here, once the
            # swap has committed and readers are no longer locked out.
            with connection.cursor() as cursor:
                analyze(cursor, table)
    return said
