"""Benchmark of the nightly counter import (customers.services.counter_day_import) on PostgreSQL.

Generates two business days of exports, loads day 1 (the master data), then measures day 2
against two yardsticks: a raw COPY of the same trades.csv (the physical floor) and a naive
per-row Django ORM loop (the peer). bench/README.md explains every figure and target.

    .venv/bin/python bench/etl.py [--quick] [--trades N] [--customers N] [--unpartitioned]
                                  [--keep] [--reset]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import resource
import subprocess
import sys
import time
from decimal import Decimal
from itertools import islice
from pathlib import Path

from common import (
    OUT,
    database_prepare,
    db_settings,
    django_setup,
    generate,
    import_day,
    options,
    partition_facts,
    report,
    say,
    say_targets,
    scratch,
    sizes_for,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"
FULL = {"trades": 1_000_000, "customers": 200_000}
QUICK = {"trades": 20_000, "customers": 4_000}
SEED = 11
ORM_SAMPLE = 10_000
COPY_RUNS = 2  # the floor is the best of these
COPY_TABLE = "bench_trade_copy"
TARGETS = {
    "day_seconds_max": 60,
    "import_to_copy_ratio_max": 4,
    "peak_rss_mb_max": 500,
    "speedup_vs_orm_min": 50,
}
RESULT_MARK = "BENCH-IMPORT-RESULT "


def main() -> int:
    args = _parse_args()
    if args.measure_import:
        return _measure_import(Path(args.measure_import))  # before Django: stays small
    _django_setup()
    if args.import_only:
        return _import_only(Path(args.import_only))
    sizes = sizes_for(args, full=FULL, quick=QUICK, customers=args.customers, trades=args.trades)
    customers, trades = sizes["customers"], sizes["trades"]
    created = _database_prepare(reset=args.reset)
    partitioned = not args.unpartitioned
    if partitioned:
        partition_facts()
    out_dir = OUT / f"etl-c{customers}-t{trades}"
    with scratch(keep=args.keep, created=created, out_dir=out_dir):
        figures = _run(out_dir, customers=customers, trades=trades)
    met = {
        "day_seconds_max": figures["day_seconds"] <= TARGETS["day_seconds_max"],
        "import_to_copy_ratio_max": (
            figures["import_to_copy_ratio"] <= TARGETS["import_to_copy_ratio_max"]
        ),
        "peak_rss_mb_max": figures["peak_rss_mb"] <= TARGETS["peak_rss_mb_max"],
        "speedup_vs_orm_min": figures["speedup_vs_orm"] >= TARGETS["speedup_vs_orm_min"],
    }
    say_targets(met, TARGETS)
    day2_files = figures.pop("day2_files")
    report(
        {
            "figures": figures,
            "day2_files": day2_files,
            "sizes": {
                "customers": customers,
                "trades": trades,
                "quick": args.quick,
                "partitioned": partitioned,
            },
        },
        targets=TARGETS,
        met=met,
    )
    return 0


def _parse_args() -> argparse.Namespace:
    parser = options(__doc__, "20,000 trades, 4,000 customers")
    parser.add_argument("--trades", type=int, help="trades of the measured day")
    parser.add_argument("--customers", type=int, help="customers in the master data")
    parser.add_argument(
        "--unpartitioned",
        action="store_true",
        help="leave the fact tables as the migrations make them; by default they are first"
        " partitioned (manage.py partition_facts), as the README advises for production",
    )
    parser.add_argument("--measure-import", metavar="DAYDIR", help=argparse.SUPPRESS)
    parser.add_argument("--import-only", metavar="DAYDIR", help=argparse.SUPPRESS)
    return parser.parse_args()


def _django_setup() -> None:
    django_setup("etl.py", DEFAULT_DATABASE_URL, "the import path (COPY)", refuse_debug=False)


# -- the database --------------------------------------------------------------------------


def _database_prepare(*, reset: bool) -> bool:
    """The shared preparation, refusing a database that has imported days already."""
    from customers.models import ImportRun

    created = database_prepare(reset=reset)
    if ImportRun.objects.exists():
        sys.exit(
            f"Database {db_settings()['NAME']} already holds imported days, so day 2 would be a"
            " re-load and not a first load. Run again with --reset (drops and re-creates it) or"
            " point DATABASE_URL at another database."
        )
    return created


# -- the steps -----------------------------------------------------------------------------


def _run(out_dir: Path, *, customers: int, trades: int) -> dict:
    generation_seconds, (day1, day2) = generate(
        out_dir, customers=customers, days=2, seed=SEED, trades_per_day=trades
    )

    run, day1_seconds = import_day(day1)
    say(f"day 1 import ({day1.name}, master data): {day1_seconds:.1f}s, {_run_summary(run)}")

    _checkpoint()
    day2_seconds, run_id, peak_rss_mb = _import_in_child(day2)
    files = _file_results(run_id)
    say(f"day 2 import ({day2.name}, measured): {day2_seconds:.1f}s, peak RSS {peak_rss_mb:.0f} MB")
    for name, result in files.items():
        say(
            f"  {name:<22}{result['rows_read']:>10,} rows {result['seconds']:>8.3f}s"
            f"  {result['rows_rejected']:,} rejected"
        )
    trades_file = files["trades"]
    trades_rows, trades_seconds = trades_file["rows_read"], trades_file["seconds"]
    trades_rate = trades_rows / trades_seconds

    _checkpoint()
    copy_seconds = _copy_floor(day2 / "trades.csv")
    say(f"raw COPY of trades.csv into an unindexed typed table: {copy_seconds:.2f}s (best)")

    orm_rows, orm_seconds = _orm_peer(day2 / "trades.csv")
    orm_rate = orm_rows / orm_seconds
    say(f"naive ORM loop: {orm_rows:,} rows in {orm_seconds:.1f}s = {orm_rate:,.0f} rows/s")

    say(
        f"trades.csv: {trades_rows:,} rows in {trades_seconds:.2f}s = {trades_rate:,.0f} rows/s;"
        f" {trades_seconds / copy_seconds:.1f}x the COPY floor;"
        f" {trades_rate / orm_rate:.0f}x the ORM loop"
    )
    return {
        "trades_rows": trades_rows,
        "trades_seconds": round(trades_seconds, 3),
        "trades_rows_per_s": round(trades_rate),
        "day_seconds": round(day2_seconds, 3),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "copy_seconds": round(copy_seconds, 3),
        "import_to_copy_ratio": round(trades_seconds / copy_seconds, 2),
        "orm_rows_per_s": round(orm_rate),
        "speedup_vs_orm": round(trades_rate / orm_rate, 1),
        "generation_seconds": round(generation_seconds, 3),
        "day1_seconds": round(day1_seconds, 3),
        "day2_files": files,
    }


def _checkpoint() -> None:
    """Start each measured step from the same state: the previous step's dirty pages
    written out, so that neither the import nor the COPY floor pays for the other's."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as error:  # only superusers (or pg_checkpoint) may
        say(f"(no CHECKPOINT between the steps: {error})")


def _run_summary(run) -> str:
    return f"{run.rows_loaded:,} rows loaded, {run.rows_rejected:,} rejected"


def _import_in_child(folder: Path) -> tuple[float, int, float]:
    """Import a day in a fresh process: (seconds of the import call, run id, peak RSS in MB).

    Linux carries a process's peak RSS across fork and exec into the child's rusage, so a
    child started from this process (big after generating the exports) would report at least
    this process's own peak. Hence two hops: a small launcher that has not set Django up runs
    the importing process and reads its peak from RUSAGE_CHILDREN, its only child.
    """
    launcher = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(Path(__file__).resolve()), "--measure-import", str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    result = _child_result(launcher, folder)
    if result.get("own_hwm_kib"):
        say(f"  (the importing process's own VmHWM: {result['own_hwm_kib'] / 1024:.0f} MB)")
    return result["seconds"], result["run_id"], result["peak_rss_kib"] / 1024


def _measure_import(folder: Path) -> int:
    """The launcher: run the importing process, pass on its result and its peak RSS."""
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(Path(__file__).resolve()), "--import-only", str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    result = _child_result(child, folder)
    result["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0


def _child_result(child: subprocess.CompletedProcess, folder: Path) -> dict:
    lines = [line for line in child.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if child.returncode or not lines:
        sys.exit(f"the import of {folder.name} failed (exit {child.returncode}):\n{child.stdout}")
    return json.loads(lines[-1].removeprefix(RESULT_MARK))


def _import_only(folder: Path) -> int:
    """The importing process: progress to stderr, the result to stdout."""
    from customers.models import RunStatus
    from customers.services import counter_day_import

    started = time.perf_counter()
    run = counter_day_import(
        folder=folder, progress=lambda message: print(f"  {message}", file=sys.stderr)
    )
    seconds = time.perf_counter() - started
    if run.status not in (RunStatus.LOADED, RunStatus.LOADED_WITH_REJECTS):
        print(f"import ended {run.status}: {run.error}", file=sys.stderr)
        return 1
    result = {"run_id": run.pk, "seconds": seconds, "own_hwm_kib": _own_hwm_kib()}
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0


def _own_hwm_kib() -> int | None:
    """Peak RSS of this process's address space since exec (Linux), a cross-check."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def _file_results(run_id: int) -> dict[str, dict]:
    from customers.models import ImportFileResult

    return {
        result.file: {
            "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded,
            "rows_rejected": result.rows_rejected,
            "seconds": result.seconds,
        }
        for result in ImportFileResult.objects.filter(run_id=run_id).order_by("id")
    }


def _copy_floor(path: Path) -> float:
    """Best time of a plain COPY of the file into a table typed like customers_trade, with no
    index, constraint or check: what moving the bytes into PostgreSQL costs at least."""
    from django.db import connection

    columns = ", ".join(f"{name} {kind}" for name, kind in _trade_file_types(path).items())
    names = ", ".join(_trade_file_types(path))
    copy = (
        f"COPY {COPY_TABLE} ({names}) FROM STDIN "
        "WITH (FORMAT csv, HEADER true, NULL '', ENCODING 'UTF8')"
    )
    best = float("inf")
    with connection.cursor() as cursor:
        for _ in range(COPY_RUNS):
            cursor.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
            cursor.execute(f"CREATE TABLE {COPY_TABLE} ({columns})")
            with path.open("rb") as handle:
                started = time.perf_counter()
                cursor.cursor.copy_expert(copy, handle)
                best = min(best, time.perf_counter() - started)
        cursor.execute(f"DROP TABLE {COPY_TABLE}")
    return best


def _trade_file_types(path: Path) -> dict[str, str]:
    """The file's columns with the database types their values end up in."""
    from django.db import connection

    from customers.models import CapitalAccount, Trade
    from products.models import Security

    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    types = {}
    for name in header:
        model = next(
            m for m in (Trade, CapitalAccount, Security) if name in {f.name for f in m._meta.fields}
        )
        types[name] = model._meta.get_field(name).db_type(connection)
    return types


def _orm_peer(path: Path) -> tuple[int, float]:
    """How a typical Django project loads the file: per row, two .get() lookups and a create.

    Serial numbers get an X prefix so that they never meet the loaded day's keys, and the
    transaction is rolled back, so that the database is left as it was.
    """
    from django.db import transaction

    from customers.models import CapitalAccount, Trade
    from products.models import Security

    def number(text: str) -> Decimal | None:
        return Decimal(text) if text else None

    rows = 0
    with transaction.atomic():
        started = time.perf_counter()
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in islice(csv.DictReader(handle), ORM_SAMPLE):
                account = CapitalAccount.objects.get(fund_account=row["fund_account"])
                security = Security.objects.get(market=row["market"], sec_code=row["sec_code"])
                Trade.objects.create(
                    trade_date=datetime.date.fromisoformat(row["trade_date"]),
                    serial_no="X" + row["serial_no"],
                    account=account,
                    security=security,
                    side=row["side"],
                    quantity=Decimal(row["quantity"]),
                    price=Decimal(row["price"]),
                    amount=Decimal(row["amount"]),
                    commission=Decimal(row["commission"]),
                    stamp_tax=number(row["stamp_tax"]),
                    transfer_fee=number(row["transfer_fee"]),
                    handling_fee=number(row["handling_fee"]),
                    regulatory_fee=number(row["regulatory_fee"]),
                    net_amount=Decimal(row["net_amount"]),
                    channel=row["channel"],
                )
                rows += 1
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return rows, seconds


if __name__ == "__main__":
    sys.exit(main())
