"""Turns the fact tables into PostgreSQL tables partitioned by month, and keeps partitions
ahead of the calendar. Safe to run again: a partitioned table only gets its missing months.

Every fact table's primary key starts with its business date, which is what PostgreSQL
requires of a key on a partitioned table; nothing else in the CRM changes.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

# table -> the date column it is partitioned on
FACT_TABLES = {
    "customers_trade": "trade_date",
    "customers_cashflow": "flow_date",
    "customers_dailyposition": "business_date",
    "customers_dailybalance": "business_date",
    "customers_dailycredit": "business_date",
    "products_quote": "trade_date",
}


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


class Command(BaseCommand):
    help = "Partition the fact tables by month (PostgreSQL) and create the coming months."

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=3)

    def handle(self, *args, months_ahead, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Partitioning needs PostgreSQL.")
        horizon = month_start(timezone.localdate())
        for _ in range(months_ahead):
            horizon = next_month(horizon)
        for table, column in FACT_TABLES.items():
            with transaction.atomic(), connection.cursor() as cursor:
                if not self._partitioned(cursor, table):
                    self._convert(cursor, table, column)
                    self.stdout.write(f"{table}: now partitioned by month on {column}")
                created = self._create_months(cursor, table, column, horizon)
                self.stdout.write(f"{table}: {created} new monthly partition(s)")

    def _partitioned(self, cursor, table: str) -> bool:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [table],
        )
        return cursor.fetchone() is not None

    def _convert(self, cursor, table: str, column: str) -> None:
        """Swap in a partitioned copy with the same columns, key, index names and foreign keys
        (the names stay what Django's migrations know)."""
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
        cursor.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        cursor.execute(f"SELECT min({column}) FROM {old}")
        first = cursor.fetchone()[0]
        if first is not None:
            self._create_months(
                cursor, table, column, next_month(timezone.localdate()), since=month_start(first)
            )
        cursor.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        cursor.execute(f"DROP TABLE {old}")
        for name, _, definition in sorted(constraints, key=lambda c: c[1] != "p"):
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for _, definition in indexes:
            cursor.execute(definition)

    def _create_months(self, cursor, table, column, horizon, since=None) -> int:
        month = since or month_start(timezone.localdate())
        created = 0
        while month < horizon:
            name = f"{table}_{month:%Y%m}"
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is None:
                cursor.execute(
                    f"CREATE TABLE {name} PARTITION OF {table} "
                    f"FOR VALUES FROM ('{month}') TO ('{next_month(month)}')"
                )
                created += 1
            month = next_month(month)
        return created
