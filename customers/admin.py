"""Django admin: customer master data, accounts, import profiles and the import's runs, and
the relationship (contacts, service request types and SLAs, service requests, tasks)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .etl.specs import SPECS
from .models import (
    CapitalAccount,
    CodeMapping,
    ColumnAlias,
    Customer,
    ImportFileResult,
    ImportProfile,
    ImportRun,
    Interaction,
    ServiceRequest,
    ServiceRequestType,
    Task,
)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("cust_no", "name", "branch", "manager", "status", "risk_level", "open_date")
    list_filter = ("status", "risk_level", "branch")
    search_fields = ("cust_no", "name")
    list_select_related = ("branch", "manager")
    autocomplete_fields = ("branch", "manager")
    show_full_result_count = False


class CanonicalColumnForm(forms.ModelForm):
    """Refuses a canonical column the import does not know (for the chosen file)."""

    def clean(self):
        cleaned = super().clean()
        column, file = cleaned.get("column"), cleaned.get("file")
        specs = [SPECS[file]] if file else list(SPECS.values())
        known = {c.name for spec in specs for c in spec.columns}
        if column and column not in known:
            self.add_error(
                "column",
                _("Unknown canonical column. Known: %(columns)s")
                % {"columns": ", ".join(sorted(known))},
            )
        return cleaned


class ColumnAliasInline(admin.TabularInline):
    model = ColumnAlias
    form = CanonicalColumnForm
    extra = 1


class CodeMappingInline(admin.TabularInline):
    model = CodeMapping
    form = CanonicalColumnForm
    extra = 1


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "encoding", "delimiter", "date_format", "is_default")
    search_fields = ("name", "description")
    inlines = (ColumnAliasInline, CodeMappingInline)


class ImportFileResultInline(admin.TabularInline):
    model = ImportFileResult
    extra = 0
    can_delete = False
    readonly_fields = (
        "file",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "seconds",
        "ignored_columns",
    )
    exclude = ("header",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Runs are the import's own record: readable here, written only by the import."""

    list_display = (
        "business_date",
        "kind",
        "profile",
        "status",
        "late",
        "started_at",
        "rows_loaded",
        "rows_rejected",
    )
    list_filter = ("status", "kind", "late")
    date_hierarchy = "business_date"
    inlines = (ImportFileResultInline,)
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CapitalAccount)
class CapitalAccountAdmin(admin.ModelAdmin):
    list_display = ("fund_account", "customer", "account_kind", "currency", "status")
    list_filter = ("account_kind", "status", "currency")
    search_fields = ("fund_account", "customer__cust_no", "customer__name")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
    show_full_result_count = False


# -- relationship --------------------------------------------------------------------------------
# Contacts, requests and tasks are written by customers/services/relationship.py (which keeps
# SLAs, tasks and the audit log in step); the admin reads them and edits only what is safe.


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    """Contacts as their staff logged them: a record, not editable."""

    list_display = ("occurred_at", "customer", "channel", "direction", "staff", "result")
    list_filter = ("channel", "direction")
    search_fields = ("customer__cust_no", "customer__name", "content")
    list_select_related = ("customer", "staff")
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceRequestType)
class ServiceRequestTypeAdmin(admin.ModelAdmin):
    """The kinds of request and the hours the brokerage promises to resolve each in."""

    list_display = ("name", "code", "sla_hours", "is_complaint")
    list_editable = ("sla_hours",)
    search_fields = ("name", "code")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Requests are opened and moved on the customer page (SLA, task and audit in step); here
    an administrator may reassign one or correct its description."""

    list_display = (
        "id",
        "customer",
        "request_type",
        "status",
        "assignee",
        "opened_at",
        "due_at",
        "resolved_at",
    )
    list_filter = ("status", "request_type")
    search_fields = ("customer__cust_no", "customer__name", "description")
    list_select_related = ("customer", "request_type", "assignee")
    raw_id_fields = ("assignee",)
    readonly_fields = (
        "customer",
        "request_type",
        "status",
        "opened_at",
        "due_at",
        "resolved_at",
        "closed_at",
        "resolution",
        "created_by",
    )
    date_hierarchy = "opened_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("due_on", "title", "kind", "status", "assignee", "customer")
    list_filter = ("status", "kind")
    search_fields = ("title", "customer__cust_no", "customer__name", "assignee__name")
    list_select_related = ("assignee", "customer")
    raw_id_fields = ("assignee",)
    readonly_fields = ("customer", "kind", "source", "created_at", "done_at")
    date_hierarchy = "due_on"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
