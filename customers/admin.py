"""Django admin for customer master data."""

from django.contrib import admin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("cust_no", "name", "branch", "manager", "status", "risk_level", "open_date")
    list_filter = ("status", "risk_level", "branch")
    search_fields = ("cust_no", "name")
    list_select_related = ("branch", "manager")
    autocomplete_fields = ("branch", "manager")
    show_full_result_count = False
