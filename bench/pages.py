"""Benchmark of the two pages sales staff open all day, the customer 360 page and the filtered
customer list, on PostgreSQL, over a realistic book loaded through the real import.

Generates business days of counter exports, loads them with counter_pending_import, gives a
broker, a branch manager and head office a login, then times the pages server-side with
Django's test client. bench/README.md explains every figure and target.

    .venv/bin/python bench/pages.py [--quick] [--keep] [--reset] [--requests N] [--partitioned]
    .venv/bin/python bench/pages.py --sqlite [PATH] [--reset] [--requests N]

`--sqlite` measures the embedded default instead: the `make demo` dataset in an SQLite file,
and every filter of the customer list (each on its own and a few together) as the demo's
broker, branch manager and head office see it.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from common import (
    DATASET_SECONDS,
    OUT,
    busiest_branch_manager,
    captured,
    clients_for,
    database_prepare,
    days_prepare,
    django_setup,
    get,
    largest_book_broker,
    loaded_runs,
    login,
    measure,
    metrics_backfill,
    options,
    page_summaries,
    partition_facts,
    report,
    rounded,
    say,
    say_targets,
    scratch,
    sizes_for,
    sqlite_django_setup,
    static_prepare,
    stats,
    vacuum_analyze,
)

STATIC_ROOT = OUT / "pages-static"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_pages"
# The generator's trade count is Poisson around trades_per_day: 252,000 a day keeps 20 days
# above 5,000,000 trades.
FULL = {"customers": 100_000, "days": 20, "trades_per_day": 252_000, "requests": 200}
QUICK = {"customers": 3_000, "days": 3, "trades_per_day": 10_000, "requests": 30}
MIN_FULL_TRADES = 5_000_000
SEED = 17
WARMUP = 5  # requests per page kind before the timed ones
BROKER_TOP = 20  # the broker's customers with the most trades, cycled through
HOLDS = "600519"
ASSETS_MIN = 500_000
LIST_QUERY = f"holds={HOLDS}&assets_min={ASSETS_MIN}"
SORT = "-total_assets"  # CustomerTable keeps django-tables2's order_by_field, `sort`
TARGETS = {"c360_p95_ms_max": 200, "list_p95_ms_max": 300}
LOGINS = {"broker": "bench-broker", "branch": "bench-branch", "head": "bench-head"}
# --sqlite: the Makefile's demo target (DEMO_CUSTOMERS, DEMO_DAYS, --seed 7) and its logins.
SQLITE_DEFAULT = OUT / "pages-demo.sqlite3"
SQLITE_STATIC_ROOT = OUT / "pages-demo-static"  # not the PostgreSQL mode's: both may run
SQLITE_DEMO = {"customers": 3_000, "days": 60, "seed": 7}
SQLITE_REQUESTS = 20  # timed requests per filter and user
SQLITE_WARMUP = 2
SQLITE_TARGETS = {"filter_p95_ms_max": 300}
DEMO_LOGINS = {"broker": "demo-broker", "branch": "demo-branch", "head": "demo-head"}


def main() -> int:
    args = _parse_args()
    if args.sqlite:
        return sqlite_main(args)
    _django_setup()
    sizes = sizes_for(args, full=FULL, quick=QUICK, requests=args.requests)
    requests = sizes["requests"]
    created = database_prepare(reset=args.reset)
    if args.partitioned:
        partition_facts()
    out_dir = OUT / f"pages-c{sizes['customers']}-d{sizes['days']}-t{sizes['trades_per_day']}"
    with scratch(keep=args.keep, created=created, out_dir=out_dir, also=(STATIC_ROOT,)):
        dataset = _dataset(out_dir, sizes, quick=args.quick)
        users = _users()
        matches = _list_matches(users)
        static_prepare(STATIC_ROOT)
        pages = _measure(users, requests=requests, matches=matches)
        partitioned = _partitioned()  # asked while the database still exists
    figures = _figures(pages, dataset)
    met = {
        "c360_p95_ms_max": figures["c360_p95_ms"] <= TARGETS["c360_p95_ms_max"],
        "list_p95_ms_max": figures["list_p95_ms"] <= TARGETS["list_p95_ms_max"],
    }
    say_targets(met, TARGETS)
    report(
        {
            "figures": figures,
            "pages": page_summaries(pages),
            "sizes": {
                "customers": dataset["customers"],
                "trades": dataset["trades"],
                "days": dataset["days"],
                "requests": requests,
                "quick": args.quick,
                "partitioned": partitioned,
                "holders_600519": dataset["holders"],
                "list_rows": matches,
            },
        },
        targets=TARGETS,
        met=met,
    )
    return 0


def _parse_args() -> argparse.Namespace:
    parser = options(
        __doc__,
        "3,000 customers, 3 days of ~10,000 trades",
        requests="timed 360 requests (default 200, quick 30)",
    )
    parser.add_argument(
        "--partitioned",
        action="store_true",
        help="partition the fact tables (manage.py partition_facts) before the days load",
    )
    parser.add_argument(
        "--sqlite",
        nargs="?",
        const=SQLITE_DEFAULT,
        type=Path,
        metavar="PATH",
        help=f"the demo's list filters on SQLite, in PATH (default {SQLITE_DEFAULT})",
    )
    return parser.parse_args()


def _merge_finished_months() -> None:
    """The nightly pipeline's last step: where the fact tables are partitioned, the day
    partitions of months before the current one become monthly ones."""
    from customers.services.partitions import fact_partitions_merge

    for line in fact_partitions_merge():
        say(f"  {line}")


def _partitioned() -> bool:
    from django.db import connection

    from customers.etl.partitions import is_partitioned

    with connection.cursor() as cursor:
        return is_partitioned(cursor, "customers_trade")


def _django_setup() -> None:
    django_setup("pages.py", DEFAULT_DATABASE_URL, "the pages", refuse_debug=True)


# -- the database and the dataset --------------------------------------------------------------


def _dataset(out_dir: Path, sizes: dict, *, quick: bool) -> dict:
    """Generate and import the days, or reuse a database a --keep run left with them."""
    from django.db.models import Count

    from customers.models import Customer, Trade

    runs, timings = days_prepare(out_dir, sizes, seed=SEED, progress=_trades_progress)
    if runs is None:
        timings["metrics_seconds"] = metrics_backfill()
    else:
        timings["metrics_seconds"] = _metrics(runs)
        _merge_finished_months()
    timings["vacuum_seconds"] = vacuum_analyze()
    trades = Trade.objects.count()
    customers = Customer.objects.count()
    days = loaded_runs().aggregate(n=Count("business_date", distinct=True))["n"]
    say(f"dataset: {customers:,} customers, {trades:,} trades over {days} days")
    if not quick and trades < MIN_FULL_TRADES:
        say(f"WARNING: fewer trades than the {MIN_FULL_TRADES:,} the full size promises")
    holders = _holders()
    say(f"customers holding {HOLDS} on the latest day: {holders:,}")
    if not holders:
        sys.exit(f"Nobody holds {HOLDS}: the list filter would measure an empty page.")
    return {"customers": customers, "trades": trades, "days": days, "holders": holders, **timings}


def _trades_progress(message: str) -> None:
    """The import's progress on trades.csv, the largest file."""
    if message.startswith("trades.csv:"):
        say(f"  {message}")


def _metrics(runs: list) -> float:
    """The nightly pipeline's second step (crm/pipeline.py): the metrics of each day loaded,
    which the 360 page's contribution panel reads."""
    from analytics.services import metrics_for_run

    started = time.perf_counter()
    for run in runs:
        metrics_for_run(run=run)
    seconds = time.perf_counter() - started
    say(f"metrics (analytics.services.metrics_for_run per run): {seconds:.1f}s")
    return seconds


def _holders() -> int:
    from customers.models import DailyPosition
    from customers.selectors.lists import latest_business_day

    return (
        DailyPosition.objects.filter(business_date=latest_business_day(), security__sec_code=HOLDS)
        .values("account__customer_id")
        .distinct()
        .count()
    )


# -- users ---------------------------------------------------------------------------------------


def _users() -> dict:
    """Logins for a broker with a large book, the manager of the busiest branch and head
    office, linked to imported staff the way demo_users links its demo logins."""
    from crm.models import Role

    broker = largest_book_broker()
    busiest, head = busiest_branch_manager()
    if broker is None or head is None:
        sys.exit("The imported staff has no active broker or branch manager to log in as.")
    users = {
        "broker": login(LOGINS["broker"], Role.BROKER, broker),
        "branch": login(LOGINS["branch"], Role.BRANCH_MANAGER, head),
        "head": login(LOGINS["head"], Role.HEAD_OFFICE),
    }
    say(
        f"logins: {LOGINS['broker']} = broker {broker.staff_code} ({broker.n:,} customers),"
        f" {LOGINS['branch']} = branch manager {head.staff_code} of {busiest.code}"
        f" ({busiest.n:,} customers), {LOGINS['head']} = head office (everyone)"
    )
    return users


def _list_matches(users: dict) -> dict[str, int]:
    """Customers the list filter returns for each list user (counted once, not timed)."""
    from django.http import QueryDict

    from customers.filters.lists import CustomerListFilter
    from customers.selectors.customers import customers_for_user

    matches = {}
    for key in ("head", "branch"):
        filterset = CustomerListFilter(
            QueryDict(LIST_QUERY), queryset=customers_for_user(users[key])
        )
        if not filterset.is_valid():
            sys.exit(f"the list filters {LIST_QUERY} are not valid: {filterset.errors}")
        matches[key] = filterset.qs.count()
    say(
        f"list {LIST_QUERY}: {matches['head']:,} customers for head office,"
        f" {matches['branch']:,} for the branch manager"
    )
    if not matches["head"]:
        sys.exit("The list filter returns no customer: it would measure an empty page.")
    return matches


# -- measuring -----------------------------------------------------------------------------------


def _measure(users: dict, *, requests: int, matches: dict[str, int]) -> dict[str, dict]:
    """Every page kind: warm-up, one request with its queries captured, then the timed ones."""
    from customers.views.lists import PER_PAGE

    clients = clients_for(users)

    # kind: (login, warm-up URLs, timed URLs)
    plans = {}
    broker_sample, head_sample = _c360_samples(users, requests)
    broker_urls = [f"/customers/{no}/" for no in broker_sample]
    head_urls = [f"/customers/{no}/" for no in head_sample]
    plans["c360/broker"] = ("broker", broker_urls[:WARMUP], broker_urls)
    # Head office warms up on customers of its own: the timed ones stay cold, like a random
    # customer opened for the first time that day.
    plans["c360/head_office"] = ("head", head_urls[:WARMUP], head_urls[WARMUP:])
    per_list = max(10, requests // 4)
    for key, label in (("head", "head_office"), ("branch", "branch_manager")):
        variants = {"": LIST_QUERY, "/sorted": f"{LIST_QUERY}&sort={SORT}"}
        if matches[key] > PER_PAGE:
            variants["/page2"] = f"{LIST_QUERY}&page=2"
        else:
            say(f"  ({label} has one page of matches only: no page-2 variant)")
        for suffix, query in variants.items():
            url = f"/customers/?{query}"
            plans[f"list/{label}{suffix}"] = (key, [url] * WARMUP, [url] * per_list)

    return measure(clients, plans, width=28)


def _c360_samples(users: dict, requests: int) -> tuple[list[str], list[str]]:
    """Half the 360 requests: the broker's customers with the most trades, round robin; the
    other half: distinct customers drawn at random from everyone, for head office."""
    from django.db.models import Count

    from crm.selectors import staff_for_user
    from customers.models import Customer, Trade

    broker = staff_for_user(users["broker"])
    top = list(
        Trade.objects.filter(account__customer__manager=broker)
        .values_list("account__customer__cust_no")
        .annotate(n=Count("*"))
        .order_by("-n", "account__customer__cust_no")[:BROKER_TOP]
    )
    if not top:
        sys.exit(f"broker {broker.staff_code} has no customer with trades")
    say(
        f"360 sample: the broker's {len(top)} most active customers ({top[0][1]:,} to"
        f" {top[-1][1]:,} trades), and random customers for head office"
    )
    half = max(1, requests // 2)
    broker_sample = [top[i % len(top)][0] for i in range(half)]
    numbers = list(Customer.objects.order_by("cust_no").values_list("cust_no", flat=True))
    wanted = min(requests - half + WARMUP, len(numbers))  # and WARMUP more to warm up on
    head_sample = random.Random(SEED).sample(numbers, wanted)
    return broker_sample, head_sample


def _figures(pages: dict[str, dict], dataset: dict) -> dict:
    """Pooled figures per page: the 360 mix and every list variant together."""
    figures = {}
    for prefix in ("c360", "list"):
        kinds = [page for kind, page in pages.items() if kind.startswith(prefix + "/")]
        pooled = stats([ms for page in kinds for ms in page["ms"]])
        for name, value in pooled.items():
            figures[f"{prefix}_{name}"] = value
        figures[f"{prefix}_queries"] = max(page["queries"] for page in kinds)
    figures.update(rounded(dataset, DATASET_SECONDS))
    return figures


# -- --sqlite: the embedded default's list filters ------------------------------------------------


def sqlite_main(args: argparse.Namespace) -> int:
    """Build (or reuse) the demo dataset in an SQLite file, then time every list filter."""
    path = args.sqlite.resolve()
    if args.reset:
        for leftover in (path, *(path.with_name(path.name + x) for x in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
    sqlite_django_setup("pages.py", path)
    requests = args.requests or SQLITE_REQUESTS
    dataset = _sqlite_dataset(path)
    users = _sqlite_users()
    static_prepare(SQLITE_STATIC_ROOT)
    try:
        results = _sqlite_measure(users, _sqlite_cases(users), requests=requests)
    finally:
        shutil.rmtree(SQLITE_STATIC_ROOT, ignore_errors=True)
    per_filter = _sqlite_per_filter(results)
    worst = max(per_filter.values(), key=lambda stats: stats["p95_ms"])
    pooled = stats([ms for by_user in results.values() for r in by_user.values() for ms in r["ms"]])
    figures = {
        **{f"filters_{name}": value for name, value in pooled.items()},
        "filter_worst_p95_ms": worst["p95_ms"],
        "filter_worst": next(name for name, stats in per_filter.items() if stats is worst),
        "queries_max": max(r["queries"] for by_user in results.values() for r in by_user.values()),
        **{name: round(value, 1) if value is not None else None for name, value in dataset.items()},
    }
    met = {"filter_p95_ms_max": worst["p95_ms"] <= SQLITE_TARGETS["filter_p95_ms_max"]}
    say(
        f"target filter_p95_ms_max = {SQLITE_TARGETS['filter_p95_ms_max']}:"
        f" {'met' if met['filter_p95_ms_max'] else 'MISSED'}"
        f" (slowest p95 {worst['p95_ms']} ms, {figures['filter_worst']})"
    )
    from customers.models import Customer, ImportRun, Trade

    payload = {
        "mode": "sqlite",
        "figures": figures,
        "filters": per_filter,
        "cases": {
            case: {user: {k: v for k, v in r.items() if k != "ms"} for user, r in by_user.items()}
            for case, by_user in results.items()
        },
        "sizes": {
            "customers": Customer.objects.count(),
            "trades": Trade.objects.count(),
            "days": ImportRun.objects.values("business_date").distinct().count(),
            "requests": requests,
            "database": str(path),
        },
    }
    report(payload, targets=SQLITE_TARGETS, met=met)
    return 0


def _sqlite_dataset(path: Path) -> dict:
    """The demo's steps (the Makefile's demo target), or the file a previous run left."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from customers.models import Customer, ImportRun

    timings = {"generation_seconds": None, "import_seconds": None, "metrics_seconds": None}
    call_command("migrate", interactive=False, verbosity=0)
    days = ImportRun.objects.values("business_date").distinct().count()
    customers = Customer.objects.count()
    # demo_users is the last but one step: its logins say that the build got that far.
    if get_user_model().objects.filter(username=DEMO_LOGINS["head"]).exists():
        say(f"reusing {path}: {days} days, {customers:,} customers")
        return timings
    if days or customers:
        sys.exit(f"{path} holds an unfinished dataset: run again with --reset.")
    exports = OUT / "pages-demo-exports"
    shutil.rmtree(exports, ignore_errors=True)
    quiet = {"stdout": _Discard()}
    try:
        started = time.perf_counter()
        call_command(
            "make_counter_exports",
            out=exports,
            customers=SQLITE_DEMO["customers"],
            days=SQLITE_DEMO["days"],
            seed=SQLITE_DEMO["seed"],
            **quiet,
        )
        timings["generation_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        call_command("import_counter", str(exports), **quiet)
        timings["import_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        call_command("compute_metrics", **quiet)
        timings["metrics_seconds"] = time.perf_counter() - started
        call_command("demo_users", **quiet)
        call_command("demo_activity", **quiet)
    finally:
        shutil.rmtree(exports, ignore_errors=True)
    say(
        "demo dataset: generation {generation_seconds:.1f}s, import {import_seconds:.1f}s,"
        " metrics {metrics_seconds:.1f}s".format(**timings)
    )
    return timings


class _Discard:
    def write(self, *args, **kwargs) -> None:
        pass

    def flush(self) -> None:
        pass


def _sqlite_users() -> dict:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__in=DEMO_LOGINS.values())
    by_name = {user.username: user for user in users}
    missing = [name for name in DEMO_LOGINS.values() if name not in by_name]
    if missing:
        sys.exit(f"the demo logins {missing} are missing: run again with --reset")
    return {key: by_name[name] for key, name in DEMO_LOGINS.items()}


def _sqlite_cases(users: dict) -> dict[str, dict[str, str]]:
    """case -> user -> query string: every filter of the list on its own, with values the
    demo's data gives (a branch and a manager each user may choose, a mobile and a name
    part of the broker's customers), and a few combinations."""
    from django.http import QueryDict

    from crm.selectors import staff_for_user
    from customers.filters.lists import CustomerListFilter
    from customers.models import Customer
    from customers.selectors.customers import customers_for_user
    from customers.selectors.lists import branches_for_user
    from products.models import Security

    broker = staff_for_user(users["broker"])
    sample = Customer.objects.filter(manager=broker).exclude(mobile="").order_by("cust_no")
    customer = sample.first()
    if customer is None:
        sys.exit("the demo broker has no customer with a mobile")
    industry = (
        Security.objects.filter(industry="银行").values_list("industry", flat=True).first()
        or Security.objects.exclude(industry="").values_list("industry", flat=True).first()
    )
    shared = {
        "q:name part": f"q={customer.name[-2:]}",
        "q:customer number": f"q={customer.cust_no[:6]}",
        "q:mobile": f"q={customer.mobile}",
        "cust_type": "cust_type=1",
        "status": "status=0",
        "risk_level": "risk_level=C3",
        "investor_class": "investor_class=professional",
        "assets_min": "assets_min=500000",
        "assets_max": "assets_max=100000",
        "cash_min": "cash_min=100000",
        "cash_max": "cash_max=10000",
        "holds:code": f"holds={HOLDS}",
        "holds:code.market": f"holds={HOLDS}.SH",
        "holds:name part": "holds=矿业",
        "holds:ETF": "holds=ETF",
        "holds_quantity": f"holds={HOLDS}&holds_quantity=100",
        "holds_value": f"holds={HOLDS}&holds_value=100000",
        "industry": f"industry={industry}",
        "ratio_min": "ratio_min=50",
        "ratio_max": "ratio_max=20",
        "age_min": "age_min=3",
        "age_max": "age_max=1",
        "no_trade_days": "no_trade_days=30",
        "no_contact_days": "no_contact_days=30",
        "none (sorted by assets)": "sort=-total_assets",
        "assets_min+holds+no_contact_days": (
            f"assets_min={ASSETS_MIN}&holds={HOLDS}&no_contact_days=60"
        ),
        "industry+ratio_min+sort": f"industry={industry}&ratio_min=50&sort=-total_assets",
        "status+risk_level+age_min+cash_min": "status=0&risk_level=C4&age_min=1&cash_min=10000",
        "q+holds": f"q={customer.name[:1]}&holds=ETF",
    }
    cases: dict[str, dict[str, str]] = {name: {} for name in ("branch", "manager", *shared)}
    for key, user in users.items():
        # The broker's own customers' branch and the broker: what each user may choose.
        branches = branches_for_user(user).filter(customers__manager=broker)
        cases["branch"][key] = f"branch={branches.values_list('pk', flat=True).first()}"
        cases["manager"][key] = f"manager={broker.pk}"
        for name, query in shared.items():
            cases[name][key] = query
    measured = {part.split("=")[0] for q in shared.values() for part in q.split("&")}
    unmeasured = set(CustomerListFilter.base_filters) - measured - {"branch", "manager"}
    if unmeasured:
        say(f"WARNING: list filters without a case here (add one): {sorted(unmeasured)}")
    for name, by_user in cases.items():
        for key, query in by_user.items():
            filterset = CustomerListFilter(
                QueryDict(query),
                queryset=customers_for_user(users[key]),
                request=SimpleNamespace(user=users[key]),
            )
            if not filterset.is_valid():
                sys.exit(f"{name} for {key}: {query} is not valid: {filterset.errors}")
    return cases


def _sqlite_measure(users: dict, cases: dict, *, requests: int) -> dict:
    """Warm-up, one request with its queries captured, then the timed ones, in rounds over
    every case and user so that a slow moment of the machine does not fall on one case."""
    clients = clients_for(users)
    plans = [
        (case, key, f"/customers/?{query}")
        for case, by_user in cases.items()
        for key, query in by_user.items()
    ]
    gc.collect()
    for _ in range(SQLITE_WARMUP):
        for _case, key, url in plans:
            get(clients[key], url)
    results: dict = {case: {} for case in cases}
    for case, key, url in plans:
        queries = captured(clients[key], url)["queries"]
        results[case][key] = {"url": url, "queries": queries, "ms": []}
    started = time.perf_counter()
    for _ in range(requests):
        for case, key, url in plans:
            results[case][key]["ms"].append(get(clients[key], url))
    say(f"measured {requests * len(plans):,} requests in {time.perf_counter() - started:.1f}s")
    for case, by_user in results.items():
        for key, result in by_user.items():
            result.update(stats(result["ms"]))
            say(
                f"{case:<36} {key:<7} p50 {result['p50_ms']:>6.1f}  p95 {result['p95_ms']:>6.1f}"
                f"  max {result['max_ms']:>6.1f} ms  {result['queries']:>2} queries"
            )
    return results


def _sqlite_per_filter(results: dict) -> dict:
    """Each case's requests of every user pooled: its p50, p95 and maximum."""
    return {
        case: stats([ms for result in by_user.values() for ms in result["ms"]])
        for case, by_user in results.items()
    }


if __name__ == "__main__":
    sys.exit(main())
