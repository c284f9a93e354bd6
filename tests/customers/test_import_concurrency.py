"""The import under real concurrency: a second process started while this one loads a day,
and a process killed mid-way. Whatever is decided about a run (late, already loaded) is
decided once the nightly lock is held, so the order in which runs were started never
rolls figures or master data back.

The other process opens the test database itself: on SQLite that needs a file database
(`make test` sets SQLITE_TEST_DATABASE); with an in-memory one these tests are skipped.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from crm.locks import nightly_lock_acquire
from customers.models import Customer, CustomerFigures, ImportRun, RunStatus
from customers.services import counter_day_import, import_runs_reap
from tests.conftest import database_url, shipped_rows_ensure

from .counter_files import base_day, write_day

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The other process: imports one day folder; "stall" makes it stop inside the import (once
# it holds the lock and has started the first file) until it is killed.
SCRIPT = """
import sys, time
import django
django.setup()
from pathlib import Path
from customers.services import counter_day_import

def progress(message):
    if sys.argv[2] == "stall":
        print("loading", flush=True)
        time.sleep(300)

print("ready", flush=True)
run = counter_day_import(folder=Path(sys.argv[1]), progress=progress)
print(run.status, flush=True)
"""


@pytest.fixture(autouse=True)
def _shared_database():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("another process cannot open an in-memory database: set SQLITE_TEST_DATABASE")
    shipped_rows_ensure()  # the canonical profile, which the other process imports with


def start_import(folder: Path, mode: str = "load") -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "crm.settings"}
    env.pop("CELERY_BROKER_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(folder), mode],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


def wait_until_it_waits_for_the_lock(process: subprocess.Popen) -> None:
    """PostgreSQL shows the waiting lock; SQLite's writer waits where nothing shows it, so
    the process is given time to get there."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        if connection.vendor == "sqlite":
            time.sleep(2)
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the other import never waited for the lock")


def finished(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out.strip().splitlines()[-1]


def test_an_older_day_started_while_a_newer_one_loads_is_late_and_rolls_nothing_back(tmp_path):
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    older = base_day("2026-03-03")
    older["customers"][0][1] = "张三"
    newer = base_day("2026-03-04")
    newer["customers"][0][1] = "张三丰"
    older_folder = write_day(tmp_path, "20260303", older)
    with transaction.atomic():
        nightly_lock_acquire()  # as if the newer day's run had just taken it
        process = start_import(older_folder)
        wait_until_it_waits_for_the_lock(process)
        assert counter_day_import(folder=write_day(tmp_path, "20260304", newer)).status == (
            RunStatus.LOADED
        )
    assert finished(process) == RunStatus.LOADED
    older_run = ImportRun.objects.get(business_date=datetime.date(2026, 3, 3))
    assert older_run.late is True
    customer = Customer.objects.get(cust_no="C001")
    assert (customer.name, customer.as_of) == ("张三丰", datetime.date(2026, 3, 4))
    assert set(CustomerFigures.objects.values_list("as_of", flat=True)) == {
        datetime.date(2026, 3, 4)
    }


def test_a_second_run_of_a_day_started_meanwhile_finds_it_loaded_and_loads_nothing(tmp_path):
    folder = write_day(tmp_path, "20260302", base_day())
    with transaction.atomic():
        nightly_lock_acquire()
        process = start_import(folder)
        wait_until_it_waits_for_the_lock(process)
        first = counter_day_import(folder=folder)
    assert finished(process) == RunStatus.SKIPPED
    second = ImportRun.objects.exclude(pk=first.pk).get()
    assert second.status == RunStatus.SKIPPED
    assert f"#{first.pk}" in second.error
    assert second.rows_loaded == 0


def test_a_run_whose_process_was_killed_is_marked_failed_by_the_next_run(tmp_path):
    folder = write_day(tmp_path, "20260302", base_day())
    process = start_import(folder, mode="stall")
    assert process.stdout.readline().strip() == "loading", process.stderr.read()
    killed = ImportRun.objects.get(status=RunStatus.RUNNING)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    # The server notices the lost connection and drops its locks within moments.
    deadline = time.monotonic() + 30
    while not import_runs_reap() and time.monotonic() < deadline:
        time.sleep(0.2)
    killed.refresh_from_db()
    assert killed.status == RunStatus.FAILED
    assert "stopped before it finished" in killed.error
    assert not Customer.objects.exists()  # nothing of the killed run was kept
    assert counter_day_import(folder=folder).status == RunStatus.LOADED
