"""Turns the fact tables into PostgreSQL tables partitioned by date, and keeps their
partitions few. Safe to run again: a partitioned table is not converted twice.

Every fact table's primary key starts with its business date, which is what PostgreSQL
requires of a key on a partitioned table; nothing else in the CRM changes. Once a table is
partitioned, the nightly import gives each new business day a partition of its own (see
customers/etl/partitions.py); each run of this command merges the day partitions of the
months before the current one into one partition per month.
"""

import datetime

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from crm.commands import CrmCommand
from crm.locks import nightly_lock_acquire
from customers.etl.partitions import (
    FACT_TABLES,
    Span,
    add_empty,
    cover,
    day_partitions,
    exists,
    is_partitioned,
    month_start,
    next_month,
)
from customers.services.partitions import fact_partitions_merge


class Command(CrmCommand):
    help = (
        "Partition the fact tables by date (PostgreSQL); merge the day partitions of "
        "finished months into monthly ones."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months-ahead",
            type=int,
            default=0,
            help="also create monthly partitions for this month and the next N-1 (their days "
            "then load into them rather than into day partitions of their own)",
        )

    def handle(self, *args, months_ahead, **options):
        if connection.vendor != "postgresql":
            raise CommandError(gettext("Partitioning needs PostgreSQL."))
        this_month = month_start(timezone.localdate())
        horizon = this_month
        for _ in range(months_ahead):
            horizon = next_month(horizon)
        for table, column in FACT_TABLES.items():
            with transaction.atomic(), connection.cursor() as cursor:
                nightly_lock_acquire()  # never while an import fills a day partition
                if not is_partitioned(cursor, table):
                    self._convert(cursor, table, column)
                    self.stdout.write(
                        gettext("%(table)s: now partitioned by month on %(column)s")
                        % {"table": table, "column": column}
                    )
                self._retire_default(cursor, table, column)
                created = self._create_months(cursor, table, this_month, horizon)
                if created:
                    self.stdout.write(
                        gettext("%(table)s: %(created)s new monthly partitions")
                        % {"table": table, "created": created}
                    )
        for line in fact_partitions_merge():
            self.stdout.write(line)

    def _convert(self, cursor, table: str, column: str) -> None:
        """Swap in a partitioned copy with the same columns, key, index names and foreign keys
        (the names stay what Django's migrations know). The rows go into monthly partitions,
        one for each month from the first row's to the last row's."""
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
            self._create_months(cursor, table, month_start(first), next_month(last))
        cursor.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        cursor.execute(f"DROP TABLE {old}")
        for name, _, definition in sorted(constraints, key=lambda c: c[1] != "p"):
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for _, definition in indexes:
            cursor.execute(definition)

    def _create_months(self, cursor, table, since: datetime.date, horizon: datetime.date) -> int:
        """Monthly partitions from `since` up to (not including) `horizon`, where missing and
        where no day partition already holds part of the month."""
        taken = {month_start(day) for _, day in day_partitions(cursor, table)}
        month, created = since, 0
        while month < horizon:
            span = Span.month(table, month)
            if month not in taken and not exists(cursor, span.name):
                add_empty(cursor, span)
                created += 1
            month = next_month(month)
        return created

    def _retire_default(self, cursor, table: str, column: str) -> None:
        """An earlier version gave each table a default partition, which attaching a day
        partition would lock against readers: its rows move into partitions of their own."""
        default = f"{table}_default"
        if not exists(cursor, default):
            return
        cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {default}")
        cursor.execute(f"SELECT DISTINCT {column} FROM {default}")
        cover(cursor, table, [day for (day,) in cursor.fetchall()], by_month=True)
        cursor.execute(f"INSERT INTO {table} SELECT * FROM {default}")
        moved = cursor.rowcount
        cursor.execute(f"DROP TABLE {default}")
        self.stdout.write(
            gettext("%(table)s: default partition retired, %(rows)s rows moved")
            % {"table": table, "rows": moved}
        )
