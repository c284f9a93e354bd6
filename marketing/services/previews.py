"""The live preview's count: how many customers a rule being edited selects, and a few of them,
bounded in time and cancelled as soon as a newer version of the same editor's rule asks.

Each editor holds a token; each of its previews a version that only grows. The cache (Redis in
production, shared by every web process) keeps, per token, the newest version and, while its
count runs, where it runs. A newer version cancels the older count:

- PostgreSQL: the count runs in a transaction with `SET LOCAL statement_timeout` and an
  application_name naming the token and version; the newer request calls pg_cancel_backend on
  the backend the cache names, but only while that backend still carries the older version's
  application_name, so a connection that has moved on to other work is never hit.
- SQLite: a progress handler on the connection aborts the statement when the cache says a
  newer version exists, or when the deadline has passed.

The answer says which happened: a count, "timed out" (more than the preview could count in
time) or "superseded" (nobody waits for it any more).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections, transaction
from django.db.models import Count, QuerySet, Window

from marketing.segments.planning import rule_plan_apply

KEY = "segment-preview:{token}"
# The annotation that carries the count on the sample's rows.
PREVIEW_TOTAL = "preview_total"
TOKEN = re.compile(r"^[0-9a-f]{32}$")
# How long the cache remembers an editor's versions (an editor left open over lunch).
REMEMBER_SECONDS = 6 * 60 * 60
# SQLite: the progress handler is called every this many virtual machine instructions, and
# reads the cache at most this often (seconds).
SQLITE_STEPS = 20_000
SQLITE_CACHE_EVERY = 0.05


@dataclass(frozen=True)
class PreviewResult:
    count: int | None = None
    sample: list[Any] = field(default_factory=list)
    timed_out: bool = False
    superseded: bool = False


def preview_timeout_ms() -> int:
    return int(getattr(settings, "PREVIEW_TIMEOUT_MS", 2000))


def preview_token_valid(token: str) -> bool:
    return bool(TOKEN.match(str(token or "")))


def preview_count(
    queryset: QuerySet,
    *,
    token: str,
    version: int,
    timeout_ms: int | None = None,
    sample: int = 0,
    sample_order: tuple[str, ...] = ("pk",),
) -> PreviewResult:
    """Count `queryset` (and fetch its first `sample` rows) for version `version` of the
    editor `token`, within `timeout_ms`: superseded at once if a newer version already
    asked, cancelled when a newer one asks while it runs."""
    if not preview_token_valid(token):
        raise ValueError("A preview token is 32 hexadecimal digits.")
    timeout_ms = preview_timeout_ms() if timeout_ms is None else max(1, int(timeout_ms))
    alias = queryset.db
    connection = connections[alias]
    if not _claim(token, version, alias):
        return PreviewResult(superseded=True)
    runner = _postgresql_run if connection.vendor == "postgresql" else _sqlite_run
    try:
        count, rows = runner(queryset, token, version, timeout_ms, sample, sample_order)
    except _Stopped as stopped:
        if stopped.superseded or _newer_exists(token, version):
            return PreviewResult(superseded=True)
        return PreviewResult(timed_out=True)
    finally:
        _release(token, version)
    if _newer_exists(token, version):
        return PreviewResult(superseded=True)
    return PreviewResult(count=count, sample=rows)


class _Stopped(Exception):
    def __init__(self, *, superseded: bool = False):
        super().__init__("superseded" if superseded else "timed out")
        self.superseded = superseded


# -- the cache's record of an editor's previews --------------------------------------------------


def _state(token: str) -> dict:
    state = cache.get(KEY.format(token=token))
    return state if isinstance(state, dict) else {}


def _newer_exists(token: str, version: int) -> bool:
    return _state(token).get("version", -1) > version


def _claim(token: str, version: int, alias: str) -> bool:
    """Make `version` the newest of the editor and cancel the count of an older one; False
    if a newer version has already asked (this one is stale)."""
    state = _state(token)
    if state.get("version", -1) > version:
        return False
    running = state.get("running")
    cache.set(KEY.format(token=token), {"version": version, "running": None}, REMEMBER_SECONDS)
    if running and running.get("version", version) < version:
        _cancel(running)
    return True


def _running(token: str, version: int, where: dict) -> None:
    """Record where version `version`'s count runs, unless a newer version asked meanwhile."""
    state = _state(token)
    if state.get("version", -1) > version:
        raise _Stopped(superseded=True)
    running = {"version": version, **where}
    cache.set(KEY.format(token=token), {"version": version, "running": running}, REMEMBER_SECONDS)


def _release(token: str, version: int) -> None:
    state = _state(token)
    if state.get("version") == version and state.get("running"):
        cache.set(KEY.format(token=token), {"version": version, "running": None}, REMEMBER_SECONDS)


def _cancel(running: dict) -> None:
    """Stop an older version's count where it runs (PostgreSQL; SQLite's stops itself)."""
    if running.get("vendor") != "postgresql":
        return
    connection = connections[running.get("alias", "default")]
    with connection.cursor() as cursor:
        # Inside a transaction the activity view is a snapshot taken at its first reading.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
            " WHERE pid = %s AND application_name = %s",
            [running["pid"], running["name"]],
        )


def _application_name(token: str, version: int) -> str:
    return f"segment-preview {token} {version}"


# -- running the count ---------------------------------------------------------------------------


def _fetch(queryset: QuerySet, sample: int, order: tuple[str, ...]) -> tuple[int, list]:
    """The count and the first `sample` rows in one statement: the rule's query is the
    expensive part, and a count and a sample asked separately would run it twice. The
    count rides on every sample row as a window over all of them (COUNT(*) OVER ()); a rule
    that matches nobody has no row to carry it, and is 0."""
    if not sample:
        return queryset.order_by().count(), []
    rows = list(queryset.annotate(**{PREVIEW_TOTAL: Window(Count("pk"))}).order_by(*order)[:sample])
    return (getattr(rows[0], PREVIEW_TOTAL) if rows else 0), rows


def _postgresql_run(queryset, token, version, timeout_ms, sample, order) -> tuple[int, list]:
    from psycopg2 import errors

    connection = connections[queryset.db]
    name = _application_name(token, version)
    try:
        with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
            # Both settings end with the transaction (or its savepoint, inside a test's).
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(timeout_ms)])
            rule_plan_apply(cursor)
            cursor.execute(
                "SELECT set_config('application_name', %s, true), pg_backend_pid()", [name]
            )
            pid = cursor.fetchone()[1]
            _running(token, version, {"vendor": "postgresql", "alias": queryset.db, "pid": pid,
                                      "name": name})  # fmt: skip
            result = _fetch(queryset, sample, order)
            cursor.execute("SELECT set_config('application_name', '', true)")
            return result
    except DatabaseError as error:
        if isinstance(error.__cause__, errors.QueryCanceled):
            raise _Stopped(superseded="user request" in str(error.__cause__)) from error
        raise


def _sqlite_run(queryset, token, version, timeout_ms, sample, order) -> tuple[int, list]:
    connection = connections[queryset.db]
    connection.ensure_connection()
    raw = connection.connection
    deadline = time.monotonic() + timeout_ms / 1000
    stopped: dict[str, bool] = {}
    checked = [time.monotonic()]

    def progress() -> int:
        now = time.monotonic()
        if now > deadline:
            stopped["timed_out"] = True
            return 1
        if now - checked[0] >= SQLITE_CACHE_EVERY:
            checked[0] = now
            if _newer_exists(token, version):
                stopped["superseded"] = True
                return 1
        return 0

    _running(token, version, {"vendor": "sqlite", "alias": queryset.db})
    raw.set_progress_handler(progress, SQLITE_STEPS)
    try:
        return _fetch(queryset, sample, order)
    except DatabaseError as error:
        if stopped:
            raise _Stopped(superseded="superseded" in stopped) from error
        raise
    finally:
        raw.set_progress_handler(None, SQLITE_STEPS)
