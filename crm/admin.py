"""Django admin for the organisation, and a read-only view of the audit log."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .admin_site import ReadOnlyAdmin
from .audit_text import (
    LABELS,
    audit_about_customer,
    audit_action_label,
    audit_customer_numbers,
    audit_object_type_label,
    audit_sentence,
)
from .models import AuditEntry, Branch, Staff, Team


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region")
    search_fields = ("code", "name", "region")
    list_filter = ("region",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "branch")
    search_fields = ("name", "branch__code", "branch__name")
    list_select_related = ("branch",)
    autocomplete_fields = ("branch",)


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("staff_code", "name", "role", "branch", "team", "user", "is_active")
    list_filter = ("role", "is_active", "branch")
    search_fields = ("staff_code", "name", "user__username")
    list_select_related = ("branch", "team", "user")
    autocomplete_fields = ("branch", "team", "user")


class AuditChangeList(ChangeList):
    """The audit log's page of entries, each told the number of the customer it names (one
    query per kind of object on the page, crm.audit_text.audit_customer_numbers)."""

    def get_results(self, request):
        super().get_results(request)
        numbers = audit_customer_numbers(self.result_list)
        for entry in self.result_list:
            entry.customer_number = numbers.get(entry.pk)


class AuditActionFilter(admin.SimpleListFilter):
    """The actions the code audits, by their names in the reader's language: a fixed list,
    never a DISTINCT over the biggest table."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(((code, str(label)) for code, label in LABELS.items()), key=lambda x: x[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditObjectTypeFilter(admin.SimpleListFilter):
    """The kinds of object the entries are about, by their models' names."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        types = (
            model_admin.get_queryset(request)
            .exclude(object_type="")
            .order_by()
            .values_list("object_type", flat=True)
            .distinct()
        )
        return sorted(((t, audit_object_type_label(t)) for t in types), key=lambda x: x[1])

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("local_time", "sentence", "action_label", "client_ip")
    list_filter = (AuditActionFilter, AuditObjectTypeFilter)
    # And a customer's number: get_search_results.
    search_fields = ("object_id", "actor__username", "action")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    show_full_result_count = False  # the log is the biggest table: one count per page is enough
    # Append-only: nobody adds, edits or deletes an audit entry, not even an administrator.
    # The action and the kind of object by their names; their codes stay searchable.
    readonly_fields = [
        "local_time",
        "sentence",
        *(
            {"action": "action_label", "object_type": "object_type_label"}.get(f.name, f.name)
            for f in AuditEntry._meta.fields
        ),
    ]
    fields = tuple(readonly_fields)

    def get_changelist(self, request, **kwargs):
        return AuditChangeList

    def get_search_results(self, request, queryset, search_term):
        """Also the entries about the customer whose number is searched for."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found = found | queryset.filter(audit_about_customer(search_term.strip()))
        return found, duplicates

    @admin.display(description=_("time"), ordering="at")
    def local_time(self, entry) -> str:
        """When, in the site's time zone (settings.TIME_ZONE), with its offset from UTC."""
        local = timezone.localtime(entry.at)
        offset = local.strftime("%z")
        return f"{local:%Y-%m-%d %H:%M:%S} UTC{offset[:3]}:{offset[3:]}"

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, entry) -> str:
        return audit_action_label(entry.action)

    @admin.display(description=_("object type"), ordering="object_type")
    def object_type_label(self, entry) -> str:
        return audit_object_type_label(entry.object_type)

    @admin.display(description=_("what happened"))
    def sentence(self, entry) -> str:
        if not hasattr(entry, "customer_number"):  # the change page: one entry alone
            entry.customer_number = audit_customer_numbers([entry]).get(entry.pk)
        return audit_sentence(entry, customer_number=entry.customer_number)
