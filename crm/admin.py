"""Django admin for the organisation, and a read-only view of the audit log."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .admin_site import ReadOnlyAdmin
from .audit_text import audit_about_customer, audit_customer_numbers, audit_sentence
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


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("local_time", "sentence", "action", "client_ip")
    list_filter = ("action", "object_type")
    # And a customer's number: get_search_results.
    search_fields = ("object_id", "actor__username", "action")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    show_full_result_count = False  # the log is the biggest table: one count per page is enough
    # Append-only: nobody adds, edits or deletes an audit entry, not even an administrator.
    readonly_fields = ["local_time", "sentence", *(field.name for field in AuditEntry._meta.fields)]

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

    @admin.display(description=_("what happened"))
    def sentence(self, entry) -> str:
        if not hasattr(entry, "customer_number"):  # the change page: one entry alone
            entry.customer_number = audit_customer_numbers([entry]).get(entry.pk)
        return audit_sentence(entry, customer_number=entry.customer_number)
