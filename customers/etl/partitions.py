"""The partitioning DDL of the fact tables (PostgreSQL), all of it: turning a table into one
partitioned by date, its monthly partitions, the import's day partitions and the merge of a
finished month. What runs it, when and under which lock is customers/services/partitions.py
(for `partition_facts` and the nightly pipeline) and the import (etl/loader.py).

A business day that no partition covers yet (neither its month's nor its own) gets a
partition of its own. The import fills it as a plain table, with no index to maintain row
by row, then builds its indexes in one sorted pass each and attaches it: a file of a
million trades loads about a fifth faster than into an indexed table, and the cost does not
grow with the years of history behind it. The nightly pipeline's last step (and
`partition_facts`) later merges a finished month's day partitions into one monthly
partition, so that the count of partitions stays small.

Names are the convention here: `<table>_<YYYYMM>` for a month, `<table>_<YYYYMMDD>` for a
day. There is no default partition (attaching a partition would lock it against readers
until the import commits): the import makes sure a partition takes every day it writes.

The partition DDL (create, index and attach a partition, merge a month, analyze) is done by
functions the schema owner owns (crm/migrations/0005), so that the application's role,
which owns no table, can do it, and nothing more. Only the conversion of a table
(`partition_by_date`) is plain DDL, the owner's alone.
"""

import datetime
import re
from dataclasses import dataclass

from crm.dates import day_from_digits, month_start, next_month

# table -> the date column it is partitioned on
FACT_TABLES = {
    "customers_trade": "trade_date",
    "customers_cashflow": "flow_date",
    "customers_dailyposition": "business_date",
    "customers_dailybalance": "business_date",
    "customers_dailycredit": "business_date",
    "products_quote": "trade_date",
}

DAY_SUFFIX = re.compile(r"_(\d{8})$")


def partitioned_fact(cursor, table: str) -> bool:
    """Whether `table` is a fact table that `partition_facts` has partitioned."""
    return table in FACT_TABLES and is_partitioned(cursor, table)


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
        [table],
    )
    return cursor.fetchone() is not None


def exists(cursor, name: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return cursor.fetchone()[0]


@dataclass(frozen=True)
class Span:
    """One partition's range of a fact table: [start, end) of its date column."""

    table: str
    start: datetime.date
    end: datetime.date
    name: str

    @classmethod
    def day(cls, table: str, day: datetime.date) -> "Span":
        end = day + datetime.timedelta(days=1)
        return cls(table, day, end, f"{table}_{day:%Y%m%d}")

    @classmethod
    def month(cls, table: str, month: datetime.date) -> "Span":
        return cls(table, month, next_month(month), f"{table}_{month:%Y%m}")


def holding(cursor, table: str, day: datetime.date) -> str | None:
    """What holds `day`'s rows of a fact table: the table, or where it is partitioned the
    day's own partition or its month's (None if there is none yet)."""
    return _partition_holding(cursor, table, day) if partitioned_fact(cursor, table) else table


def _partition_holding(cursor, table: str, day: datetime.date) -> str | None:
    """The partition of a partitioned table that takes `day`'s rows, if there is one."""
    for span in (Span.day(table, day), Span.month(table, month_start(day))):
        if exists(cursor, span.name):
            return span.name
    return None


def day_span_wanted(cursor, table: str, day: datetime.date) -> Span | None:
    """The day partition to create for `day`'s rows of `table`, or None: when the table is
    not partitioned or a partition already covers the day."""
    if not partitioned_fact(cursor, table) or _partition_holding(cursor, table, day):
        return None
    return Span.day(table, day)


def cover(cursor, table: str, days) -> None:
    """Make sure a partition of the partitioned `table` takes the rows of each of `days`
    (there is no default partition): an empty one for each day not covered yet."""
    for day in sorted(set(days)):
        if not _partition_holding(cursor, table, day):
            add_empty(cursor, Span.day(table, day))


def create_detached(cursor, span: Span) -> None:
    """A plain table shaped like the fact table, to fill before it has any index."""
    cursor.execute("SELECT crm_fact_partition_create(%s, %s)", [span.table, span.name])


def add_empty(cursor, span: Span) -> None:
    """An empty partition for the span. Created apart and attached, because CREATE TABLE
    … PARTITION OF would lock the whole table against readers until the transaction ends,
    and ATTACH does not."""
    create_detached(cursor, span)
    attach(cursor, span)


def attach(cursor, span: Span) -> None:
    """Give a filled detached table the parent's key and indexes, each built in one sorted
    pass over its rows, and attach it as the span's partition (PostgreSQL checks that its
    rows fall in the span)."""
    cursor.execute(
        "SELECT crm_fact_partition_attach(%s, %s, %s, %s)",
        [span.table, span.name, span.start, span.end],
    )


def analyze(cursor, table: str) -> None:
    """Fresh statistics for a table or partition (ANALYZE is its owner's)."""
    cursor.execute("SELECT crm_table_analyze(%s)", [table])


def day_partitions(cursor, table: str) -> list[tuple[str, datetime.date]]:
    """The table's day partitions, (name, day), oldest first."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
        [table],
    )
    found = []
    for (name,) in cursor.fetchall():
        if name.startswith(f"{table}_") and (match := DAY_SUFFIX.search(name)):
            found.append((name, day_from_digits(match.group(1))))
    return found


def merge_month(cursor, table: str, month: datetime.date) -> int:
    """Replace a finished month's day partitions by one monthly partition; return the rows
    it holds. The copy and the index builds run while the day partitions still serve
    readers; the swap at the end (detach, drop, attach) is short, and a CHECK constraint
    spares ATTACH its scan of the month."""
    cursor.execute("SELECT crm_fact_partition_merge(%s, %s)", [table, month])
    return cursor.fetchone()[0]


def partition_by_date(cursor, table: str, column: str) -> None:
    """Swap in a copy of `table` partitioned by range of `column`, with the same columns, key,
    index names and foreign keys (the names stay what Django's migrations know). The rows go
    into monthly partitions, one for each month from the first row's to the last row's. Every
    fact table's key starts with its date, as PostgreSQL requires of a partitioned table's."""
    old = f"{table}_unpartitioned"
    # Deferred foreign-key checks still pending on the old table would block its drop.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'f', 'u')",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint "
        "WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    cursor.execute(f"ALTER TABLE {table} RENAME TO {old}")
    cursor.execute(
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
        f"PARTITION BY RANGE ({column})"
    )
    cursor.execute(f"SELECT min({column}), max({column}) FROM {old}")
    first, last = cursor.fetchone()
    if first is not None:
        add_month_partitions(cursor, table, month_start(first), next_month(last))
    cursor.execute(f"INSERT INTO {table} SELECT * FROM {old}")
    cursor.execute(f"DROP TABLE {old}")
    for name, _, definition in sorted(constraints, key=lambda c: c[1] != "p"):
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for _, definition in indexes:
        cursor.execute(definition)


def add_month_partitions(cursor, table: str, since: datetime.date, until: datetime.date) -> int:
    """Empty monthly partitions of the partitioned `table` from `since`'s month up to (not
    including) `until`, where missing and where no day partition already holds part of the
    month; return how many were added."""
    taken = {month_start(day) for _, day in day_partitions(cursor, table)}
    month, added = month_start(since), 0
    while month < until:
        span = Span.month(table, month)
        if month not in taken and not exists(cursor, span.name):
            add_empty(cursor, span)
            added += 1
        month = next_month(month)
    return added
