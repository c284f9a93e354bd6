"""Benchmark of segments on PostgreSQL: the live preview's count of a five-condition rule, a
segment's evaluation with its membership difference, the nightly step (20 segments and the
tiers), and the segment page and the customer list filtered by the segment.

Generates business days of counter exports, loads them with counter_pending_import, computes
their metrics and the tiers, defines 20 custom fields and writes values for most customers
in one UPDATE, then measures. bench/README.md explains every figure and target.

    .venv/bin/python bench/segments.py [--quick] [--keep] [--reset] [--runs N] [--requests N]
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import re
import secrets
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from common import (
    OUT,
    clients_for,
    database_prepare,
    dataset_counts,
    dataset_sizes,
    days_prepare,
    django_setup,
    largest_book_broker,
    login,
    measure,
    metrics_backfill,
    metrics_days,
    options,
    page_figures,
    page_summaries,
    percentile,
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

STATIC_ROOT = OUT / "segments-static"
# The measured rule's SQL and its count's plan, per size (a smoke run keeps the full one's).
SQL_FILE = OUT / "segments-rule{size}.sql"
PLAN_FILE = OUT / "segments-plan{size}.txt"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_segments"
# --quick has a database of its own, so that a smoke run never meets a kept full-size one.
QUICK_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_segments_quick"
# 16 days of 200,000 customers hold more than common.MIN_FULL_POSITIONS position rows.
FULL = {"customers": 200_000, "days": 16, "trades_per_day": 200_000, "runs": 20, "requests": 30}
QUICK = {"customers": 4_000, "days": 3, "trades_per_day": 8_000, "runs": 20, "requests": 10}
# A Friday: the days cross from October into November, so that October is a complete month
# of figures and November's tiers are evaluated from it (the generator's default days end on
# 20 November 2026; 16 weekdays from here end on it too).
START = datetime.date(2026, 10, 30)
SEED = 29
SEGMENTS = 20  # the nightly step's segments, the measured one first
NAME_PREFIX = "bench "
PREVIEW_WARMUP = 2
# Before the second evaluation, a share of customers get a new annual income drawn around the
# measured rule's threshold (200,000): some members fall below it, some others rise above.
CHANGED_SHARE = 0.1
CHANGED_INCOME = "round((random() * 400000)::numeric, 2)::text"
PAGE_WARMUP = 3
PLAN_NODES = 12  # plan lines kept in the summary
# A statement of an evaluation or of the nightly step that runs longer than the whole step's
# target is stopped: the engine then logs the segment as failed (as it does any database
# error) and the step goes on, so that one bad plan cannot hold the benchmark for hours.
STATEMENT_TIMEOUT_S = 60
EXPLAIN_TIMEOUT_S = 120
TARGETS = {
    "preview_p95_ms_max": 1000,
    "evaluate_seconds_max": 3,
    "nightly_seconds_max": 60,
    "pages_p95_ms_max": 300,
}
LOGINS = {"head": "bench-segments-head", "broker": "bench-segments-broker"}

# The 20 custom fields: key, kind, and how one UPDATE draws a value (SQL over random()),
# in customers/custom_fields.py's storage format: integers JSON numbers, decimals the exact
# decimal as a string, dates "YYYY-MM-DD", choices strings, multiple choices lists of them,
# booleans true/false, text strings. Each customer has each value with PRESENT probability.
PRESENT = 0.85
CHANNELS = ["phone", "wechat", "sms", "email", "visit"]
INTERESTS = ["funds", "bonds", "ipo", "margin", "options", "wealth"]
SECTORS = ["tech", "consumer", "finance", "energy", "health", "property"]
LETTERS = ["daily", "weekly", "research", "events"]
EDUCATION = ["school", "college", "bachelor", "master", "doctor"]
OCCUPATIONS = ["employee", "owner", "civil", "retired", "freelance", "student"]
CUSTOM_FIELDS = [
    ("annual_income", "decimal", "round((random() * 2000000)::numeric, 2)::text"),
    ("family_size", "integer", "1 + floor(random() * 6)::int"),
    ("kyc_review_on", "date", "to_char(DATE '2023-01-01' + floor(random() * 1430)::int, 'YYYY-MM-DD')"),  # noqa: E501
    ("preferred_channel", "choice", CHANNELS),
    ("interests", "multi_choice", INTERESTS),
    ("vip_flag", "boolean", "random() < 0.3"),
    ("nickname", "text", "'tag-' || floor(random() * 500)::int"),
    ("investment_years", "integer", "floor(random() * 31)::int"),
    ("target_return", "decimal", "round((random() * 20)::numeric, 1)::text"),
    ("gift_sent_on", "date", "to_char(DATE '2025-01-01' + floor(random() * 690)::int, 'YYYY-MM-DD')"),  # noqa: E501
    ("education", "choice", EDUCATION),
    ("sectors_liked", "multi_choice", SECTORS),
    ("morning_calls", "boolean", "random() < 0.5"),
    ("referrer", "text", "'R' || lpad(floor(random() * 2000)::int::text, 4, '0')"),
    ("children", "integer", "floor(random() * 4)::int"),
    ("credit_limit", "decimal", "round((random() * 500000)::numeric, 0)::text"),
    ("last_seminar_on", "date", "to_char(DATE '2024-06-01' + floor(random() * 900)::int, 'YYYY-MM-DD')"),  # noqa: E501
    ("occupation", "choice", OCCUPATIONS),
    ("newsletters", "multi_choice", LETTERS),
    ("do_not_call", "boolean", "random() < 0.1"),
]  # fmt: skip
INCOME = "annual_income"  # the measured rule's custom field, changed before evaluation 2


def main() -> int:
    args = _parse_args()
    _django_setup(quick=args.quick)
    sizes = sizes_for(args, full=FULL, quick=QUICK, runs=args.runs, requests=args.requests)
    created = database_prepare(reset=args.reset)
    out_dir = OUT / f"segments-c{sizes['customers']}-d{sizes['days']}-t{sizes['trades_per_day']}"
    with scratch(keep=args.keep, created=created, out_dir=out_dir, also=(STATIC_ROOT,)):
        dataset = _dataset(out_dir, sizes, quick=args.quick)
        users = _users()
        static_prepare(STATIC_ROOT)
        picks = _picks()
        segments = _segments_create(picks)
        measured = segments[0]
        sql = _sql_and_plan(measured, quick=args.quick)
        preview = _preview(picks, users["head"], runs=sizes["runs"])
        evaluations = _evaluations(measured)
        nightly = _nightly()
        pages = _pages(users, measured, requests=sizes["requests"])
        members = _members_summary(segments)
    figures = _figures(dataset, preview, evaluations, nightly, pages, sql)
    met = _met(figures, evaluations)
    say_targets(met, TARGETS)
    report(
        {
            "figures": figures,
            "evaluations": evaluations,
            "nightly": {name: value for name, value in nightly.items() if name != "slowest"},
            "pages": page_summaries(pages),
            "rule": {"words": sql["words"], "files": sql["files"], "plan": sql["summary"]},
            "sizes": {
                **dataset_sizes(dataset),
                "tier_month": str(dataset["tier_month"]),
                "custom_fields": len(CUSTOM_FIELDS),
                "customers_with_custom_values": dataset["customers_with_custom_values"],
                "segments": len(segments),
                "segment_members": members,
                "preview_runs": sizes["runs"],
                "requests": sizes["requests"],
                "quick": args.quick,
                "picks": {name: value for name, value in picks.items() if name != "securities"},
            },
        },
        targets=TARGETS,
        met=met,
    )
    return 0


def _parse_args() -> argparse.Namespace:
    parser = options(
        __doc__,
        "4,000 customers, 3 days of ~8,000 trades",
        requests="timed requests per page kind (default 30, quick 10)",
    )
    parser.add_argument("--runs", type=int, help="timed preview counts (default 20)")
    return parser.parse_args()


def _django_setup(*, quick: bool) -> None:
    # The preview records its editors' versions in the cache: a process-local one here (the
    # default file cache would be shared with whatever else runs from this checkout).
    os.environ.setdefault("CACHE_URL", "locmemcache://bench-segments")
    django_setup(
        "segments.py",
        QUICK_DATABASE_URL if quick else DEFAULT_DATABASE_URL,
        "the segments' SQL and pages",
        refuse_debug=True,
    )


# -- the dataset ---------------------------------------------------------------------------------


def _dataset(out_dir: Path, sizes: dict, *, quick: bool) -> dict:
    """Generate and import the days with their metrics and tiers, or reuse a database a --keep
    run left with them; then the custom fields and their values (written again every run, so
    that each run starts from the same values), and one VACUUM (ANALYZE)."""
    from marketing.models import TierRun

    runs, timings = days_prepare(out_dir, sizes, seed=SEED, start_date=START)
    if runs is None:
        timings["metrics_seconds"] = metrics_backfill()
        timings["tiers_seconds"] = None if TierRun.objects.exists() else _tiers()
    else:
        timings["metrics_seconds"] = metrics_days(runs)
        timings["tiers_seconds"] = _tiers()
    timings["custom_values_seconds"], with_values = _custom_fields()
    timings["vacuum_seconds"] = vacuum_analyze()
    from marketing.segments.context import rule_context

    context = rule_context()
    dataset = dataset_counts(context.as_of, quick=quick, note=f"; tiers of {context.tier_month}")
    dataset.update(
        tier_month=context.tier_month, customers_with_custom_values=with_values, **timings
    )
    if context.tier_month is None:
        sys.exit("No tier month was evaluated: the tiers step found no complete month.")
    return dataset


def _tiers() -> float:
    """The tiers as the nightly step leaves them (every month due, the service tasks)."""
    from marketing.services.tiers import tiers_nightly

    started = time.perf_counter()
    result = tiers_nightly()
    seconds = time.perf_counter() - started
    say(f"tiers (marketing.services.tiers.tiers_nightly): {result['months']} in {seconds:.1f}s")
    return seconds


def _custom_fields() -> tuple[float, int]:
    """The 20 custom fields defined, and values written for most customers in one UPDATE
    (SQL random() under a fixed seed, so that every run writes the same values)."""
    from django.db import connection, transaction

    from customers.models import Customer, CustomField

    CustomField.objects.filter(key__in=[key for key, _kind, _draw in CUSTOM_FIELDS]).delete()
    CustomField.objects.bulk_create(
        CustomField(
            key=key,
            label=key.replace("_", " "),
            kind=kind,
            group="bench",
            order=order,
            choices=[{"value": value, "label": value} for value in draw]
            if isinstance(draw, list)
            else [],
        )
        for order, (key, kind, draw) in enumerate(CUSTOM_FIELDS)
    )
    pairs = []
    for key, _kind, draw in CUSTOM_FIELDS:
        value = f"to_jsonb({_draw_sql(draw, multi=_kind == 'multi_choice')})"
        pairs.append(f"'{key}', CASE WHEN random() < {PRESENT} THEN {value} END")
    table = Customer._meta.db_table
    values = f"jsonb_strip_nulls(jsonb_build_object({', '.join(pairs)}))"
    # Drawn in the order of the ids (random() is evaluated after the subquery's sort), so
    # that the same seed gives every customer the same values on every run.
    sql = (
        f"UPDATE {table} t SET custom_fields = d.drawn"
        f" FROM (SELECT c.id, {values} AS drawn FROM {table} c ORDER BY c.id) d"
        " WHERE t.id = d.id"
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [SEED / 100])
        cursor.execute(sql)
        rows = cursor.rowcount
    seconds = time.perf_counter() - started
    with_values = Customer.objects.exclude(custom_fields={}).count()
    say(
        f"custom fields: {len(CUSTOM_FIELDS)} defined, values written in one UPDATE of"
        f" {rows:,} customers ({with_values:,} with values) in {seconds:.1f}s"
    )
    return seconds, with_values


def _draw_sql(draw, *, multi: bool) -> str:
    """The SQL that draws one value: a choice one of the list, a multiple choice a subset of
    it (NULL when empty: no value), anything else the expression itself."""
    if not isinstance(draw, list):
        return draw
    items = ", ".join(f"'{value}'" for value in draw)
    if not multi:
        return f"(ARRAY[{items}])[1 + floor(random() * {len(draw)})::int]"
    # The outer row's id keeps the subquery correlated, so that it is drawn per customer.
    return f"(SELECT jsonb_agg(v) FROM unnest(ARRAY[{items}]) AS v WHERE random() < 0.3 + 0 * c.id)"


# -- users ---------------------------------------------------------------------------------------


def _users() -> dict:
    """Head office, and the active broker with the largest book, linked to imported staff the
    way demo_users links its demo logins."""
    from crm.models import Role

    broker = largest_book_broker()
    if broker is None:
        sys.exit("The imported staff has no active broker to log in as.")
    users = {
        "head": login(LOGINS["head"], Role.HEAD_OFFICE),
        "broker": login(LOGINS["broker"], Role.BROKER, broker),
    }
    say(
        f"logins: {LOGINS['head']} = head office (everyone),"
        f" {LOGINS['broker']} = broker {broker.staff_code} ({broker.n:,} customers)"
    )
    return users


# -- the rules -----------------------------------------------------------------------------------


def _picks() -> dict:
    """What the rules name, read from the data: the most held securities and the industries
    with the most holders on the metrics day."""
    from django.db.models import Count

    from customers.models import DailyPosition
    from marketing.segments.context import rule_context

    held = DailyPosition.objects.filter(business_date=rule_context().as_of, quantity__gt=0)
    securities = list(
        held.values_list("security__sec_code")
        .annotate(n=Count("account__customer", distinct=True))
        .order_by("-n", "security__sec_code")[:5]
    )
    industries = list(
        held.exclude(security__industry="")
        .values_list("security__industry")
        .annotate(n=Count("account__customer", distinct=True))
        .order_by("-n", "security__industry")[:5]
    )
    if not securities or not industries:
        sys.exit("Nobody holds anything on the metrics day: the rules would select nobody.")
    say(
        "most held: "
        + ", ".join(f"{code} ({n:,})" for code, n in securities)
        + "; industries: "
        + ", ".join(f"{name} ({n:,})" for name, n in industries)
    )
    return {
        "securities": [code for code, _n in securities],
        "industries": [name for name, _n in industries],
        "top_security": securities[0][0],
        "top_industry": industries[0][0],
    }


def measured_rule(picks: dict, run: int = 0) -> dict:
    """The measured five-condition rule: a holding (market value held in the industry most
    held), a metrics window (net inflow over the last 30 days), a custom field (annual
    income) and two customer attributes (status, age). `run` moves every threshold a
    little, so that no run is answered from a cache a previous one warmed."""
    return {
        "group": "and",
        "rules": [
            _condition(
                "industry_value", "gte", str(10_000 + 250 * run), industry=picks["top_industry"]
            ),
            _condition("net_inflow", "gte", str(-20_000 + 100 * run), window="days", days=30),
            _condition(f"custom.{INCOME}", "gte", str(200_000 + 1_000 * run)),
            _condition("status", "eq", "0"),
            _condition("age", "between", [25 + run % 5, 65 + run % 7]),
        ],
    }


def nightly_rule(picks: dict, index: int) -> dict:
    """The nightly step's segment `index` (0 is the measured rule): five conditions of the
    same shape, each of another holding, window, custom field and pair of attributes."""
    if index == 0:
        return measured_rule(picks)
    securities, industries = picks["securities"], picks["industries"]
    holdings = [
        _condition("holds_security", "in", [securities[index % len(securities)]]),
        _condition(
            "industry_value",
            "gte",
            str(5_000 * index),
            industry=industries[index % len(industries)],
        ),
        _condition(
            "holding_value", "gte", str(1_000 * index), security=securities[index % len(securities)]
        ),
        _condition("holds_industry", "in", [industries[(index + 1) % len(industries)]]),
    ]
    windows = [
        _condition("net_inflow", "gte", str(-10_000 * index), window="days", days=30),
        _condition("contribution", "gte", str(index), window="month"),
        _condition("commission", "gte", "0.01", window="ytd"),
        _condition("trade_count", "gte", str(1 + index % 3), window="days", days=20),
        _condition("average_assets", "gte", str(10_000 * index), window="month"),
    ]
    custom = [
        _condition(f"custom.{INCOME}", "gte", str(50_000 * index)),
        _condition("custom.family_size", "between", [1 + index % 3, 4 + index % 3]),
        _condition("custom.kyc_review_on", "last_days", 300 + 10 * index),
        _condition("custom.preferred_channel", "in", CHANNELS[index % 3 : index % 3 + 3]),
        _condition("custom.interests", "in", [INTERESTS[index % len(INTERESTS)]]),
        _condition("custom.vip_flag", "eq", "true"),
        _condition("custom.nickname", "contains", str(index % 10)),
        _condition("custom.credit_limit", "gte", str(10_000 * index)),
    ]
    attributes = [
        _condition("status", "eq", "0"),
        _condition("risk_level", "in", ["C3", "C4", "C5"]),
        _condition("age", "gte", 20 + index),
        _condition("marketing_consent", "eq", "true"),
        _condition("investor_class", "eq", "ordinary"),
        _condition("account_age", "gte", index % 5),
        _condition("cust_type", "eq", "0"),
    ]
    return {
        "group": "and",
        "rules": [
            holdings[index % len(holdings)],
            windows[index % len(windows)],
            custom[index % len(custom)],
            attributes[index % len(attributes)],
            attributes[(index + 3) % len(attributes)],
        ],
    }


def _condition(field: str, op: str, value, **args) -> dict:
    return {"field": field, "op": op, "value": value, "args": args, "not": False}


def _segments_create(picks: dict) -> list:
    """The 20 segments, made again every run (so that the first evaluation is a first one),
    each rule validated as the editor's save validates it."""
    from marketing.models import Segment, SegmentKind
    from marketing.segments.compiler import stored_rule, validate

    Segment.objects.filter(name__startswith=NAME_PREFIX).delete()
    segments = []
    for index in range(SEGMENTS):
        rule = nightly_rule(picks, index)
        segment = Segment.objects.create(
            name=f"{NAME_PREFIX}{index:02d}", kind=SegmentKind.DYNAMIC, rule={}
        )
        segment.rule = stored_rule(validate(rule, segment=segment))
        segment.save(update_fields=["rule"])
        segments.append(segment)
    say(f"segments: {len(segments)} dynamic segments of five conditions ({NAME_PREFIX}00 … )")
    return segments


# -- the SQL and its plan ------------------------------------------------------------------------


def _sql_and_plan(segment, *, quick: bool) -> dict:
    """The measured rule's SQL (the query the compiler builds, values bound) and the plan of
    the preview's count with EXPLAIN (ANALYZE, BUFFERS), printed and written to bench/out/."""
    from django.db import DatabaseError, connection
    from django.test.utils import CaptureQueriesContext

    from marketing.segments.compiler import rule_customers, rule_in_words, validate
    from marketing.segments.context import rule_context

    tree = validate(segment.rule, segment=segment)
    queryset = rule_customers(tree, rule_context(), segment_id=segment.pk)
    select, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        select_sql = cursor.mogrify(select, params).decode()
    count, count_sql, plan = None, "", []
    try:
        with statement_timeout(EXPLAIN_TIMEOUT_S):
            queryset.order_by().count()  # warm: the plan is of a count like the preview's
            with CaptureQueriesContext(connection) as context:
                count = queryset.order_by().count()
            count_sql = context.captured_queries[-1]["sql"]
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + count_sql)
                plan = [row[0] for row in cursor.fetchall()]
    except DatabaseError:
        say(f"the count ran longer than {EXPLAIN_TIMEOUT_S}s: the plan below is estimated only")
        with connection.cursor() as cursor:
            count_sql = cursor.mogrify(*queryset.order_by().values("pk").query.sql_with_params())
            count_sql = f"SELECT COUNT(*) FROM ({count_sql.decode()}) counted"
            cursor.execute("EXPLAIN " + count_sql)
            plan = [row[0] for row in cursor.fetchall()]
    summary = _plan_summary(plan)
    words = rule_in_words(tree)
    sql_file, plan_file = (
        Path(str(name).format(size="-quick" if quick else "")) for name in (SQL_FILE, PLAN_FILE)
    )
    sql_file.parent.mkdir(parents=True, exist_ok=True)
    sql_file.write_text(
        f"-- {words}\n-- the customers the rule selects:\n{select_sql};\n\n"
        f"-- the preview's count of them ({count}):\n{count_sql};\n"
    )
    plan_file.write_text("\n".join(plan) + "\n")
    say(f"rule: {words}")
    say(f"SQL of the rule (also {sql_file}):")
    say(select_sql)
    say(f"EXPLAIN ANALYZE of the preview's count, top nodes (whole plan in {plan_file}):")
    for line in summary["nodes"]:
        say(f"  {line}")
    say(f"  planning {summary['planning_ms']} ms, execution {summary['execution_ms']} ms")
    return {
        "words": words,
        "count": count,
        "summary": summary,
        "files": [str(sql_file), str(plan_file)],
    }


def _plan_summary(plan: list[str]) -> dict:
    """The plan's first nodes (lines with an arrow, and the root) and its two times."""
    nodes = [plan[0].strip()] + [line.rstrip() for line in plan[1:] if "->" in line]
    found = {}
    for label in ("Planning Time", "Execution Time"):
        match = next((re.search(r"([\d.]+) ms", line) for line in plan if label in line), None)
        found[label] = float(match.group(1)) if match else None
    return {
        "nodes": nodes[:PLAN_NODES],
        "planning_ms": found["Planning Time"],
        "execution_ms": found["Execution Time"],
    }


# -- the preview ---------------------------------------------------------------------------------


def _preview(picks: dict, user, *, runs: int) -> dict:
    """The live preview as the editor's view (marketing.views.segment_editor.segment_preview)
    asks it for head office: each run a slightly different version of the rule, validated,
    compiled against the context of now over the user's customers and counted, with the
    editor's sample, by marketing.services.previews.preview_count; one editor token,
    versions growing."""
    from customers.selectors.customers import customers_for_user
    from marketing.segments.compiler import rule_customers, validate
    from marketing.segments.context import rule_context
    from marketing.services.previews import preview_count, preview_timeout_ms
    from marketing.views.segment_editor import SAMPLE_SIZE

    token = secrets.token_hex(16)
    timings, counts, timed_out, superseded = [], [], 0, 0
    gc.collect()
    for version in range(1, PREVIEW_WARMUP + runs + 1):
        rule = measured_rule(picks, run=version)
        started = time.perf_counter()
        tree = validate(rule, empty_groups=True)
        queryset = rule_customers(tree, rule_context(), customers=customers_for_user(user))
        result = preview_count(
            queryset,
            token=token,
            version=version,
            sample=SAMPLE_SIZE,
            sample_order=("cust_no",),
        )
        ms = (time.perf_counter() - started) * 1000
        if version <= PREVIEW_WARMUP:
            continue
        timings.append(ms)
        timed_out += result.timed_out
        superseded += result.superseded
        if result.count is not None:
            counts.append(result.count)
    ordered = sorted(timings)
    preview = {
        "runs": len(timings),
        **stats(timings),
        "timed_out": timed_out,
        "superseded": superseded,
        "timeout_ms": preview_timeout_ms(),
        "count_min": min(counts) if counts else None,
        "count_max": max(counts) if counts else None,
        "p90_ms": round(percentile(ordered, 90), 1),
    }
    say(
        f"preview (validate, compile, preview_count with a sample of {SAMPLE_SIZE}):"
        f" n={preview['runs']}  p50 {preview['p50_ms']:.1f}  p95 {preview['p95_ms']:.1f}"
        f"  max {preview['max_ms']:.1f} ms; counts {preview['count_min']:,} to"
        f" {preview['count_max']:,}; timed out {timed_out}, superseded {superseded}"
        f" (timeout {preview['timeout_ms']} ms)"
        if counts
        else f"preview: no count answered ({timed_out} timed out, {superseded} superseded)"
    )
    return preview


# -- evaluations and the nightly step ------------------------------------------------------------


def _evaluations(segment) -> dict:
    """segment_evaluate twice: the first (everyone joins), then after the annual income of a
    share of customers is drawn again (some join, some leave)."""
    from django.db import connection, transaction

    from customers.models import Customer
    from marketing.services.segments import segment_evaluate

    result = {}
    for label in ("first", "second"):
        if label == "second":
            table = Customer._meta.db_table
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT setseed(%s)", [SEED / 99])
                cursor.execute(
                    f"UPDATE {table} t SET custom_fields = jsonb_set("
                    f"t.custom_fields, '{{{INCOME}}}', d.income)"
                    f" FROM (SELECT c.id, random() AS roll, to_jsonb({CHANGED_INCOME}) AS income"
                    f" FROM {table} c ORDER BY c.id) d WHERE t.id = d.id AND d.roll < %s",
                    [CHANGED_SHARE],
                )
                changed = cursor.rowcount
            say(f"changed the {INCOME} of {changed:,} customers")
            result["changed_customers"] = changed
        gc.collect()
        started = time.perf_counter()
        with statement_timeout(STATEMENT_TIMEOUT_S):
            evaluation = segment_evaluate(segment)
        seconds = since(started)
        result[label] = {
            "seconds": round(seconds, 3),
            "logged_seconds": evaluation.seconds,
            "members": evaluation.members,
            "joined": evaluation.joined,
            "left": evaluation.left,
            "error": evaluation.error[:300],
        }
        if evaluation.error:
            say(f"segment_evaluate, {label}: FAILED after {seconds:.1f}s: {evaluation.error[:300]}")
            continue
        say(
            f"segment_evaluate, {label}: {seconds:.2f}s ({evaluation.members:,} members,"
            f" {evaluation.joined:,} joined, {evaluation.left:,} left)"
        )
    return result


def _nightly() -> dict:
    """The nightly step as marketing.tasks.tiers_and_segments_evaluate runs it: the tiers
    (every month due, the service tasks), then every active dynamic segment."""
    from django.db import DatabaseError

    from marketing.services.segments import segments_evaluate_all
    from marketing.services.tiers import tiers_nightly

    gc.collect()
    started = time.perf_counter()
    with statement_timeout(STATEMENT_TIMEOUT_S):
        try:
            tiers = tiers_nightly()
        except DatabaseError as error:  # stopped by the timeout: the step goes on
            say(f"tiers FAILED: {error}")
            tiers = {"months": [], "error": str(error)[:300]}
        tiers_seconds = since(started)
        evaluations = segments_evaluate_all()
    total = since(started)
    failed = [e for e in evaluations if e.error]
    slowest = max(evaluations, key=lambda e: e.seconds)
    nightly = {
        "seconds": round(total, 2),
        "tiers_seconds": round(tiers_seconds, 2),
        "segments_seconds": round(total - tiers_seconds, 2),
        "tier_months": tiers["months"],
        "tiers_error": tiers.get("error", ""),
        "segments": len(evaluations),
        "failed": len(failed),
        "slowest_segment": slowest.segment.name,
        "slowest_segment_seconds": slowest.seconds,
        "members": sum(e.members for e in evaluations),
        "joined": sum(e.joined for e in evaluations),
        "left": sum(e.left for e in evaluations),
        "per_segment_seconds": [e.seconds for e in evaluations],
    }
    say(
        f"nightly step: {total:.1f}s (tiers {tiers_seconds:.1f}s for {tiers['months']},"
        f" {len(evaluations)} segments {total - tiers_seconds:.1f}s; slowest"
        f" {slowest.segment.name} {slowest.seconds:.2f}s; {nightly['members']:,} members,"
        f" {nightly['joined']:,} joined, {nightly['left']:,} left; {len(failed)} failed)"
    )
    for evaluation in failed:
        say(f"  FAILED {evaluation.segment.name}: {evaluation.error[:200]}")
    return nightly


@contextmanager
def statement_timeout(seconds: int):
    """The session's statements stopped after `seconds` (PostgreSQL's statement_timeout)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{seconds}s"])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")


# -- the pages -----------------------------------------------------------------------------------


def _pages(users: dict, segment, *, requests: int) -> dict | str:
    """The segment's page and the customer list filtered by the segment, as head office and
    as the broker: warm-up, one request with its queries captured, the timed ones
    interleaved. "not measured: page missing" when either page is not there yet."""
    clients = clients_for(users)
    urls = _page_urls(segment)
    if isinstance(urls, str):
        say(urls)
        return urls
    plans = {}
    for page, url in urls.items():
        for key, label in (("head", "head_office"), ("broker", "broker")):
            plans[f"{page}/{label}"] = (key, url)
    for kind, (key, url) in plans.items():
        missing = _missing(clients[key], url)
        if missing:
            message = f"not measured: page missing ({kind} {url}: {missing})"
            say(message)
            return message
    timed = {
        kind: (key, [url] * PAGE_WARMUP, [url] * requests) for kind, (key, url) in plans.items()
    }
    return measure(clients, timed, width=22)


def _page_urls(segment) -> dict[str, str] | str:
    from django.urls import NoReverseMatch, reverse

    try:
        detail = reverse("marketing:segment-detail", kwargs={"pk": segment.pk})
        listing = reverse("customers:list")
    except (NoReverseMatch, ImportError) as error:
        return f"not measured: page missing ({error})"
    try:
        from customers.filters.extensions import list_filter_extension_names
    except ImportError:
        return "not measured: page missing (no list filter extensions)"
    if "in_segment" not in list_filter_extension_names():
        return "not measured: page missing (the customer list has no in_segment filter)"
    return {"segment": detail, "list": f"{listing}?in_segment={segment.pk}"}


def _missing(client, url: str) -> str:
    """Why a page cannot be measured (it does not answer 200), or ""."""
    try:
        response = client.get(url)
    except Exception as error:  # a view or template not written yet  # noqa: BLE001
        return f"{type(error).__name__}: {error}"[:300]
    return "" if response.status_code == 200 else f"answered {response.status_code}"


def _members_summary(segments: list) -> dict:
    from marketing.models import Segment

    counts = dict(
        Segment.objects.filter(pk__in=[s.pk for s in segments]).values_list("name", "members_count")
    )
    return {"measured": counts[segments[0].name], "min": min(counts.values()),
            "max": max(counts.values())}  # fmt: skip


# -- the figures ---------------------------------------------------------------------------------


def _figures(dataset, preview, evaluations, nightly, pages, sql) -> dict:
    figures = {
        "preview_p50_ms": preview["p50_ms"],
        "preview_p95_ms": preview["p95_ms"],
        "preview_max_ms": preview["max_ms"],
        "preview_timed_out": preview["timed_out"],
        "preview_count": sql["count"],
        "count_execution_ms": sql["summary"]["execution_ms"],
        "evaluate_first_seconds": evaluations["first"]["seconds"],
        "evaluate_second_seconds": evaluations["second"]["seconds"],
        "evaluate_second_joined": evaluations["second"]["joined"],
        "evaluate_second_left": evaluations["second"]["left"],
        "nightly_seconds": nightly["seconds"],
        "nightly_tiers_seconds": nightly["tiers_seconds"],
        "nightly_segments_seconds": nightly["segments_seconds"],
        "nightly_slowest_segment_seconds": nightly["slowest_segment_seconds"],
        "nightly_failed": nightly["failed"] + bool(nightly["tiers_error"]),
    }
    if isinstance(pages, dict):
        figures.update(page_figures(pages))
        figures["pages_p95_ms"] = max(page["p95_ms"] for page in pages.values())
    else:
        figures["pages_p95_ms"] = None
    timed_steps = ("generation_seconds", "import_seconds", "metrics_seconds", "tiers_seconds")
    figures.update(rounded(dataset, (*timed_steps, "custom_values_seconds", "vacuum_seconds")))
    return figures


def _met(figures: dict, evaluations: dict) -> dict:
    evaluate = max(figures["evaluate_first_seconds"], figures["evaluate_second_seconds"])
    failed = any(evaluations[label]["error"] for label in ("first", "second"))
    return {
        "preview_p95_ms_max": figures["preview_p95_ms"] <= TARGETS["preview_p95_ms_max"]
        and not figures["preview_timed_out"],
        "evaluate_seconds_max": evaluate <= TARGETS["evaluate_seconds_max"] and not failed,
        "nightly_seconds_max": figures["nightly_seconds"] <= TARGETS["nightly_seconds_max"]
        and not figures["nightly_failed"],
        "pages_p95_ms_max": None
        if figures["pages_p95_ms"] is None
        else figures["pages_p95_ms"] <= TARGETS["pages_p95_ms_max"],
    }


if __name__ == "__main__":
    sys.exit(main())
