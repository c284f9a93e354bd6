"""Django admin for suitability: the matching rules as the matrix (category by product risk
level, the permitted flag edited in the list, each change audited), and the append-only log
of checks and confirmations, which admins may read but never add to, edit or delete."""

from django.contrib import admin
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from crm.admin_site import ReadOnlyAdmin

from .models import InvestorCategory, SuitabilityCheck, SuitabilityConfirmation, SuitabilityRule
from .services.rules import suitability_rule_set
from .suitability import reason_label

# The rows in the order the regulation reads them: lowest, C1 … C5, professional A, B, C.
CATEGORY_ORDER = Case(
    *(When(category=value, then=Value(n)) for n, value in enumerate(InvestorCategory.values)),
    default=Value(len(InvestorCategory.values)),
    output_field=IntegerField(),
)


@admin.register(SuitabilityRule)
class SuitabilityRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "product_risk", "permitted", "updated_at")
    list_display_links = ("category",)
    list_editable = ("permitted",)
    list_filter = ("category", "product_risk", "permitted")
    list_per_page = 100  # the whole matrix (9 categories by 5 levels) on one page
    fields = ("category", "product_risk", "permitted", "updated_at")
    readonly_fields = ("category", "product_risk", "updated_at")

    def get_ordering(self, request):
        return (CATEGORY_ORDER.asc(), "product_risk", "pk")

    # The matrix has a cell for every category and level, shipped as data: cells are
    # permitted or refused, never added or removed.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        suitability_rule_set(rule=obj, permitted=obj.permitted, actor=request.user, request=request)


def reasons_shown(codes) -> str:
    return "; ".join(reason_label(code) for code in codes or ())


@admin.register(SuitabilityCheck)
class SuitabilityCheckAdmin(ReadOnlyAdmin):
    list_display = (
        "checked_at",
        "customer",
        "product",
        "purpose",
        "result",
        "reasons_text",
        "actor",
        "confirmed",
    )
    list_filter = ("result", "purpose", "product_risk", "category")
    search_fields = ("customer__cust_no", "product__code", "product__name")
    list_select_related = ("customer", "product", "actor", "confirmation")
    date_hierarchy = "checked_at"
    show_full_result_count = False  # no exact count over the growing log
    fields = (
        "checked_at",
        "actor",
        "customer",
        "product",
        "purpose",
        "result",
        "reasons_text",
        "amount",
        "category",
        "customer_risk_level",
        "assessed_on",
        "product_risk",
    )

    @admin.display(description=_("reasons"))
    def reasons_text(self, entry: SuitabilityCheck) -> str:
        return reasons_shown(entry.reasons)

    @admin.display(description=_("confirmed"), boolean=True)
    def confirmed(self, entry: SuitabilityCheck) -> bool:
        return hasattr(entry, "confirmation")


@admin.register(SuitabilityConfirmation)
class SuitabilityConfirmationAdmin(ReadOnlyAdmin):
    list_display = ("confirmed_at", "suitability_check", "customer", "actor", "recording_ref")
    search_fields = (
        "suitability_check__customer__cust_no",
        "suitability_check__product__code",
        "recording_ref",
    )
    list_select_related = (
        "suitability_check__customer",
        "suitability_check__product",
        "actor",
    )
    date_hierarchy = "confirmed_at"
    show_full_result_count = False
    fields = ("confirmed_at", "actor", "suitability_check", "warning_text", "recording_ref")

    @admin.display(description=_("customer"))
    def customer(self, confirmation: SuitabilityConfirmation):
        return confirmation.suitability_check.customer
