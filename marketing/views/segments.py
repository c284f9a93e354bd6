"""The segments' pages: the list, a segment's page (its rule in words, size over time, who
joined and left this week, the evaluation log and the members as the customer list's table),
why one customer is in or out, the members as CSV, and the segment editors' actions:
evaluate now, upload a static list, freeze a snapshot.

Anybody may open a segment; what it shows of its members is the user's scope only
(marketing.selectors.segments). Each action is its own POST view, open to the roles of
Access.SEGMENT_EDITING.
"""

import functools

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin

from crm.charts import figure_html
from crm.messages import messages_of_form
from crm.pagination import pagination
from crm.roles import Access, has_access, may_reveal_pii, role_required
from crm.scoping import reach_of
from crm.services import audit_record
from customers.tables.lists import constant_columns
from customers.views.lists import bad_request, csv_export_response, export_row_limit
from marketing.charts import segment_size_figure
from marketing.forms.segment_lists import SegmentSnapshotForm, SegmentUploadForm, SegmentWhyForm
from marketing.selectors import segments as selectors
from marketing.services.segment_lists import (
    SnapshotRefused,
    UploadRefused,
    segment_snapshot,
    segment_upload,
)
from marketing.tables.segments import SegmentMemberTable, member_columns
from marketing.tasks import segment_evaluate_now

UNMATCHED_SHOWN = 50


class SegmentListView(TemplateView):
    template_name = "marketing/segments/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.segments_for_user(self.request.user)
        context["company_wide"] = reach_of(self.request.user).everything
        return context


class SegmentDetailView(SingleTableMixin, TemplateView):
    template_name = "marketing/segments/detail.html"
    table_class = SegmentMemberTable
    table_pagination = pagination()

    @cached_property
    def segment(self):
        return selectors.segment_get(pk=self.kwargs["pk"])

    def get_table_kwargs(self):
        return {
            **super().get_table_kwargs(),
            "exclude": constant_columns(self.request.user),
            "extra_columns": member_columns(),
        }

    def get_table_data(self):
        return selectors.segment_members_for_user(self.request.user, self.segment)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, segment = self.request.user, self.segment
        today = timezone.localdate()
        editing = has_access(user, Access.SEGMENT_EDITING)
        points = selectors.segment_size_history(user, segment)
        context.update(
            segment=segment,
            editing=editing,
            rule=selectors.segment_rule_text(segment),
            members=selectors.segment_members_count(user, segment),
            company_wide=reach_of(user).everything,
            chart=figure_html(segment_size_figure(points, today=today)) if points else "",
            week=selectors.segment_week_changes(user, segment, today=today),
            log=selectors.segment_log(user, segment),
            why_form=SegmentWhyForm(),
            upload_form=SegmentUploadForm() if editing and not segment.is_dynamic else None,
            snapshot_form=SegmentSnapshotForm() if editing and segment.is_dynamic else None,
            upload=segment.uploads.select_related("uploaded_by").first() if editing else None,
            unmatched_shown=UNMATCHED_SHOWN,
        )
        return context


@require_GET
def segment_why(request, pk: int):
    """Why one customer (by number, in the user's scope: else a 404) is in or out."""
    segment = selectors.segment_get(pk=pk)
    form = SegmentWhyForm(request.GET)
    if not form.is_valid():
        return render(
            request, "marketing/segments/why.html", {"segment": segment, "form": form}, status=400
        )
    why = selectors.segment_why_for_user(
        request.user, segment, cust_no=form.cleaned_data["customer"]
    )
    lines = list(why.verdict.lines()) if why.verdict else []
    return render(
        request,
        "marketing/segments/why.html",
        {"segment": segment, "form": form, "why": why, "lines": lines},
    )


@role_required(Access.SEGMENT_EDITING)
@require_POST
def segment_evaluate(request, pk: int):
    """Evaluate a dynamic segment now, in the background once this request commits."""
    segment = selectors.segment_get(pk=pk)
    if not segment.is_dynamic:
        messages.error(request, gettext("A static segment is not evaluated: upload its list."))
        return redirect("marketing:segment-detail", pk=segment.pk)
    transaction.on_commit(functools.partial(segment_evaluate_now.delay, segment.pk))
    messages.success(
        request,
        gettext("“%(name)s” is being evaluated: reload the page in a moment to see it.")
        % {"name": segment.name},
    )
    return redirect("marketing:segment-detail", pk=segment.pk)


@role_required(Access.SEGMENT_EDITING)
@require_POST
def segment_list_upload(request, pk: int):
    """Replace or add to a static segment's members from a file of customer numbers."""
    segment = selectors.segment_get(pk=pk)
    form = SegmentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages_of_form(request, form)
        return redirect("marketing:segment-detail", pk=segment.pk)
    upload = form.cleaned_data["file"]
    try:
        result = segment_upload(
            segment=segment,
            uploader=request.user,
            file_name=upload.name,
            content=upload.read(),
            mode=form.cleaned_data["mode"],
            request=request,
        )
    except UploadRefused as refused:
        messages.error(request, str(refused))
        return redirect("marketing:segment-detail", pk=segment.pk)
    kept = result.upload
    messages.success(
        request,
        gettext(
            "%(file)s: %(matched)s of %(numbers)s numbers matched; %(joined)s joined, "
            "%(left)s left."
        )
        % {
            "file": kept.file_name,
            "matched": kept.matched,
            "numbers": kept.numbers,
            "joined": result.joined,
            "left": result.left,
        },
    )
    return redirect("marketing:segment-detail", pk=segment.pk)


@role_required(Access.SEGMENT_EDITING)
@require_POST
def segment_snapshot_freeze(request, pk: int):
    """A new static segment of a dynamic one's members as of a day."""
    source = selectors.segment_get(pk=pk)
    form = SegmentSnapshotForm(request.POST)
    if not form.is_valid():
        messages_of_form(request, form)
        return redirect("marketing:segment-detail", pk=source.pk)
    try:
        snapshot = segment_snapshot(
            source=source,
            on=form.cleaned_data["on"],
            name=form.cleaned_data["name"],
            created_by=request.user,
        )
    except SnapshotRefused as refused:
        messages.error(request, str(refused))
        return redirect("marketing:segment-detail", pk=source.pk)
    messages.success(
        request,
        gettext("Froze “%(name)s”: %(count)s members.")
        % {"name": snapshot.name, "count": snapshot.members_count},
    )
    return redirect("marketing:segment-detail", pk=snapshot.pk)


@require_GET
def segment_export(request, pk: int):
    """The members the user may see as CSV, as the customer list exports them: personal data
    masked unless the user may reveal it, every cell spreadsheet-safe, audited before the
    first byte leaves."""
    segment = selectors.segment_get(pk=pk)
    revealed = may_reveal_pii(request.user)
    members = selectors.segment_members_for_user(request.user, segment).order_by("cust_no")
    limit = export_row_limit()
    rows = members[: limit + 1].count()
    if rows > limit:
        return bad_request(
            gettext("This export has more than %(limit)s customers.") % {"limit": limit}
        )
    audit_record(
        actor=request.user,
        action="segment.export",
        target=segment,
        request=request,
        details={"segment": segment.name, "rows": rows, "revealed": revealed},
    )
    return csv_export_response(
        members,
        filename=f"segment-{segment.pk}-{timezone.localdate():%Y%m%d}.csv",
        revealed=revealed,
        extra=[(gettext_lazy("Joined on"), lambda member: member.joined_on.isoformat())],
    )
