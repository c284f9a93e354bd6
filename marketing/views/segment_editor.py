"""The segment rule editor's pages, for head office and administrators: creating and editing a
dynamic segment, and the three fragments the editor asks for as it is used (the editor after
an action, the rule in words, the live preview). The drafting is marketing/forms/
segment_editor.py's, the counting marketing/services/previews.py's."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, UpdateView

from crm.roles import Access, RoleRequiredMixin, role_required
from customers.selectors.customers import customers_for_user
from customers.tables.lists import CustomerTable
from marketing.forms.segment_editor import (
    NAME,
    EditorAction,
    SegmentForm,
    draft_apply,
    draft_check,
    draft_read,
    editor_context,
)
from marketing.models import Segment, SegmentKind
from marketing.segments.compiler import rule_customers
from marketing.segments.context import rule_context
from marketing.services.previews import preview_count, preview_timeout_ms, preview_token_valid
from marketing.services.segment_edits import segment_save

SAMPLE_SIZE = 10
# The customer list's columns the preview's sample shows.
SAMPLE_COLUMNS = ("cust_no", "name", "branch", "manager", "total_assets")
# Sent after an editor fragment settles, so that the words and the preview follow the change.
EDITED = "rule-edited"


class _SegmentEditing(RoleRequiredMixin):
    access = Access.SEGMENT_EDITING
    model = Segment
    form_class = SegmentForm
    template_name = "marketing/segments/editor.html"

    def form_valid(self, form):
        self.object = segment_save(
            segment=form.save(commit=False), actor=self.request.user, request=self.request
        )
        messages.success(
            self.request,
            _("The segment “%(name)s” is saved; its members are being evaluated.")
            % {"name": self.object.name},
        )
        return super().form_valid(form)

    def get_success_url(self) -> str:
        return reverse("marketing:segment-detail", args=[self.object.pk])


class SegmentCreateView(_SegmentEditing, CreateView):
    pass


class SegmentEditView(_SegmentEditing, UpdateView):
    # A static segment is a list, uploaded or frozen: it has no rule to edit.
    queryset = Segment.objects.filter(kind=SegmentKind.DYNAMIC)


def _segment(request: HttpRequest) -> Segment | None:
    """The segment being edited, if it exists yet (for its cycles and the segments offered)."""
    pk = str(request.POST.get("segment_id", ""))
    if not pk.isdigit() or len(pk) > 18:
        return None
    return Segment.objects.filter(pk=int(pk)).first()


@role_required(Access.SEGMENT_EDITING)
@require_POST
def segment_editor(request: HttpRequest) -> HttpResponse:
    """The editor again after an action (add, remove) or a change of field or operator."""
    segment = _segment(request)
    draft = draft_apply(
        draft_read(request.POST), EditorAction.parse(request.POST.get(f"{NAME}:action"))
    )
    checked = draft_check(draft, segment=segment)
    context = {
        "editor": {
            **editor_context(draft, segment=segment, problems=checked.problems),
            "live": True,
        }
    }
    response = render(request, "marketing/segments/_editor.html", context)
    response["HX-Trigger-After-Settle"] = EDITED
    return response


@role_required(Access.SEGMENT_EDITING)
@require_POST
def segment_words(request: HttpRequest) -> HttpResponse:
    """The rule in words, in the reader's language, as typed so far."""
    checked = draft_check(draft_read(request.POST), segment=_segment(request))
    return render(request, "marketing/segments/_editor_words.html", {"checked": checked})


class PreviewForm(forms.Form):
    preview_token = forms.CharField(max_length=32)
    preview_version = forms.IntegerField(min_value=0, max_value=2**31)

    def clean_preview_token(self):
        token = self.cleaned_data["preview_token"]
        if not preview_token_valid(token):
            raise forms.ValidationError("bad token")
        return token


@role_required(Access.SEGMENT_EDITING)
@require_POST
def segment_preview(request: HttpRequest) -> HttpResponse:
    """How many of the customers the user sees the draft selects, and the first of them; a
    preview that a newer one of the same editor replaced answers 204 (htmx swaps nothing)."""
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The preview lacks its editor's token."))
    segment = _segment(request)
    checked = draft_check(draft_read(request.POST), segment=segment)
    context: dict = {"checked": checked, "timeout_seconds": preview_timeout_ms() / 1000}
    if checked.complete:
        customers = rule_customers(
            checked.tree,
            rule_context(),
            customers=customers_for_user(request.user),
            segment_id=segment.pk if segment else None,
        )
        result = preview_count(
            customers,
            token=form.cleaned_data["preview_token"],
            version=form.cleaned_data["preview_version"],
            sample=SAMPLE_SIZE,
            sample_order=("cust_no",),
        )
        if result.superseded:
            return HttpResponse(status=204)
        context["result"] = result
        if result.sample:
            excluded = [name for name in CustomerTable.base_columns if name not in SAMPLE_COLUMNS]
            context["table"] = CustomerTable(result.sample, exclude=excluded, orderable=False)
    return render(request, "marketing/segments/_editor_preview.html", context)
