"""The lock that keeps the nightly steps (import, metrics, segments) from overlapping.

On PostgreSQL a transaction-level advisory lock: held until the caller's transaction ends,
across every worker on every machine. SQLite serialises writers by itself (the settings
open write transactions immediately), so there is nothing to take there.
"""

import os
import secrets
import socket
import zlib
from contextlib import contextmanager, suppress

from django.db import DatabaseError, connection

NIGHTLY_LOCK_KEY = 4_202_611  # any constant bigint, the same for every nightly step


def nightly_lock_acquire() -> None:
    """Block until no other nightly step runs; call inside transaction.atomic()."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NIGHTLY_LOCK_KEY])


# -- whether the process running a long step is still alive --------------------------------
# A run records "host:pid:token" when it starts and, on PostgreSQL, holds a session-level
# advisory lock on its token until it ends. The server drops that lock when the process's
# connection dies (process killed, machine restarted), so another process, on any machine,
# can tell a dead run from a live one. SQLite is the embedded single-machine default: there
# a run is alive while its process is.

LIVENESS_CLASS = 4_202_612  # first half of the two-int advisory key; the token is the second


def liveness_claim() -> str:
    """Claim a token for a run about to start; returns what to record as its worker."""
    token = secrets.randbelow(2**31 - 1) + 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LIVENESS_CLASS, token])
    return f"{socket.gethostname()}:{os.getpid()}:{token}"


def liveness_release(worker: str) -> None:
    """Give the token back when the run ends (its connection may already be gone)."""
    if connection.vendor != "postgresql" or not (token := _token(worker)):
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LIVENESS_CLASS, token])
    except DatabaseError:
        pass  # a broken connection has released it already


def liveness_alive(worker: str) -> bool:
    """Whether the process that recorded `worker` still runs (an empty record: no). This
    process's own runs count as alive (its session holds their locks re-entrantly)."""
    token = _token(worker)
    if token is None:
        return False
    if worker.startswith(f"{socket.gethostname()}:{os.getpid()}:"):
        return True
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LIVENESS_CLASS, token])
            (free,) = cursor.fetchone()
            if free:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LIVENESS_CLASS, token])
            return not free
    host, pid, _ = worker.rsplit(":", 2)
    if host != socket.gethostname():
        return True  # another machine's process: nothing here can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _token(worker: str) -> int | None:
    try:
        return int(worker.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return None


def nightly_lock_try() -> bool:
    """Take the nightly lock if it is free (inside transaction.atomic()); False if a nightly
    step holds it. SQLite's own write lock serialises there."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [NIGHTLY_LOCK_KEY])
        return cursor.fetchone()[0]


# -- locks keyed by a name -------------------------------------------------------------------
# Two-int advisory keys on PostgreSQL: a class (what kind of lock) and the name's CRC-32.
# SQLite is the embedded single-process default, whose writers queue by themselves: there
# every lock is had at once.

KEYED_LOCK_CLASS = 4_202_617  # the class of keyed locks that name no class of their own


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


@contextmanager
def keyed_session_lock(name: str, *, lock_class: int = KEYED_LOCK_CLASS):
    """Try the session-level advisory lock of `name`; yields whether this process has it.
    Held across the caller's transactions until the block ends, and dropped by the server
    when the process dies."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = _name_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [lock_class, key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [lock_class, key])


def keyed_xact_lock(name: str, *, lock_class: int = KEYED_LOCK_CLASS) -> None:
    """Wait for the transaction-level advisory lock of `name` (call inside
    transaction.atomic(); it is held until that transaction ends)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [lock_class, _name_key(name)])
