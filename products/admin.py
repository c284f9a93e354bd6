"""Django admin for the securities master."""

from django.contrib import admin

from .models import Security


@admin.register(Security)
class SecurityAdmin(admin.ModelAdmin):
    list_display = ("sec_code", "market", "name", "sec_type", "industry", "as_of")
    list_filter = ("market", "sec_type")
    search_fields = ("sec_code", "name", "industry")
