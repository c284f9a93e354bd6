"""Evaluates the segments as the nightly step does: every active dynamic segment, or the ones
named (by id), each writing who joined and left; a segment that fails keeps its members."""

from django.utils.translation import gettext as _

from crm.commands import CrmCommand
from marketing.models import EvaluationTrigger, Segment, SegmentKind
from marketing.services.segments import segment_evaluate, segments_evaluate_all


class Command(CrmCommand):
    help = "Evaluate the dynamic segments now and write who joined and left."

    def add_arguments(self, parser):
        parser.add_argument("segments", nargs="*", type=int, help="segment ids (default: all)")

    def handle(self, *args, segments, **options):
        if segments:
            chosen = Segment.objects.filter(pk__in=segments, kind=SegmentKind.DYNAMIC)
            evaluations = [
                segment_evaluate(segment, trigger=EvaluationTrigger.ON_DEMAND) for segment in chosen
            ]
        else:
            evaluations = segments_evaluate_all(trigger=EvaluationTrigger.ON_DEMAND)
        for evaluation in evaluations:
            if evaluation.error:
                line = _("%(segment)s: failed, members kept: %(error)s")
            else:
                line = _("%(segment)s: %(members)s members, %(joined)s joined, %(left)s left")
            self.stdout.write(
                line
                % {
                    "segment": evaluation.segment.name,
                    "members": evaluation.members,
                    "joined": evaluation.joined,
                    "left": evaluation.left,
                    "error": evaluation.error,
                }
            )
