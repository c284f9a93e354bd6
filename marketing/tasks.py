"""Celery tasks of the marketing app: thin wrappers around its services."""

from celery import shared_task
from django.utils import timezone

from .models import EvaluationTrigger, Segment, SegmentKind
from .services.results import campaign_conversions_mark
from .services.segments import segment_evaluate, segments_evaluate_all
from .services.tiers import tiers_nightly
from .tasks_sending import campaign_dispatch, channel_send  # noqa: F401 - registered


@shared_task(name="marketing.tiers_and_segments_evaluate", acks_late=True)
def tiers_and_segments_evaluate() -> dict:
    """The pipeline's step after the metrics (crm/pipeline.py): every tier month due and the
    service standard's tasks, then every active dynamic segment (a segment may read the
    tiers); safe to run again. A segment that fails keeps its members and is logged."""
    tiers = tiers_nightly()
    evaluations = segments_evaluate_all()
    failed = sum(1 for evaluation in evaluations if evaluation.error)
    return {"tiers": tiers, "segments": {"evaluated": len(evaluations), "failed": failed}}


@shared_task(name="marketing.segment_evaluate", acks_late=True)
def segment_evaluate_now(segment_id: int) -> dict:
    """Evaluate one dynamic segment on demand (its page's button); a segment deleted or made
    static in the meantime is left alone."""
    segment = Segment.objects.filter(pk=segment_id, kind=SegmentKind.DYNAMIC).first()
    if segment is None:
        return {"segment": segment_id, "evaluated": False}
    evaluation = segment_evaluate(segment, trigger=EvaluationTrigger.ON_DEMAND)
    return {"segment": segment_id, "evaluated": not evaluation.error, "members": evaluation.members}


@shared_task(name="marketing.campaign_conversions_mark", acks_late=True)
def campaign_conversions_mark_task() -> dict:
    """The pipeline's step after the suitability step (crm/pipeline.py): stamp the
    recipients who converted within their window, from the sales and net inflows loaded so
    far; safe to run again."""
    return {"stamped": campaign_conversions_mark(today=timezone.localdate())}
