"""Django admin: customer master data, accounts, import profiles and the import's runs."""

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
