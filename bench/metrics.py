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
import sys
import time
from pathlib import Path

from common import (
    OUT,
    busiest_branch_manager,
    clients_for,
    database_prepare,
    django_setup,
    generate,
    import_day,
    login,
    measure,
    options,
    page_summaries,
    report,
    reused_days,
    rounded,
    say,
    say_targets,
    scratch,
    since,
    sizes_for,
    static_prepare,
    vacuum_analyze,
)

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
    sizes = sizes_for(args, full=FULL, quick=QUICK, requests=args.requests)
    requests = sizes["requests"]
    created = database_prepare(reset=args.reset)
    out_dir = OUT / f"metrics-c{sizes['customers']}-t{sizes['trades_per_day']}"
    with scratch(keep=args.keep, created=created, out_dir=out_dir, also=(STATIC_ROOT,)):
        dataset = _dataset(out_dir, sizes)
        metrics = _metrics(dataset["day1"], dataset["day2"])
        dataset["vacuum_seconds"] = vacuum_analyze()
        users = _users()
        static_prepare(STATIC_ROOT)
        dashboards = _measure(users, requests=requests)
    rows = {name: metrics.pop(name) for name in ("customer_day_rows", "customer_month_rows")}
    figures = {
        **metrics,
        **{
            f"dashboard_{key}_{name}": value
            for key, page in dashboards.items()
            for name, value in page.items()
            if name in ("p50_ms", "p95_ms", "max_ms", "queries")
        },
        **rounded(dataset, ("generation_seconds", "import_seconds", "vacuum_seconds")),
    }
    met = {
        "metrics_seconds_max": figures["metrics_total_seconds"] <= TARGETS["metrics_seconds_max"],
        "dashboard_p95_ms_max": all(
            page["p95_ms"] <= TARGETS["dashboard_p95_ms_max"] for page in dashboards.values()
        ),
    }
    say_targets(met, TARGETS)
    report(
        {
            "figures": figures,
            "dashboards": page_summaries(dashboards),
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
        },
        targets=TARGETS,
        met=met,
    )
    return 0


def _parse_args() -> argparse.Namespace:
    return options(
        __doc__,
        "4,000 customers, 2 days of ~20,000 trades",
        requests="timed requests per dashboard (default 30, quick 10)",
    ).parse_args()


def _django_setup() -> None:
    django_setup(
        "metrics.py", DEFAULT_DATABASE_URL, "the metrics SQL and the dashboards", refuse_debug=True
    )


# -- the dataset ---------------------------------------------------------------------------------


def _dataset(out_dir: Path, sizes: dict) -> dict:
    """Generate and import the two days, or reuse a database a --keep run left with them."""
    from customers.models import Customer, Trade

    timings = {"generation_seconds": None, "import_seconds": None}
    if loaded := reused_days(days=DAYS, customers=sizes["customers"]):
        day1, day2 = loaded
    else:
        timings["generation_seconds"], folders = generate(
            out_dir,
            customers=sizes["customers"],
            days=DAYS,
            seed=SEED,
            trades_per_day=sizes["trades_per_day"],
        )
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


def _import(folders: list[Path]) -> tuple[float, list]:
    days = []
    total = 0.0
    for folder in folders:
        run, seconds = import_day(folder)
        total += seconds
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
    say(f"metrics of day 1 ({day1}, not timed): {rows1:,} customer rows in {since(started):.1f}s")

    gc.collect()
    started = time.perf_counter()
    day_rows = metrics_compute_day(day=day2)
    day_seconds = since(started)
    say(f"metrics_compute_day({day2}): {day_rows:,} customer rows in {day_seconds:.2f}s")
    started = time.perf_counter()
    month_rows = metrics_compute_month(month=day2)
    month_seconds = since(started)
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


# -- users ---------------------------------------------------------------------------------------


def _users() -> dict:
    """Head office, and the manager of the busiest branch linked to imported staff the way
    demo_users links its demo branch manager."""
    from crm.models import Branch, Role

    busiest, manager = busiest_branch_manager()
    if manager is None:
        sys.exit("The imported staff has no active branch manager of the busiest branch.")
    head = login(LOGINS["head"], Role.HEAD_OFFICE)
    branch = login(LOGINS["branch"], Role.BRANCH_MANAGER, manager)
    say(
        f"logins: {LOGINS['head']} = head office ({Branch.objects.count()} branches),"
        f" {LOGINS['branch']} = branch manager {manager.staff_code} of {busiest.code}"
        f" ({busiest.n:,} customers)"
    )
    return {"head": head, "branch": branch}


# -- measuring -----------------------------------------------------------------------------------


def _measure(users: dict, *, requests: int) -> dict[str, dict]:
    """Each dashboard: warm-up, one request with its queries captured, then the timed ones,
    interleaved between the two users."""
    clients = clients_for(users)
    plans = {f"dashboard/{key}": (key, [URL] * WARMUP, [URL] * requests) for key in clients}
    pages = measure(clients, plans, width=len("dashboard/") + 8)
    return {key: pages[f"dashboard/{key}"] for key in clients}


if __name__ == "__main__":
    sys.exit(main())
