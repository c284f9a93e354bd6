"""Saving a segment edited in the rule editor (its page or Django admin): the row, an audit
entry, and an evaluation of its members once the transaction commits. The rule arrives
validated (marketing/forms/segment_editor.py RuleField cleans it through the engine)."""

from __future__ import annotations

from django.db import transaction

from crm.services import audit_record
from marketing.models import Segment, SegmentKind
from marketing.tasks import segment_evaluate_now


@transaction.atomic
def segment_save(*, segment: Segment, actor, request=None) -> Segment:
    """Save a dynamic segment as edited, audit who did it and queue its evaluation (a
    segment made inactive keeps its members until it is evaluated again)."""
    created = segment.pk is None
    if created:
        segment.kind = SegmentKind.DYNAMIC
        segment.created_by = actor if getattr(actor, "is_authenticated", False) else None
    segment.save()
    audit_record(
        actor=actor,
        action="segment.save",
        target=segment,
        request=request,
        details={"name": segment.name, "created": created, "active": segment.active},
    )
    if segment.is_dynamic and segment.active:
        transaction.on_commit(lambda: segment_evaluate_now.delay(segment.pk))
    return segment
