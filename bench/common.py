"""What every script in bench/ shares: Django set up for measuring, the run's own database
(created, migrated, dropped), its generated exports, logins and timed requests with their
percentiles, and the closing JSON line. What a script measures stays in the script.

Nothing here imports Django at module level: bench/etl.py's launcher process stays small.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import secrets
import shutil
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SLOWEST_SHOWN = 3  # statements printed per captured request
# 16 days of 200,000 customers hold more than 5,000,000 position rows (about 1.7 positions per
# customer and day, a little more as trading goes on).
MIN_FULL_POSITIONS = 5_000_000
# The dataset's steps a run times, rounded into its figures (None when a kept one is reused).
DATASET_SECONDS = ("generation_seconds", "import_seconds", "metrics_seconds", "vacuum_seconds")


def say(message: str) -> None:
    print(message, flush=True)


def report(payload: dict, *, targets: dict, met: dict[str, bool]) -> None:
    """The closing JSON line, the one a caller parses: the payload, the targets, which are met."""
    line = {**payload, "targets": targets, "met": met}
    print(json.dumps(line, ensure_ascii=False), flush=True)


def page_summaries(pages: dict[str, dict] | str) -> dict[str, dict] | str:
    """Each measured page without its timings and slowest statements, for the JSON line (the
    "not measured" sentence as it is)."""
    if isinstance(pages, str):
        return pages
    return {
        kind: {name: value for name, value in page.items() if name not in ("slowest", "ms")}
        for kind, page in pages.items()
    }


def page_figures(pages: dict[str, dict]) -> dict:
    """Each measured page kind's p95 and captured queries, named `<kind>_p95_ms` and
    `<kind>_queries` with the kind's slashes as underscores."""
    figures = {}
    for kind, page in pages.items():
        name = kind.replace("/", "_")
        figures[f"{name}_p95_ms"] = page["p95_ms"]
        figures[f"{name}_queries"] = page["queries"]
    return figures


def rounded(dataset: dict, names: tuple[str, ...]) -> dict:
    """The dataset's timings `names` to a tenth of a second (None where a step did not run)."""
    return {name: None if dataset[name] is None else round(dataset[name], 1) for name in names}


def say_targets(met: dict[str, bool | None], targets: dict) -> None:
    """Each target met or missed; those not measured (None) after them."""
    for name, ok in met.items():
        if ok is not None:
            say(f"target {name} = {targets[name]}: {'met' if ok else 'MISSED'}")
    for name, ok in met.items():
        if ok is None:
            say(f"target {name} = {targets[name]}: not measured")


# -- options and sizes -------------------------------------------------------------------------


def options(doc: str, sizes: str, *, requests: str | None = None) -> argparse.ArgumentParser:
    """A script's options: described by its docstring's first line, --quick (the `sizes` it
    runs), --requests N when the script times requests (`requests` its help), --keep and
    --reset; the script adds its own and parses."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=sizes)
    if requests:
        parser.add_argument("--requests", type=int, help=requests)
    parser.add_argument(
        "--keep", action="store_true", help="keep the exports and the database afterwards"
    )
    parser.add_argument(
        "--reset", action="store_true", help="drop and re-create the database before the run"
    )
    return parser


def sizes_for(args: argparse.Namespace, *, full: dict, quick: dict, **overrides) -> dict:
    """The full or (--quick) the quick sizes, with the options given on the command line."""
    sizes = dict(quick if args.quick else full)
    sizes.update({name: value for name, value in overrides.items() if value})
    return sizes


# -- Django ------------------------------------------------------------------------------------


def _environment() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))


def _refuse_debug(script: str) -> None:
    from django.conf import settings

    if settings.DEBUG:
        sys.exit(f"bench/{script} measures with DEBUG off; unset DEBUG or set DEBUG=false.")


def django_setup(script: str, default_url: str, measures: str, *, refuse_debug: bool) -> None:
    """Set Django up for a benchmark on PostgreSQL (DATABASE_URL, else `default_url`), DEBUG
    off as in production (with DEBUG on Django keeps every query it sends)."""
    _environment()
    os.environ.setdefault("DATABASE_URL", default_url)
    # The benchmarks report in English: so do the commands and services they call.
    os.environ.setdefault("LANGUAGE", "en")
    import django
    from django.utils import translation

    django.setup()
    from crm.commands import command_language

    translation.activate(command_language())
    if db_settings()["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(
            f"bench/{script} measures {measures} on PostgreSQL; DATABASE_URL points at "
            f"{db_settings()['ENGINE']}. Set DATABASE_URL=postgres://… (default {default_url})."
        )
    if refuse_debug:
        _refuse_debug(script)


def sqlite_django_setup(script: str, path: Path) -> None:
    """Set Django up on the SQLite file `path` (DATABASE_URL is ignored), DEBUG off."""
    _environment()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    _refuse_debug(script)


def db_settings() -> dict:
    from django.conf import settings

    return settings.DATABASES["default"]


# -- the run's database and scratch folders ----------------------------------------------------


def maintenance_connection():
    """An autocommit connection to the server's `postgres` database, to create and drop ours."""
    import psycopg2

    db = db_settings()
    conn = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    conn.autocommit = True
    return conn


def database_prepare(*, reset: bool) -> bool:
    """Create (or with reset re-create) the database and migrate it; True if created here."""
    from django.core.management import call_command
    from psycopg2 import sql

    name = db_settings()["NAME"]
    conn = maintenance_connection()
    try:
        with conn.cursor() as cursor:
            if reset:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            created = cursor.fetchone() is None
            if created:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                say(f"created database {name}")
    finally:
        conn.close()
    call_command("migrate", interactive=False, verbosity=0)
    return created


def database_drop() -> None:
    from django.db import connections
    from psycopg2 import sql

    connections.close_all()
    conn = maintenance_connection()
    try:
        with conn.cursor() as cursor:
            name = db_settings()["NAME"]
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        conn.close()


@contextmanager
def scratch(*, keep: bool, created: bool, out_dir: Path, also: tuple[Path, ...] = ()) -> Iterator:
    """The run's exports (and the folders in `also`) and, if the run created it, its database:
    gone at the end unless --keep, said where they are when kept."""
    try:
        yield
    finally:
        if not keep:
            for path in (out_dir, *also):
                shutil.rmtree(path, ignore_errors=True)
            if created:
                database_drop()
    if keep:
        say(f"kept: exports under {out_dir}, database {db_settings()['NAME']}")


def partition_facts() -> None:
    import io

    from django.core.management import call_command

    call_command("partition_facts", stdout=io.StringIO())
    say("fact tables partitioned (manage.py partition_facts): each day gets its own partition")


def vacuum_analyze() -> float:
    """VACUUM ANALYZE once: the state autovacuum reaches a few minutes after the nightly import,
    so that plans and visibility do not depend on when autovacuum last came by."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    seconds = time.perf_counter() - started
    say(f"VACUUM (ANALYZE): {seconds:.1f}s")
    return seconds


def static_prepare(root: Path) -> None:
    """With DEBUG off the pages need the hashed static manifest: collect it into `root`."""
    from django.conf import settings
    from django.core.management import call_command

    settings.STATIC_ROOT = root  # before the storage and WhiteNoise first read it
    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    say(f"collectstatic into {root}: {time.perf_counter() - started:.1f}s")


# -- the dataset -------------------------------------------------------------------------------


def generate(
    out_dir: Path,
    *,
    customers: int,
    days: int,
    seed: int,
    trades_per_day: int,
    start_date=None,
) -> tuple[float, list[Path]]:
    """Counter exports of `days` business days into `out_dir` (from `start_date`, else the
    generator's default): the seconds it took, the folders."""
    from customers.demo.exports import generate_exports

    say(
        f"generating {days} days: {customers:,} customers,"
        f" ~{trades_per_day:,} trades a day -> {out_dir}"
    )
    # A folder left by an interrupted run must not be taken for a finished day.
    shutil.rmtree(out_dir, ignore_errors=True)
    started = time.perf_counter()
    folders = generate_exports(
        out_dir=out_dir,
        customers=customers,
        days=days,
        seed=seed,
        trades_per_day=trades_per_day,
        start_date=start_date,
        progress=lambda message: say(f"  {message}"),
    )
    seconds = time.perf_counter() - started
    say(f"generation: {seconds:.1f}s")
    return seconds, folders


def _loaded_statuses() -> tuple:
    from customers.models import RunStatus

    return (RunStatus.LOADED, RunStatus.LOADED_WITH_REJECTS)


def import_day(folder: Path):
    """One day through counter_day_import: the run and its seconds; stops unless it loaded."""
    from customers.services import counter_day_import

    started = time.perf_counter()
    run = counter_day_import(folder=folder)
    seconds = time.perf_counter() - started
    if run.status not in _loaded_statuses():
        sys.exit(f"import of {folder.name} ended {run.status}: {run.error}")
    return run, seconds


def import_pending(out_dir: Path, *, progress=None) -> tuple[list, float]:
    """Every day under `out_dir` through counter_pending_import (its `progress` messages to
    `progress`), a line per day: the runs and the seconds; stops unless each day loaded."""
    from customers.services import counter_pending_import

    say(f"importing {out_dir} with counter_pending_import")
    started = time.perf_counter()
    runs = counter_pending_import(root=out_dir, progress=progress)
    seconds = time.perf_counter() - started
    for run in runs:
        took = (run.finished_at - run.started_at).total_seconds()
        say(
            f"  {run.business_date}: {run.get_status_display()}, {run.rows_loaded:,} rows loaded,"
            f" {run.rows_rejected:,} rejected in {took:.1f}s"
        )
        if run.status not in _loaded_statuses():
            sys.exit(f"import of {run.business_date} ended {run.status}: {run.error}")
    say(f"import: {seconds:.1f}s for {len(runs)} days")
    return runs, seconds


def loaded_runs():
    """The import runs of days that loaded (with or without rejects)."""
    from customers.models import ImportRun, RunKind

    return ImportRun.objects.filter(kind=RunKind.DAY, status__in=_loaded_statuses())


def reused_days(*, days: int, customers: int) -> list:
    """The business days a --keep run left loaded (oldest first; none in a new database);
    stops unless they are the `days` days of `customers` customers this size needs."""
    from customers.models import Customer

    loaded = sorted(set(loaded_runs().values_list("business_date", flat=True)))
    if not loaded:
        return []
    found = Customer.objects.count()
    if (len(loaded), found) != (days, customers):
        sys.exit(
            f"Database {db_settings()['NAME']} holds {len(loaded)} days of {found:,} customers,"
            f" not the {days} days of {customers:,} this size needs. Run again with --reset"
            " (drops and re-creates it) or point DATABASE_URL elsewhere."
        )
    say(f"reusing the loaded dataset: {len(loaded)} days, {found:,} customers")
    return loaded


def days_prepare(
    out_dir: Path, sizes: dict, *, seed: int, start_date=None, progress=None
) -> tuple[list | None, dict]:
    """The days of `sizes` a --keep run left (runs None), or generated into `out_dir` and
    imported with counter_pending_import: the runs imported, and the generation_seconds and
    import_seconds (None when reused)."""
    timings = dict.fromkeys(("generation_seconds", "import_seconds"))
    if reused_days(days=sizes["days"], customers=sizes["customers"]):
        return None, timings
    timings["generation_seconds"], _ = generate(
        out_dir,
        customers=sizes["customers"],
        days=sizes["days"],
        seed=seed,
        trades_per_day=sizes["trades_per_day"],
        start_date=start_date,
    )
    runs, timings["import_seconds"] = import_pending(out_dir, progress=progress)
    return runs, timings


def metrics_days(runs: list) -> float:
    """The nightly pipeline's metrics step over every day loaded, each month once (the 360
    page's contribution panel reads them): its seconds."""
    from analytics.services import metrics_compute_days

    started = time.perf_counter()
    metrics_compute_days(days=[run.business_date for run in runs])
    seconds = time.perf_counter() - started
    say(f"metrics (analytics.services.metrics_compute_days, {len(runs)} days): {seconds:.1f}s")
    return seconds


def metrics_backfill() -> float | None:
    """A kept database whose run stopped before the metrics: compute the days it lacks (their
    seconds; None when none lacked them)."""
    from analytics.services import metrics_compute_missing

    started = time.perf_counter()
    if days := metrics_compute_missing():
        seconds = time.perf_counter() - started
        say(f"metrics of the {len(days)} days that had none: {seconds:.1f}s")
        return seconds
    return None


def dataset_counts(as_of, *, quick: bool, note: str = "") -> dict:
    """What the loaded days hold (customers, position rows, those on `as_of`, trades, days,
    the last day), said in a line (ending in `note`), with a warning when a full-size run
    holds fewer position rows than it promises."""
    from django.db.models import Count, Max

    from customers.models import Customer, DailyPosition, Trade

    loaded = loaded_runs()
    counts = {
        "customers": Customer.objects.count(),
        "positions": DailyPosition.objects.count(),
        "positions_as_of": DailyPosition.objects.filter(business_date=as_of).count(),
        "trades": Trade.objects.count(),
        "days": loaded.aggregate(n=Count("business_date", distinct=True))["n"],
        "last_day": loaded.aggregate(day=Max("business_date"))["day"],
        "as_of": as_of,
    }
    say(
        f"dataset: {counts['customers']:,} customers, {counts['positions']:,} position rows"
        f" ({counts['positions_as_of']:,} on {as_of}), {counts['trades']:,} trades"
        f" over {counts['days']} days{note}"
    )
    if not quick and counts["positions"] < MIN_FULL_POSITIONS:
        say(f"WARNING: fewer position rows than the {MIN_FULL_POSITIONS:,} the full size promises")
    return counts


def dataset_sizes(dataset: dict) -> dict:
    """The dataset's counts for the JSON line's sizes."""
    sizes = {name: dataset[name] for name in ("customers", "positions", "trades", "days")}
    return {**sizes, "positions_as_of": dataset["positions_as_of"], "as_of": str(dataset["as_of"])}


# -- logins and timed requests -----------------------------------------------------------------


def busiest_branch_manager():
    """The branch with the most customers (annotated with their number, `n`) and its first
    active branch manager, or None."""
    from django.db.models import Count

    from crm.models import Branch, Role, Staff

    busiest = Branch.objects.annotate(n=Count("customers")).order_by("-n", "code").first()
    manager = (
        Staff.objects.filter(branch=busiest, role=Role.BRANCH_MANAGER, is_active=True)
        .order_by("staff_code")
        .first()
    )
    return busiest, manager


def login(username: str, role, staff=None):
    """A login with `role`, linked to imported `staff` the way demo_users links its demo logins
    (or to staff of its own, named after it); returns the user."""
    from crm.services import staff_login_create

    linked = staff_login_create(
        username=username,
        password=secrets.token_urlsafe(24),  # force_login: never typed
        role=role,
        staff_code=staff.staff_code if staff else username.upper(),
        name=staff.name if staff else username,
        branch=staff.branch if staff else None,
        team=staff.team if staff else None,
    )
    return linked.user


def largest_book_broker():
    """The active broker of a branch with the most customers (annotated with their number,
    `n`), or None. A re-run finds its logins linked already: staff is looked for regardless."""
    from django.db.models import Count

    from crm.models import Role, Staff

    return (
        Staff.objects.filter(role=Role.BROKER, is_active=True, branch__isnull=False)
        .annotate(n=Count("customers"))
        .order_by("-n", "staff_code")
        .first()
    )


def clients_for(users: dict) -> dict:
    """A test client logged in per user, with the host and scheme of the production proxy
    (ALLOWED_HOSTS, the SSL redirect): the whole middleware stack runs as in production."""
    from django.test import Client

    clients = {}
    for key, user in users.items():
        client = Client(HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
        client.force_login(user)
        clients[key] = client
    return clients


def get(client, url: str) -> float:
    """One request; its server-side time in ms (the test client calls the WSGI handler)."""
    started = time.perf_counter()
    response = client.get(url)
    ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        sys.exit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return ms


def captured(client, url: str) -> dict:
    """One request with its SQL captured: the query count and the slowest statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        get(client, url)
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in context.captured_queries]
    return {
        "url": url,
        "queries": len(queries),
        "sql_ms": round(sum(ms for ms, _ in queries), 1),
        "slowest": sorted(queries, key=lambda q: -q[0])[:SLOWEST_SHOWN],
    }


def measure(
    clients: dict, plans: dict[str, tuple[str, list[str], list[str]]], *, width: int
) -> dict[str, dict]:
    """Every page kind of `plans` (kind: the client's key, the warm-up URLs, the timed URLs):
    the warm-ups, one request of its first warm-up URL with its queries captured, then the
    timed ones interleaved, so that a slow minute of the machine does not fall on one kind
    only; a line per kind (its name `width` wide) with its slowest statements."""
    gc.collect()
    for key, warmup, _ in plans.values():
        for url in warmup:
            get(clients[key], url)
    pages = {kind: captured(clients[key], warmup[0]) for kind, (key, warmup, _) in plans.items()}
    timings: dict[str, list[float]] = {kind: [] for kind in plans}
    longest = max(len(urls) for _, _, urls in plans.values())
    started = time.perf_counter()
    for index in range(longest):
        for kind, (key, _, urls) in plans.items():
            if index < len(urls):
                timings[kind].append(get(clients[key], urls[index]))
    say(f"measured {sum(map(len, timings.values())):,} requests in {since(started):.1f}s")
    for kind, ms in timings.items():
        page = pages[kind]
        page.update(requests=len(ms), **stats(ms), ms=ms)
        say(
            f"{kind:<{width}} n={len(ms):>4}  p50 {page['p50_ms']:>7.1f}"
            f"  p95 {page['p95_ms']:>7.1f}  max {page['max_ms']:>7.1f} ms"
            f"  {page['queries']:>3} queries  ({page['sql_ms']:.1f} ms of SQL captured)"
        )
        for query_ms, sql in page["slowest"]:
            say(f"      {query_ms:>7.1f} ms  {short(sql)}")
    return pages


def cycled(urls: list[str], count: int) -> list[str]:
    """`count` URLs, round robin over `urls`."""
    return [urls[index % len(urls)] for index in range(count)]


def stats(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(percentile(ordered, 95), 1),
        "max_ms": round(ordered[-1], 1),
    }


def percentile(ordered: list[float], p: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def short(sql: str, width: int = 160) -> str:
    sql = re.sub(r"\s+", " ", sql)
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def since(started: float) -> float:
    return time.perf_counter() - started
