"""Tiers in Django admin: the definitions, edited while the CRM runs, with a preview of how
many customers each tier would hold under the edited thresholds before saving; the monthly
records and evaluation runs, read-only (the evaluation writes them)."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from crm.admin_site import ReadOnlyAdmin
from marketing.models import CustomerTier, Tier, TierRun
from marketing.selectors.tiers import tier_holders_subquery, tier_latest_month, tier_preview

# The change form's button that counts instead of saving.
PREVIEW = "_preview"


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    """A tier's thresholds, hysteresis and service standard. The evaluation reads them every
    night; "Preview" counts the customers each tier would qualify with the form's values,
    saving nothing. A tier customers have held cannot be deleted: make it inactive."""

    change_form_template = "admin/marketing/tier/change_form.html"
    list_display = (
        "rank",
        "name",
        "code",
        "min_average_assets",
        "min_contribution",
        "min_turnover",
        "combine",
        "downgrade_after_months",
        "contact_every_days",
        "review_every_days",
        "active",
        "holders",
    )
    list_display_links = ("rank", "name")
    list_filter = ("active",)
    ordering = ("rank",)
    fieldsets = (
        (None, {"fields": (("name", "code"), "rank", "active")}),
        (
            _("Thresholds"),
            {
                "description": _(
                    "On the figures of the month before the tier's month. Empty: no "
                    "requirement. The lowest active tier is the floor everybody qualifies for."
                ),
                "fields": (
                    "min_average_assets",
                    "min_contribution",
                    "min_turnover",
                    "combine",
                ),
            },
        ),
        (_("Hysteresis"), {"fields": ("downgrade_after_months",)}),
        (_("Service standard"), {"fields": ("contact_every_days", "review_every_days")}),
    )

    def get_queryset(self, request):
        month = tier_latest_month()
        return super().get_queryset(request).annotate(holders=tier_holders_subquery(month))

    @admin.display(description=_("customers now"), ordering="holders")
    def holders(self, tier) -> int:
        return tier.holders or 0

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and PREVIEW in request.POST:
            return self._preview(request, object_id, form_url, extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _preview(self, request, object_id, form_url, extra_context):
        """The change form again, as posted, with the preview of its thresholds; nothing is
        saved (the page of Django's own changeform_view for a form it does not save)."""
        add = object_id is None
        obj = None if add else self.get_object(request, unquote(object_id))
        if add:
            allowed = self.has_add_permission(request)
        else:
            allowed = obj is not None and self.has_change_permission(request, obj)
        if not allowed:
            raise PermissionDenied
        subtitle = str(obj) if obj else None
        fieldsets = self.get_fieldsets(request, obj)
        fields = flatten_fieldsets(fieldsets)
        form_class = self.get_form(request, obj, change=not add, fields=fields)
        form = form_class(request.POST, request.FILES, instance=obj)
        preview = tier_preview(edited=form.save(commit=False)) if form.is_valid() else None
        admin_form = helpers.AdminForm(
            form,
            list(fieldsets),
            self.get_prepopulated_fields(request, obj),
            self.get_readonly_fields(request, obj),
            model_admin=self,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": (_("Add %s") if add else _("Change %s")) % self.opts.verbose_name,
            "subtitle": subtitle,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "tier_preview": preview,
            **(extra_context or {}),
        }
        return self.render_change_form(
            request, context, add=add, change=not add, obj=obj, form_url=form_url
        )


@admin.register(CustomerTier)
class CustomerTierAdmin(ReadOnlyAdmin):  # the evaluation writes it
    list_display = ("month", "customer", "tier", "qualified_tier", "to_watch", "months_below")
    list_filter = ("tier", "to_watch")
    search_fields = ("customer__cust_no",)
    list_select_related = ("customer", "tier", "qualified_tier")
    # Newest first by the primary key: a month is 200,000 rows, nothing here may sort them.
    ordering = ("-pk",)
    show_full_result_count = False


@admin.register(TierRun)
class TierRunAdmin(ReadOnlyAdmin):  # the evaluation writes it
    list_display = (
        "month",
        "basis_month",
        "finished_at",
        "customers",
        "upgraded",
        "downgraded",
        "watched",
    )
