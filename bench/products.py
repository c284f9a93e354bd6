"""Benchmark of the product library on PostgreSQL: a product's target list (the selector
campaigns call and the page), the nightly suitability step, and the customer 360 page with
its suitability panel.

Generates business days of counter exports, loads them with counter_pending_import and
computes their metrics, then adds the product library (1,000 products, part of them linked
to the counter's funds and bonds), the customers' suitability marks and a history of product
sales, and measures. bench/README.md explains every figure and target.

    .venv/bin/python bench/products.py [--quick] [--keep] [--reset] [--requests N]
"""

from __future__ import annotations

import argparse
import datetime
import gc
import random
import sys
import time
from pathlib import Path

from common import (
    DATASET_SECONDS,
    OUT,
    busiest_branch_manager,
    clients_for,
    cycled,
    database_prepare,
    dataset_counts,
    dataset_sizes,
    days_prepare,
    db_settings,
    django_setup,
    largest_book_broker,
    login,
    measure,
    metrics_days,
    options,
    page_figures,
    page_summaries,
    report,
    rounded,
    say,
    say_targets,
    scratch,
    since,
    sizes_for,
    static_prepare,
    stats,
    vacuum_analyze,
)

STATIC_ROOT = OUT / "products-static"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_products"
# --quick has a database of its own, so that a smoke run never meets a kept full-size one.
QUICK_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_products_quick"
# 16 days of 200,000 customers hold more than common.MIN_FULL_POSITIONS position rows.
FULL = {"customers": 200_000, "days": 16, "trades_per_day": 200_000, "products": 1_000,
        "requests": 30}  # fmt: skip
QUICK = {"customers": 4_000, "days": 3, "trades_per_day": 8_000, "products": 100, "requests": 10}
START = datetime.date(2026, 10, 30)  # a Friday; 16 weekdays from here end on 20 November
SEED = 31
CODE_PREFIX = "BP"  # the benchmark's products
SALES_PER_CUSTOMER = 0.25  # product sales drawn, per customer
MEASURED_PRODUCTS = 8  # target lists measured, round robin
WARMUP = 3
TARGETS = {
    "targets_p95_ms_max": 1000,
    "compliance_seconds_max": 30,
    "c360_p95_ms_max": 200,
}
LOGINS = {
    "head": "bench-products-head",
    "branch": "bench-products-branch",
    "broker": "bench-products-broker",
}

# kind: (weight, varieties, horizons, minimum investments)
KINDS = {
    "public_fund": (40, ["fund", "equity"], ["short", "medium", "long"], [0, 10, 1_000]),
    "bond": (15, ["fixed_income"], ["short", "medium", "long"], [1_000, 100_000]),
    "wealth": (20, ["fixed_income"], ["short", "medium"], [10_000, 50_000]),
    "asset_management": (10, ["fixed_income", "equity"], ["medium", "long"], [1_000_000]),
    "private_fund": (8, ["fund", "equity"], ["long"], [1_000_000]),
    "structured_note": (5, ["derivative", "complex"], ["short", "medium"], [100_000, 300_000]),
    "star_market": (1, ["equity"], ["long"], [500_000]),
    "margin_service": (1, ["derivative"], ["medium"], [500_000]),
}
RISKS = {"R1": 15, "R2": 30, "R3": 30, "R4": 17, "R5": 8}


def main() -> int:
    args = _parse_args()
    django_setup(
        "products.py",
        QUICK_DATABASE_URL if args.quick else DEFAULT_DATABASE_URL,
        "the target lists, the suitability step and the 360 page",
        refuse_debug=True,
    )
    sizes = sizes_for(args, full=FULL, quick=QUICK, requests=args.requests)
    created = database_prepare(reset=args.reset)
    out_dir = OUT / f"products-c{sizes['customers']}-d{sizes['days']}-t{sizes['trades_per_day']}"
    with scratch(keep=args.keep, created=created, out_dir=out_dir, also=(STATIC_ROOT,)):
        dataset = _dataset(out_dir, sizes, quick=args.quick)
        library = _library(sizes["products"])
        dataset["vacuum_seconds"] = vacuum_analyze()
        users = _users()
        static_prepare(STATIC_ROOT)
        compliance = _compliance()
        products = _measured_products()
        selector = _selector(users, products, requests=sizes["requests"])
        pages = _pages(users, products, requests=sizes["requests"])
    figures = _figures(dataset, compliance, selector, pages)
    met = _met(figures)
    say_targets(met, TARGETS)
    report(
        {
            "figures": figures,
            "compliance": compliance,
            "selector": selector,
            "pages": page_summaries(pages),
            "sizes": {
                **dataset_sizes(dataset),
                **library,
                "measured_products": [product.code for product in products],
                "requests": sizes["requests"],
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
        "4,000 customers, 3 days of ~8,000 trades, 100 products",
        requests="timed requests per page kind (default 30, quick 10)",
    ).parse_args()


# -- the dataset ---------------------------------------------------------------------------------


def _dataset(out_dir: Path, sizes: dict, *, quick: bool) -> dict:
    """Generate and import the days with their metrics, or reuse a database a --keep run left
    with them."""
    from customers.selectors.lists import latest_business_day

    runs, timings = days_prepare(out_dir, sizes, seed=SEED, start_date=START)
    timings["metrics_seconds"] = None if runs is None else metrics_days(runs)
    return {**dataset_counts(latest_business_day(), quick=quick), **timings}


def _library(count: int) -> dict:
    """The product library of `count` products (drawn under a fixed seed), the listed funds
    and bonds linked to the first of them, the customers' suitability marks, and a history
    of sales; made once (a kept database keeps them: suitability checks are append-only)."""
    from products.models import Product, ProductSale, Security

    existing = Product.objects.filter(code__startswith=CODE_PREFIX).count()
    if existing and existing != count:
        sys.exit(
            f"Database {db_settings()['NAME']} holds {existing} benchmark products, not {count}:"
            " run again with --reset."
        )
    if not existing:
        started = time.perf_counter()
        _products_create(count)
        _marks_draw()
        _sales_draw()
        say(f"product library, marks and sales: {since(started):.1f}s")
    products = Product.objects.filter(code__startswith=CODE_PREFIX)
    library = {
        "products": products.count(),
        "products_on_sale": products.filter(status="on_sale").count(),
        "products_linked": products.filter(security__isnull=False).count(),
        "securities": Security.objects.count(),
        "product_sales": ProductSale.objects.count(),
    }
    say(
        f"library: {library['products']:,} products ({library['products_on_sale']:,} on sale,"
        f" {library['products_linked']:,} linked to a listed security),"
        f" {library['product_sales']:,} sales"
    )
    return library


def _products_create(count: int) -> None:
    from products.models import Product, Security

    rng = random.Random(SEED)
    listed = list(
        Security.objects.filter(sec_type__in=("fund", "bond")).order_by("sec_type", "sec_code")
    )
    kinds = list(KINDS)
    weights = [KINDS[kind][0] for kind in kinds]
    products = []
    for number in range(count):
        kind = rng.choices(kinds, weights)[0]
        _weight, varieties, horizons, minimums = KINDS[kind]
        security = None
        if listed and kind in ("public_fund", "bond"):
            wanted = "fund" if kind == "public_fund" else "bond"
            security = next((s for s in listed if s.sec_type == wanted), None)
            if security is not None:
                listed.remove(security)
        roll = rng.random()
        status = "on_sale" if roll < 0.85 else "closed" if roll < 0.95 else "draft"
        products.append(
            Product(
                code=f"{CODE_PREFIX}{number:05d}",
                name=f"产品{number:05d}" if security is None else security.name,
                kind=kind,
                issuer="基准资管",
                risk_level=rng.choices(list(RISKS), list(RISKS.values()))[0],
                horizon=rng.choice(horizons),
                variety=rng.choice(varieties),
                minimum_investment=rng.choice(minimums),
                status=status,
                fee_rate=rng.choice(["0.001", "0.005", "0.012"]),
                professional_only=kind == "private_fund" and rng.random() < 0.5,
                security=security,
            )
        )
    Product.objects.bulk_create(products, batch_size=1000)


def _marks_draw() -> None:
    """What the counter does not send, drawn in one UPDATE: a fifth of the C1 investors in
    the lowest category, a class for every professional, a few of them treated as ordinary."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [SEED / 100])
        cursor.execute(
            "UPDATE customers_customer SET"
            " lowest_category = (risk_level = 'C1' AND random() < 0.2),"
            " professional_class = CASE WHEN investor_class = 'professional'"
            "   THEN (ARRAY['A', 'B', 'C'])[1 + floor(random() * 3)::int] ELSE '' END,"
            " treated_as_ordinary = (investor_class = 'professional' AND random() < 0.1)"
        )


def _sales_draw() -> None:
    """A history of sales: SALES_PER_CUSTOMER per customer, of on-sale products drawn at
    random, each with the suitability check behind it, in one statement."""
    from django.db import connection, transaction

    sql = """
    WITH picked AS (
        SELECT c.id AS customer_id, p.id AS product_id, p.risk_level, p.fee_rate,
               c.risk_level AS customer_risk, c.risk_assessed_on,
               (1000 + floor(random() * 200) * 1000)::numeric AS amount
        FROM (SELECT id, risk_level, risk_assessed_on, floor(random() * %(products)s)::int AS pick
              FROM customers_customer WHERE random() < %(share)s) c
        JOIN (SELECT id, risk_level, fee_rate, row_number() OVER (ORDER BY id) - 1 AS n
              FROM products_product WHERE status = 'on_sale' AND code LIKE %(prefix)s) p
          ON p.n = c.pick %% (SELECT count(*) FROM products_product
                              WHERE status = 'on_sale' AND code LIKE %(prefix)s)
    ), checks AS (
        INSERT INTO products_suitabilitycheck (
            checked_at, customer_id, product_id, purpose, result, reasons, category,
            customer_risk_level, assessed_on, product_risk, amount)
        SELECT now(), customer_id, product_id, 'sale_import', 'suitable', '[]'::jsonb,
               customer_risk, customer_risk, risk_assessed_on, risk_level, amount
        FROM picked
        RETURNING id, customer_id, product_id, amount
    )
    INSERT INTO products_productsale (
        customer_id, product_id, amount, fee, sold_on, channel, suitability_check_id, source,
        external_ref, created_at)
    SELECT k.customer_id, k.product_id, k.amount, round(k.amount * p.fee_rate, 2),
           DATE %(start)s, 'branch', k.id, 'imported', '', now()
    FROM checks k JOIN products_product p ON p.id = k.product_id
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [SEED / 101])
        cursor.execute(
            sql,
            {
                "start": START.isoformat(),
                "products": 1_000_000,
                "share": SALES_PER_CUSTOMER,
                "prefix": f"{CODE_PREFIX}%",
            },
        )


# -- users ---------------------------------------------------------------------------------------


def _users() -> dict:
    """Head office, the branch manager of the busiest branch and the broker with the largest
    book, linked to imported staff the way demo_users links its demo logins."""
    from crm.models import Role

    broker = largest_book_broker()
    branch, manager = busiest_branch_manager()
    if broker is None or manager is None:
        sys.exit("The imported staff has no active broker or branch manager to log in as.")
    users = {
        "head": login(LOGINS["head"], Role.HEAD_OFFICE),
        "branch": login(LOGINS["branch"], Role.BRANCH_MANAGER, manager),
        "broker": login(LOGINS["broker"], Role.BROKER, broker),
    }
    say(
        f"logins: {LOGINS['head']} = head office, {LOGINS['branch']} = branch manager of"
        f" {branch.code} ({branch.n:,} customers), {LOGINS['broker']} = broker"
        f" {broker.staff_code} ({broker.n:,} customers)"
    )
    return users


# -- the nightly step ----------------------------------------------------------------------------


def _compliance() -> dict:
    """compliance_run twice as the pipeline runs it: the first flags what it finds and makes
    the tasks, the second (the next night, nothing changed) adds nothing. A kept database's
    flags and compliance tasks are removed first, so that the first run is a first one."""
    from django.utils import timezone

    from customers.models import Task, TaskKind
    from products.models import ComplianceFlag
    from products.services.compliance import compliance_run

    ComplianceFlag.objects.all().delete()
    Task.objects.filter(kind=TaskKind.COMPLIANCE).delete()
    result = {}
    for label in ("first", "second"):
        gc.collect()
        started = time.perf_counter()
        run = compliance_run(today=timezone.localdate())
        seconds = since(started)
        result[label] = {
            "seconds": round(seconds, 2),
            "over_risk": run.over_risk,
            "assessment": run.assessment,
            "flagged": run.flagged,
            "cleared": run.cleared,
            "tasks_created": run.tasks_created,
            "status": run.status,
        }
        say(
            f"compliance_run, {label}: {seconds:.2f}s ({run.over_risk:,} over risk,"
            f" {run.assessment:,} assessments due; {run.flagged:,} flagged,"
            f" {run.tasks_created:,} tasks)"
        )
    return result


# -- the target lists ----------------------------------------------------------------------------


def _measured_products() -> list:
    """Products on sale of every risk level, the widest first: an R1 fund with no minimum
    (the longest list), then others in code order."""
    from django.db.models import Q

    from products.models import Product

    on_sale = Product.objects.filter(
        code__startswith=CODE_PREFIX, status="on_sale", professional_only=False
    ).select_related("security")
    picked = list(on_sale.filter(risk_level="R1").order_by("minimum_investment", "code")[:1])
    for level in ("R2", "R3", "R4", "R5"):
        picked += list(on_sale.filter(risk_level=level).order_by("code")[:1])
    picked += list(
        on_sale.filter(Q(security__isnull=False)).exclude(pk__in=[p.pk for p in picked])[:2]
    )
    rest = on_sale.exclude(pk__in=[p.pk for p in picked]).order_by("code")
    picked += list(rest[: max(0, MEASURED_PRODUCTS - len(picked))])
    if not picked:
        sys.exit("No benchmark product is on sale.")
    return picked


def _selector(users: dict, products: list, *, requests: int) -> dict:
    """product_target_customers as a campaign or the page reads it: the first page of 50
    rows and the bounded count, per user, round robin over the products."""
    from django.utils import timezone

    from crm.pagination import COUNT_MAX, PER_PAGE
    from products.selectors.targets import product_target_customers

    today = timezone.localdate()
    result, rows = {}, {}
    for key in ("head", "broker"):
        timings = []
        for index in range(WARMUP + requests):
            product = products[index % len(products)]
            started = time.perf_counter()
            targets = product_target_customers(product, users[key], today=today)
            page = list(targets[:PER_PAGE])
            counted = targets.order_by()[: COUNT_MAX + 1].count()
            ms = since(started) * 1000
            if index >= WARMUP:
                timings.append(ms)
                rows.setdefault(key, {})[product.code] = counted
            assert len(page) <= PER_PAGE
        result[key] = {"requests": len(timings), **stats(timings)}
        say(
            f"selector/{key:<6} n={len(timings):>4}  p50 {result[key]['p50_ms']:>7.1f}"
            f"  p95 {result[key]['p95_ms']:>7.1f}  max {result[key]['max_ms']:>7.1f} ms"
        )
    result["targets_counted"] = rows
    return result


def _pages(users: dict, products: list, *, requests: int) -> dict | str:
    """The target list's page (head office, the branch manager), the 360 page with its
    suitability panel (head office: random customers; the broker: their own) and the
    compliance page (head office, the branch manager; no target of its own): warm-up, one
    captured request each, then the timed ones interleaved."""
    from crm.selectors import staff_for_user
    from customers.models import Customer

    clients = clients_for(users)
    rng = random.Random(SEED)
    ids = list(Customer.objects.order_by("pk").values_list("cust_no", flat=True))
    head_360 = [rng.choice(ids) for _ in range(requests)]
    broker = staff_for_user(users["broker"])
    mine = list(
        Customer.objects.filter(manager=broker)
        .order_by("cust_no")
        .values_list("cust_no", flat=True)[:20]
    )
    panel = clients["head"].get(f"/customers/{head_360[0]}/")
    if panel.status_code != 200 or b"suitability-panel" not in panel.content:
        message = "not measured: the 360 page has no suitability panel"
        say(message)
        return message
    plans = {
        "targets/head_office": ("head", [f"/products/{p.code}/targets/" for p in products]),
        "targets/branch_manager": ("branch", [f"/products/{p.code}/targets/" for p in products]),
        "c360/head_office": ("head", [f"/customers/{number}/" for number in head_360]),
        "c360/broker": ("broker", [f"/customers/{number}/" for number in mine or head_360]),
        "compliance/head_office": ("head", ["/products/compliance/"]),
        "compliance/branch_manager": ("branch", ["/products/compliance/"]),
    }
    timed = {
        kind: (key, cycled(urls, WARMUP), cycled(urls, requests))
        for kind, (key, urls) in plans.items()
    }
    return measure(clients, timed, width=24)


# -- the figures ---------------------------------------------------------------------------------


def _figures(dataset, compliance, selector, pages) -> dict:
    figures = {
        "selector_p95_ms": max(selector[key]["p95_ms"] for key in ("head", "broker")),
        "selector_head_office_p95_ms": selector["head"]["p95_ms"],
        "selector_broker_p95_ms": selector["broker"]["p95_ms"],
        "compliance_first_seconds": compliance["first"]["seconds"],
        "compliance_second_seconds": compliance["second"]["seconds"],
        "compliance_seconds": max(compliance[label]["seconds"] for label in ("first", "second")),
        "compliance_over_risk": compliance["first"]["over_risk"],
        "compliance_assessment": compliance["first"]["assessment"],
        "compliance_tasks_created": compliance["first"]["tasks_created"],
        "compliance_second_tasks_created": compliance["second"]["tasks_created"],
    }
    if isinstance(pages, dict):
        figures.update(page_figures(pages))
        figures["targets_page_p95_ms"] = max(
            page["p95_ms"] for kind, page in pages.items() if kind.startswith("targets/")
        )
        figures["c360_p95_ms"] = max(
            page["p95_ms"] for kind, page in pages.items() if kind.startswith("c360/")
        )
    else:
        figures["targets_page_p95_ms"] = figures["c360_p95_ms"] = None
    figures.update(rounded(dataset, DATASET_SECONDS))
    return figures


def _met(figures: dict) -> dict:
    page = figures["targets_page_p95_ms"]
    targets = max(figures["selector_p95_ms"], page if page is not None else 0)
    return {
        "targets_p95_ms_max": targets <= TARGETS["targets_p95_ms_max"],
        "compliance_seconds_max": figures["compliance_seconds"] <= TARGETS["compliance_seconds_max"]
        and figures["compliance_second_tasks_created"] == 0,
        "c360_p95_ms_max": None
        if figures["c360_p95_ms"] is None
        else figures["c360_p95_ms"] <= TARGETS["c360_p95_ms_max"],
    }


if __name__ == "__main__":
    sys.exit(main())
