"""Campaigns' costs in Django admin: the gift catalogue (planners add gifts, change their
price and stock), the gifts given and the campaigns' expenses (read there, recorded by the
services: marketing/services/costs.py)."""

from django.contrib import admin

from marketing.models import CampaignExpense, Gift, GiftGiven


@admin.register(Gift)
class GiftAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit_cost", "stock", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(GiftGiven)
class GiftGivenAdmin(admin.ModelAdmin):
    list_display = ("given_on", "gift", "customer", "quantity", "unit_cost", "campaign", "given_by")
    list_select_related = ("gift", "customer", "campaign", "given_by")
    list_filter = ("gift",)
    date_hierarchy = "given_on"
    raw_id_fields = ("customer", "campaign", "given_by")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a gift handed over is history; its stock was taken by gift_give

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CampaignExpense)
class CampaignExpenseAdmin(admin.ModelAdmin):
    list_display = ("spent_on", "campaign", "kind", "amount", "recorded_by")
    list_select_related = ("campaign", "recorded_by")
    list_filter = ("kind",)
    raw_id_fields = ("campaign", "recorded_by")
    readonly_fields = ("recorded_by", "recorded_at")

    def has_add_permission(self, request) -> bool:
        return False  # recorded on the campaign's results page (audited)
