"""The partitioned fact tables: `fact_tables_partition` turns them into tables partitioned
by date (what `partition_facts` runs, once, as the schema owner), and `fact_partitions_merge`
keeps them tidy (a finished month's day partitions become one monthly partition; the
nightly pipeline's last step). The DDL itself is customers/etl/partitions.py."""

import datetime
from itertools import groupby

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from crm.dates import month_start, months_later
from crm.locks import nightly_lock_acquire
from customers.etl.partitions import (
    FACT_TABLES,
    add_month_partitions,
    analyze,
    day_partitions,
    is_partitioned,
    merge_month,
    partition_by_date,
)


def fact_tables_partition(
    *, months_ahead: int = 0, today: datetime.date | None = None
) -> list[str]:
    """Partition every fact table by month of its date (PostgreSQL only), give it empty
    monthly partitions for `today`'s month and the `months_ahead` - 1 after it, and merge the
    day partitions of finished months; say what was done. Safe to run again: a partitioned
    table is not converted twice.

    One transaction per table, under the nightly lock, so that no import is filling a day
    partition meanwhile."""
    this_month = month_start(today or timezone.localdate())
    horizon = months_later(this_month, months_ahead)
    said = []
    for table, column in FACT_TABLES.items():
        with transaction.atomic(), connection.cursor() as cursor:
            nightly_lock_acquire()
            if not is_partitioned(cursor, table):
                partition_by_date(cursor, table, column)
                said.append(
                    gettext("%(table)s: now partitioned by month on %(column)s")
                    % {"table": table, "column": column}
                )
            added = add_month_partitions(cursor, table, this_month, horizon)
            if added:
                said.append(
                    gettext("%(table)s: %(created)s new monthly partitions")
                    % {"table": table, "created": added}
                )
    return said + fact_partitions_merge(today=today)


def fact_partitions_merge(*, today: datetime.date | None = None) -> list[str]:
    """Merge the day partitions of every month before `today`'s; say what was merged. A no-op
    on SQLite and on tables `fact_tables_partition` has not partitioned.

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
