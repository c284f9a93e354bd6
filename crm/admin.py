"""Django admin for the organisation, and a read-only view of the audit log."""

from django.contrib import admin

from .admin_site import ReadOnlyAdmin
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


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "client_ip")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor__username", "action")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    # Append-only: nobody adds, edits or deletes an audit entry, not even an administrator.
    readonly_fields = [field.name for field in AuditEntry._meta.fields]
