"""Loads one counter file inside the caller's transaction: stage it, check it set-based in
SQL, keep the rejects, upsert the good rows.

PostgreSQL stages with COPY straight from the file; SQLite (and PostgreSQL for a file with
ragged lines or NUL characters, which COPY cannot read) stage rows parsed by Python's csv
module. Everything after staging is the same SQL on both, except that PostgreSQL first
tries a file in one pass (`FileSql.one_pass_load`): most nights nothing is rejected, and only
a file with something to reject pays for the checked path. Where the fact tables are
partitioned, a new day's facts go into a partition of their own (etl/partitions.py).
"""

import datetime
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from . import partitions
from .sources import RefusedFile, check_decodable, data_rows
from .sql import EtlDialect, FileSql, Layout

BATCH = 5000


@dataclass
class FileOutcome:
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0
    one_pass: bool = False  # loaded in one pass, with nothing to reject


# Errors of a one-pass load that mean "some row needs the checked path": a value that does not
# parse or fit (class 22), a key given twice (23, or 21000 for an upsert), a missing value.
ONE_PASS_FALLBACK = ("21", "22", "23")
UNDECODABLE = ("22021", "22P05")  # invalid byte sequence; character with no equivalent


class _RowsLeftOut(Exception):
    """The one-pass load left rows out: they break a rule and must be rejected."""


def load_file(
    *,
    path: Path,
    layout: Layout,
    encoding: str,
    day: datetime.date,
    run_id: int,
    replace_snapshot: bool,
    late: bool,
) -> FileOutcome:
    started = time.monotonic()
    statements = FileSql(EtlDialect(connection.vendor), layout, day, late=late)
    with connection.cursor() as cursor:
        for sql in statements.create_staging():
            cursor.execute(sql)
        staged, unstaged = _stage(cursor, statements, path, encoding, layout)
        if unstaged:
            cursor.executemany(
                statements.insert_unstaged_rejects(),
                [(run_id, number + 1, reason, raw) for number, reason, raw in unstaged],
            )
        cleared = False
        if replace_snapshot and (delete := statements.delete_snapshot()):
            cursor.execute(delete)
            cleared = True  # the day's snapshot rows are gone: nothing can conflict
        # A partitioned fact table gets a partition for a day that none covers yet; the
        # one-pass load fills it before it is attached, the checked path after.
        span = (
            partitions.day_span_wanted(cursor, statements.table, day)
            if statements.postgres
            else None
        )
        one_pass = statements.loads_in_one_pass and _load_in_one_pass(
            cursor, statements, staged=staged, cleared=cleared, span=span
        )
        rejected = (
            0 if one_pass else _load_checked(cursor, statements, day, run_id, cleared=cleared)
        )
        for sql in statements.drop():
            cursor.execute(sql)
    return FileOutcome(
        rows_read=staged + len(unstaged),
        rows_loaded=staged - rejected,
        rows_rejected=rejected + len(unstaged),
        seconds=time.monotonic() - started,
        one_pass=one_pass,
    )


def _nothing_to_conflict(cursor, existing: str | None, *, cleared: bool) -> bool:
    """Whether an insert only (no ON CONFLICT) will do: the day's snapshot was just cleared,
    or the query for the rows already there (a flow file's) finds none."""
    if cleared:
        return True
    if existing is None:
        return False
    cursor.execute(existing)
    return cursor.fetchone() is None


def _load_in_one_pass(
    cursor, statements: FileSql, *, staged: int, cleared: bool, span: partitions.Span | None
) -> bool:
    """Try the one-pass load under a savepoint; True if it loaded every staged row.

    With a `span`, the rows go into a new table that becomes the day's partition once it
    has them all (its indexes are built then, in one pass each)."""
    insert_only = span is not None or _nothing_to_conflict(
        cursor, statements.existing_rows_for_the_day(), cleared=cleared
    )
    try:
        with transaction.atomic():
            # The planner cannot estimate the rules over the staged text and would pick
            # nested loops over the reference tables; a bulk load wants hash joins.
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")  # dates as text: YYYY-MM-DD
            if statements.one_pass_counts_first:
                cursor.execute(statements.one_pass_count())
                if cursor.fetchone() != (staged, staged):
                    raise _RowsLeftOut
                cursor.execute(statements.one_pass_load(insert_only=insert_only))
            else:
                if span:
                    partitions.create_detached(cursor, span)
                cursor.execute(
                    statements.one_pass_load(insert_only=insert_only, into=span and span.name)
                )
                if cursor.rowcount != staged:
                    raise _RowsLeftOut
                if span:
                    partitions.attach(cursor, span)
            cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
            cursor.execute("SET LOCAL DateStyle TO DEFAULT")
    except _RowsLeftOut:
        return False
    except DatabaseError as error:
        code = getattr(error.__cause__, "pgcode", None) or ""
        if code[:2] in ONE_PASS_FALLBACK:
            return False
        raise
    return True


def _load_checked(
    cursor, statements: FileSql, day: datetime.date, run_id: int, *, cleared: bool
) -> int:
    """Check every staged row, keep the rejects, load the good rows; return the rejects."""
    if analyse := statements.analyse_staging():
        cursor.execute(analyse)
    cursor.execute(statements.create_duplicates())
    cursor.execute(statements.create_checked())
    cursor.execute(statements.insert_rejects(run_id))
    rejected = cursor.rowcount
    insert_only = _nothing_to_conflict(
        cursor, statements.existing_rows_for_the_file_days(), cleared=cleared
    )
    if before := statements.before_load():
        cursor.execute(before)
    if statements.postgres and partitions.partitioned_fact(cursor, statements.table):
        partitions.cover(cursor, statements.table, _good_row_days(cursor, statements, day))
    cursor.execute(statements.upsert(insert_only=insert_only))
    return rejected


def _good_row_days(cursor, statements: FileSql, day: datetime.date) -> list[datetime.date]:
    if (days := statements.good_row_days()) is None:
        return [day]
    cursor.execute(days)
    return [day for (day,) in cursor.fetchall()]


def _stage(cursor, statements: FileSql, path: Path, encoding: str, layout: Layout):
    """Fill the staging table; return the rows staged and the (record number, reason, raw
    text) of the lines that cannot be staged (ragged, or holding a NUL character)."""
    if connection.vendor == "postgresql":
        import psycopg2

        try:
            with transaction.atomic(), path.open("rb") as handle:
                cursor.cursor.copy_expert(statements.copy_statement(_pg_encoding(encoding)), handle)
            return cursor.cursor.rowcount, []
        except (DatabaseError, psycopg2.Error) as error:
            # By SQLSTATE, not by message (the server may speak another language):
            # 22021 a byte sequence invalid in the encoding, 22P05 no equivalent in UTF-8.
            code = getattr(error, "pgcode", None) or getattr(error.__cause__, "pgcode", None)
            nul = code == "22021" and "0x00" in str(error)
            if code in UNDECODABLE and not nul:
                reason = str(error).strip().splitlines()[0]
                raise RefusedFile.undecodable(path, encoding, reason) from error
            # A line with too many or too few fields, or a NUL character (which decodes,
            # but no text column holds): read the file the portable way, which rejects it.
    return _stage_portable(cursor, statements, path, encoding, layout)


def _pg_encoding(encoding: str) -> str:
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _stage_portable(cursor, statements: FileSql, path: Path, encoding: str, layout: Layout):
    check_decodable(path, encoding)  # COPY checks the encoding itself
    insert = statements.insert_staging()
    unstaged, batch, staged = [], [], 0
    for number, fields, reason, raw in data_rows(path, encoding, layout.delimiter, layout.width):
        if fields is None:
            unstaged.append((number, reason, raw))
            continue
        batch.append((number, *fields))
        staged += 1
        if len(batch) >= BATCH:
            cursor.executemany(insert, batch)
            batch = []
    if batch:
        cursor.executemany(insert, batch)
    return staged, unstaged
