"""Segments in Django admin: a dynamic segment's name, description, nightly evaluation and
rule, the rule in the same nested editor and with the same validation as the head-office page
(marketing/forms/segment_editor.py), saved through the same service (audited, evaluated
after the commit). A static segment's members come from uploads and snapshots, not from
here: its rule is not offered."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from marketing.forms.segment_editor import SegmentForm
from marketing.models import Segment, SegmentKind
from marketing.services.segment_edits import segment_save


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    form = SegmentForm
    change_form_template = "admin/marketing/segment/change_form.html"
    list_display = ("name", "kind", "active", "members_count", "evaluated_at", "failure_short")
    list_filter = ("kind", "active")
    search_fields = ("name",)
    readonly_fields = ("kind", "members_count", "evaluated_at", "failed_at", "failure")

    def get_fieldsets(self, request, obj=None):
        main = ("name", "description", "active")
        state = ("kind", "members_count", "evaluated_at", "failed_at", "failure")
        if obj is not None and obj.kind == SegmentKind.STATIC:
            return ((None, {"fields": main}), (_("Evaluation"), {"fields": state}))
        fieldsets = [
            (None, {"fields": main}),
            (_("Rule"), {"classes": ("wide",), "fields": ("rule",)}),
        ]
        if obj is not None:
            fieldsets.append((_("Evaluation"), {"fields": state}))
        return fieldsets

    @admin.display(description=_("failure"))
    def failure_short(self, segment) -> str:
        return segment.failure[:80]

    def save_model(self, request, obj, form, change):
        segment_save(segment=obj, actor=request.user, request=request)
