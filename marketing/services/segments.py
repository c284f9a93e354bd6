"""Writing segments' members: an evaluation stages the customers a rule selects in a
temporary table and writes only the difference with the members kept, set-based, in one
transaction: who joined (a member row and a "joined" change) and who left (a "left" change,
the member row removed). Nobody who stays is touched, so "who entered this week" is a
query over the changes and a segment's size over time is a sum of them.

A segment that fails to evaluate keeps its last members: the transaction rolls back, the
failure is recorded on the segment and in the log, and the nightly step tries again.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.locks import nightly_lock_acquire
from customers.models import Customer
from marketing.models import (
    EvaluationTrigger,
    Segment,
    SegmentChange,
    SegmentEvaluation,
    SegmentKind,
    SegmentMember,
)
from marketing.segments.compiler import RuleError, rule_customers, validate
from marketing.segments.context import RuleContext, rule_context
from marketing.segments.planning import rule_plan_apply

log = logging.getLogger(__name__)

STAGE = "marketing_segment_stage"


def segment_evaluate(
    segment: Segment,
    *,
    trigger: str = EvaluationTrigger.ON_DEMAND,
    context: RuleContext | None = None,
) -> SegmentEvaluation:
    """Evaluate a dynamic segment now and write who joined and left; the log row says how it
    went (its `error` is set, and the members unchanged, if it failed)."""
    context = context or rule_context()
    started, clock = timezone.now(), time.monotonic()
    try:
        tree = validate(segment.rule, segment=segment)
        selected = rule_customers(tree, context, segment_id=segment.pk)
        joined, left, members = membership_write(segment, selected, day=context.today)
    except (RuleError, DatabaseError) as error:
        log.warning("segment %s failed to evaluate: %s", segment.pk, error)
        return _failed(segment, trigger, context, started, clock, error)
    return _log(
        segment, trigger, context, started, clock, members=members, joined=joined, left=left
    )


def membership_write(
    segment: Segment, customers: QuerySet[Customer], *, day
) -> tuple[int, int, int]:
    """Make the segment's members exactly `customers`, writing the difference: returns how
    many joined, left, and the members after. One transaction; a failure leaves it as it was."""
    ids_sql, params = customers.order_by().values("pk").query.sql_with_params()
    member = SegmentMember._meta.db_table
    change = SegmentChange._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        nightly_lock_acquire()  # never beside an import or metrics step that is writing
        if connection.vendor == "postgresql":
            timeout = str(settings.SEGMENT_EVALUATION_TIMEOUT_MS)
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
            rule_plan_apply(cursor)
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} AS {ids_sql}", params)
        id_column = _stage_column(cursor)
        joined_rows = (
            f"SELECT s.{id_column} FROM {STAGE} s WHERE NOT EXISTS (SELECT 1 FROM {member} m"
            f" WHERE m.segment_id = %s AND m.customer_id = s.{id_column})"
        )
        left_rows = (
            f"SELECT m.customer_id FROM {member} m WHERE m.segment_id = %s AND NOT EXISTS"
            f" (SELECT 1 FROM {STAGE} s WHERE s.{id_column} = m.customer_id)"
        )
        cursor.execute(
            f"INSERT INTO {change} (segment_id, customer_id, day, joined)"
            f" SELECT %s, j.{id_column}, %s, %s FROM ({joined_rows}) j",
            [segment.pk, day, True, segment.pk],
        )
        joined = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {change} (segment_id, customer_id, day, joined)"
            f" SELECT %s, l.customer_id, %s, %s FROM ({left_rows}) l",
            [segment.pk, day, False, segment.pk],
        )
        left = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {member} WHERE segment_id = %s AND NOT EXISTS"
            f" (SELECT 1 FROM {STAGE} s WHERE s.{id_column} = {member}.customer_id)",
            [segment.pk],
        )
        cursor.execute(
            f"INSERT INTO {member} (segment_id, customer_id, joined_on)"
            f" SELECT %s, j.{id_column}, %s FROM ({joined_rows}) j",
            [segment.pk, day, segment.pk],
        )
        cursor.execute(f"DROP TABLE {STAGE}")
        members = SegmentMember.objects.filter(segment=segment).count()
        Segment.objects.filter(pk=segment.pk).update(
            members_count=members, evaluated_at=timezone.now(), failed_at=None, failure=""
        )
    return joined, left, members


def _stage_column(cursor) -> str:
    """The staged ids' column name (the SELECT's own: "id" on both databases)."""
    cursor.execute(f"SELECT * FROM {STAGE} WHERE 1 = 0")
    return connection.ops.quote_name(cursor.description[0][0])


def _failed(segment, trigger, context, started, clock, error):
    text = str(error)[:2000]
    Segment.objects.filter(pk=segment.pk).update(failed_at=timezone.now(), failure=text)
    segment.refresh_from_db(fields=["members_count"])
    return _log(
        segment, trigger, context, started, clock, members=segment.members_count, error=text
    )


def _log(segment, trigger, context, started, clock, **outcome) -> SegmentEvaluation:
    """The evaluation's log row: when, how long, and how it went."""
    segment.refresh_from_db()
    return SegmentEvaluation.objects.create(
        segment=segment,
        day=context.today,
        trigger=trigger,
        started_at=started,
        seconds=round(time.monotonic() - clock, 3),
        **outcome,
    )


def segments_evaluate_all(*, trigger: str = EvaluationTrigger.NIGHTLY) -> list[SegmentEvaluation]:
    """Evaluate every active dynamic segment (the nightly step), each in its own
    transaction: one that fails is logged and the others go on."""
    context = rule_context()
    segments = Segment.objects.filter(active=True, kind=SegmentKind.DYNAMIC).order_by("pk")
    return [segment_evaluate(segment, trigger=trigger, context=context) for segment in segments]


def members_set(
    segment: Segment, customers: QuerySet[Customer], *, day, trigger: str
) -> SegmentEvaluation:
    """Make a static segment's members exactly these customers (an upload, a snapshot),
    written as a difference and logged like an evaluation."""
    started, clock = timezone.now(), time.monotonic()
    joined, left, members = membership_write(segment, customers, day=day)
    context = RuleContext(today=day, as_of=day)
    return _log(
        segment, trigger, context, started, clock, members=members, joined=joined, left=left
    )
