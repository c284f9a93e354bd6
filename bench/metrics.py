"""Benchmark of the nightly metrics step (analytics.services) and of the dashboards that read
its tables, on PostgreSQL, over two business days loaded through the real import.

Generates two days of counter exports, loads them with counter_day_import, computes day 1's
metrics, then times day 2's metrics and the month's roll-ups, and finally times /dashboards/
for head office and a branch manager with Django's test client. bench/README.md explains
every figure and target.

    .venv/bin/python bench/metrics.py [--quick] [--keep] [--reset] [--requests N]
"""

from __future__ import annotations

import argparse
import gc
import json
import secrets
import shutil
import sys
import time
from pathlib import Path

import pages
from etl import _database_drop, _db_settings, django_setup, say
from pages import _captured, _get, _short, _stats, _vacuum_analyze

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
STATIC_ROOT = OUT / "metrics-static"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_metrics"
FULL = {"customers": 200_000, "trades_per_day": 1_000_000, "requests": 30}
QUICK = {"customers": 4_000, "trades_per_day": 20_000, "requests": 10}
DAYS = 2
SEED = 23
WARMUP = 3  # requests per dashboard before the timed ones
URL = "/dashboards/"
TARGETS = {"metrics_seconds_max": 60, "dashboard_p95_ms_max": 300}
LOGINS = {"head": "bench-metrics-head", "branch": "bench-metrics-branch"}


def main() -> int:
    args = _parse_args()
    _django_setup()
    sizes = QUICK if args.quick else FULL
    requests = args.requests or sizes["requests"]
    created = pages._database_prepare(reset=args.reset)
    out_dir = OUT / f"metrics-c{sizes['customers']}-t{sizes['trades_per_day']}"
    try:
        dataset = _dataset(out_dir, sizes)
        metrics = _metrics(dataset["day1"], dataset["day2"])
        dataset["vacuum_seconds"] = _vacuum_analyze()
        users = _users()
        pages.STATIC_ROOT = STATIC_ROOT  # pages._static_prepare reads its module's global
        pages._static_prepare()
        dashboards = _measure(users, requests=requests)
    finally:
        if not args.keep:
            shutil.rmtree(out_dir, ignore_errors=True)
            shutil.rmtree(STATIC_ROOT, ignore_errors=True)
            if created:
                _database_drop()
    if args.keep:
        say(f"kept: exports under {out_dir}, database {_db_settings()['NAME']}")
    rows = {name: metrics.pop(name) for name in ("customer_day_rows", "customer_month_rows")}
    figures = {
        **metrics,
        **{
            f"dashboard_{key}_{name}": value
            for key, page in dashboards.items()
            for name, value in page.items()
            if name in ("p50_ms", "p95_ms", "max_ms", "queries")
        },
        **{
            name: None if dataset[name] is None else round(dataset[name], 1)
            for name in ("generation_seconds", "import_seconds", "vacuum_seconds")
        },
    }
    met = {
        "metrics_seconds_max": figures["metrics_total_seconds"] <= TARGETS["metrics_seconds_max"],
        "dashboard_p95_ms_max": all(
            page["p95_ms"] <= TARGETS["dashboard_p95_ms_max"] for page in dashboards.values()
        ),
    }
    for name, ok in met.items():
        say(f"target {name} = {TARGETS[name]}: {'met' if ok else 'MISSED'}")
    report = {
        "figures": figures,
        "dashboards": {
            key: {k: v for k, v in page.items() if k not in ("slowest", "ms")}
            for key, page in dashboards.items()
        },
        "sizes": {
            "customers": dataset["customers"],
            "trades": dataset["trades"],
            "trades_day2": dataset["trades_day2"],
            "days": dataset["days"],
            "day1": str(dataset["day1"]),
            "day2": str(dataset["day2"]),
            **rows,
            "requests": requests,
            "quick": args.quick,
        },
        "targets": TARGETS,
        "met": met,
    }
    print(json.dumps(report, ensure_ascii=False), flush=True)
    return 0


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="4,000 customers, 2 days of ~20,000 trades"
    )
    parser.add_argument(
        "--requests", type=int, help="timed requests per dashboard (default 30, quick 10)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the exports and the database afterwards"
    )
    parser.add_argument(
        "--reset", action="store_true", help="drop and re-create the database before the run"
    )
    return parser.parse_args()


def _django_setup() -> None:
    django_setup(
        "metrics.py", DEFAULT_DATABASE_URL, "the metrics SQL and the dashboards", refuse_debug=True
    )


# -- the dataset ---------------------------------------------------------------------------------


def _dataset(out_dir: Path, sizes: dict) -> dict:
    """Generate and import the two days, or reuse a database a --keep run left with them."""
    from customers.models import Customer, ImportRun, RunKind, RunStatus, Trade

    loaded = sorted(
        set(
            ImportRun.objects.filter(
                kind=RunKind.DAY, status__in=(RunStatus.LOADED, RunStatus.LOADED_WITH_REJECTS)
            ).values_list("business_date", flat=True)
        )
    )
    timings = {"generation_seconds": None, "import_seconds": None}
    if loaded:
        customers = Customer.objects.count()
        if (len(loaded), customers) != (DAYS, sizes["customers"]):
            sys.exit(
                f"Database {_db_settings()['NAME']} holds {len(loaded)} days of {customers:,}"
                f" customers, not the {DAYS} days of {sizes['customers']:,} this size needs."
                " Run again with --reset (drops and re-creates it) or point DATABASE_URL"
                " elsewhere."
            )
        say(f"reusing the loaded dataset: days {loaded[0]}, {loaded[1]}; {customers:,} customers")
        day1, day2 = loaded
    else:
        timings["generation_seconds"], folders = _generate(out_dir, sizes)
        timings["import_seconds"], (day1, day2) = _import(folders)
    trades = Trade.objects.count()
    trades_day2 = Trade.objects.filter(trade_date=day2).count()
    customers = Customer.objects.count()
    say(f"dataset: {customers:,} customers, {trades:,} trades ({trades_day2:,} on {day2})")
    return {
        "customers": customers,
        "trades": trades,
        "trades_day2": trades_day2,
        "days": DAYS,
        "day1": day1,
        "day2": day2,
        **timings,
    }


def _generate(out_dir: Path, sizes: dict) -> tuple[float, list[Path]]:
    from customers.etl.generator import generate_exports

    say(
        f"generating {DAYS} days: {sizes['customers']:,} customers,"
        f" ~{sizes['trades_per_day']:,} trades a day -> {out_dir}"
    )
    # A folder left by an interrupted run must not be taken for a finished day.
    shutil.rmtree(out_dir, ignore_errors=True)
    started = time.perf_counter()
    folders = generate_exports(
        out_dir=out_dir,
        customers=sizes["customers"],
        days=DAYS,
        seed=SEED,
        trades_per_day=sizes["trades_per_day"],
        progress=lambda message: say(f"  {message}"),
    )
    seconds = time.perf_counter() - started
    say(f"generation: {seconds:.1f}s")
    return seconds, folders


def _import(folders: list[Path]) -> tuple[float, list]:
    from customers.models import RunStatus
    from customers.services import counter_day_import

    days = []
    total = 0.0
    for folder in folders:
        started = time.perf_counter()
        run = counter_day_import(folder=folder)
        seconds = time.perf_counter() - started
        total += seconds
        if run.status not in (RunStatus.LOADED, RunStatus.LOADED_WITH_REJECTS):
            sys.exit(f"import of {folder.name} ended {run.status}: {run.error}")
        say(
            f"import {run.business_date} (counter_day_import): {seconds:.1f}s,"
            f" {run.get_status_display()}, {run.rows_loaded:,} rows loaded,"
            f" {run.rows_rejected:,} rejected"
        )
        days.append(run.business_date)
    say(f"import: {total:.1f}s for {len(days)} days")
    return total, days


# -- the metrics ---------------------------------------------------------------------------------


def _metrics(day1, day2) -> dict:
    """Day 1's metrics (not timed), then day 2's and the month's roll-ups (timed)."""
    from analytics.services import metrics_compute_day, metrics_compute_month

    started = time.perf_counter()
    rows1 = metrics_compute_day(day=day1)
    say(f"metrics of day 1 ({day1}, not timed): {rows1:,} customer rows in {_since(started):.1f}s")

    gc.collect()
    started = time.perf_counter()
    day_rows = metrics_compute_day(day=day2)
    day_seconds = _since(started)
    say(f"metrics_compute_day({day2}): {day_rows:,} customer rows in {day_seconds:.2f}s")
    started = time.perf_counter()
    month_rows = metrics_compute_month(month=day2)
    month_seconds = _since(started)
    say(
        f"metrics_compute_month({day2.replace(day=1)}): {month_rows:,} customer rows"
        f" in {month_seconds:.2f}s"
    )
    total = day_seconds + month_seconds
    say(f"metrics total: {total:.2f}s")
    return {
        "metrics_day_seconds": round(day_seconds, 3),
        "metrics_month_seconds": round(month_seconds, 3),
        "metrics_total_seconds": round(total, 3),
        "customer_day_rows": day_rows,
        "customer_month_rows": month_rows,
    }


def _since(started: float) -> float:
    return time.perf_counter() - started


# -- users ---------------------------------------------------------------------------------------


def _users() -> dict:
    """Head office, and the manager of the busiest branch linked to imported staff the way
    demo_users links its demo branch manager."""
    from django.db.models import Count

    from crm.models import Branch, Role, Staff
    from crm.services import staff_login_create

    busiest = Branch.objects.annotate(n=Count("customers")).order_by("-n", "code").first()
    manager = (
        Staff.objects.filter(branch=busiest, role=Role.BRANCH_MANAGER, is_active=True)
        .order_by("staff_code")
        .first()
    )
    if manager is None:
        sys.exit("The imported staff has no active branch manager of the busiest branch.")
    head = staff_login_create(
        username=LOGINS["head"],
        password=secrets.token_urlsafe(24),  # force_login: never typed
        role=Role.HEAD_OFFICE,
        staff_code=LOGINS["head"].upper(),
        name=LOGINS["head"],
    )
    branch = staff_login_create(
        username=LOGINS["branch"],
        password=secrets.token_urlsafe(24),
        role=Role.BRANCH_MANAGER,
        staff_code=manager.staff_code,
        name=manager.name,
        branch=manager.branch,
        team=manager.team,
    )
    say(
        f"logins: {LOGINS['head']} = head office ({Branch.objects.count()} branches),"
        f" {LOGINS['branch']} = branch manager {manager.staff_code} of {busiest.code}"
        f" ({busiest.n:,} customers)"
    )
    return {"head": head.user, "branch": branch.user}


# -- measuring -----------------------------------------------------------------------------------


def _measure(users: dict, *, requests: int) -> dict[str, dict]:
    """Each dashboard: warm-up, one request with its queries captured, then the timed ones,
    interleaved between the two users."""
    from django.test import Client

    clients = {}
    for key, user in users.items():
        # Host and scheme as behind the production proxy: ALLOWED_HOSTS, SSL redirect.
        client = Client(HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
        client.force_login(user)
        clients[key] = client
    gc.collect()
    for client in clients.values():
        for _ in range(WARMUP):
            _get(client, URL)
    dashboards = {key: _captured(client, URL) for key, client in clients.items()}
    timings = {key: [] for key in clients}
    started = time.perf_counter()
    for _ in range(requests):
        for key, client in clients.items():
            timings[key].append(_get(client, URL))
    say(f"measured {requests * len(clients)} requests in {_since(started):.1f}s")
    for key, ms in timings.items():
        page = dashboards[key]
        page.update(requests=len(ms), **_stats(ms), ms=ms)
        say(
            f"dashboard/{key:<8} n={len(ms):>4}  p50 {page['p50_ms']:>7.1f}"
            f"  p95 {page['p95_ms']:>7.1f}  max {page['max_ms']:>7.1f} ms"
            f"  {page['queries']:>3} queries  ({page['sql_ms']:.1f} ms of SQL captured)"
        )
        for query_ms, sql in page["slowest"]:
            say(f"      {query_ms:>7.1f} ms  {_short(sql)}")
    return dashboards


if __name__ == "__main__":
    sys.exit(main())
