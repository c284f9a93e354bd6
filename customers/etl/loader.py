"""Loads one counter file inside the caller's transaction: stage it, check it set-based in
SQL, keep the rejects, upsert the good rows.

PostgreSQL stages with COPY straight from the file; SQLite (and PostgreSQL for a file with
ragged lines, which COPY cannot read) stage rows parsed by Python's csv module. Everything
after staging is the same SQL on both.
"""

import datetime
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from .sources import RefusedFile, check_decodable, data_rows
from .specs import WRONG_FIELD_COUNT
from .sql import Dialect, FileSql, Layout

BATCH = 5000


@dataclass
class FileOutcome:
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0


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
    dialect = Dialect(connection.vendor)
    statements = FileSql(dialect, layout, day, late=late)
    check_decodable(path, encoding)
    with connection.cursor() as cursor:
        for sql in statements.create_staging():
            cursor.execute(sql)
        staged, ragged = _stage(cursor, statements, path, encoding, layout)
        if dialect.postgres:
            cursor.execute(f"ANALYZE {statements.staging}")
        cursor.execute(statements.create_duplicates())
        cursor.execute(statements.create_checked())
        cursor.execute(statements.insert_rejects(run_id))
        rejected = cursor.rowcount
        if ragged:
            cursor.executemany(
                'INSERT INTO customers_importreject (run_id, file, line_no, "column", reason, raw)'
                " VALUES (%s, %s, %s, '', %s, %s)",
                [
                    (run_id, layout.spec.name, number + 1, WRONG_FIELD_COUNT, raw)
                    for number, raw in ragged
                ],
            )
        plain = False
        if replace_snapshot and (delete := statements.delete_snapshot()):
            cursor.execute(delete)
            plain = True  # the day's snapshot rows are gone: nothing can conflict
        elif existing := statements.existing_rows_for_the_file_days():
            cursor.execute(existing)
            plain = cursor.fetchone() is None
        if before := statements.before_load():
            cursor.execute(before)
        cursor.execute(statements.upsert(plain=plain))
        for sql in statements.drop():
            cursor.execute(sql)
    return FileOutcome(
        rows_read=staged + len(ragged),
        rows_loaded=staged - rejected,
        rows_rejected=rejected + len(ragged),
        seconds=time.monotonic() - started,
    )


def _stage(cursor, statements: FileSql, path: Path, encoding: str, layout: Layout):
    """Fill the staging table; return the rows staged and the (record number, raw text) of
    ragged lines."""
    if connection.vendor == "postgresql":
        import psycopg2

        try:
            with transaction.atomic(), path.open("rb") as handle:
                cursor.cursor.copy_expert(statements.copy_statement(_pg_encoding(encoding)), handle)
            return cursor.cursor.rowcount, []
        except (DatabaseError, psycopg2.Error) as error:
            if "invalid byte sequence" in str(error) or "has no equivalent" in str(error):
                raise RefusedFile(path.name, f"cannot be decoded ({error})") from error
            # A line with too many or too few fields: read the file the portable way.
    return _stage_portable(cursor, statements, path, encoding, layout)


def _pg_encoding(encoding: str) -> str:
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _stage_portable(cursor, statements: FileSql, path: Path, encoding: str, layout: Layout):
    insert = statements.insert_staging()
    ragged, batch, staged = [], [], 0
    for number, fields, raw in data_rows(path, encoding, layout.delimiter, layout.width):
        if fields is None:
            ragged.append((number, raw))
            continue
        batch.append((number, *fields))
        staged += 1
        if len(batch) >= BATCH:
            cursor.executemany(insert, batch)
            batch = []
    if batch:
        cursor.executemany(insert, batch)
    return staged, ragged
