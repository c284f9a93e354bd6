"""Django admin for the securities master and the product library, with the import of a
product list from a spreadsheet (products/services/library.py does the work)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .forms import ProductAdminForm, ProductListImportForm
from .models import Product, Security
from .services.library import COLUMNS, ProductFileRefused, product_list_import, securities_link


@admin.register(Security)
class SecurityAdmin(admin.ModelAdmin):
    list_display = ("sec_code", "market", "name", "sec_type", "industry", "as_of")
    list_filter = ("market", "sec_type")
    search_fields = ("sec_code", "name", "industry")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Products one by one, or a whole product list imported from a spreadsheet. After every
    save the products are linked to the counter's securities by code (securities_link)."""

    form = ProductAdminForm
    change_list_template = "products/admin/product_change_list.html"
    list_display = (
        "code",
        "name",
        "kind",
        "risk_level",
        "horizon",
        "variety",
        "status",
        "sale_starts_on",
        "sale_ends_on",
        "professional_only",
        "security",
    )
    list_filter = ("kind", "risk_level", "status", "horizon", "variety", "professional_only")
    search_fields = ("code", "name", "issuer")
    list_select_related = ("security",)
    autocomplete_fields = ("security",)
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "issuer", "description")}),
        (_("Suitability"), {"fields": ("risk_level", "horizon", "variety", "professional_only")}),
        (
            _("Sale"),
            {
                "fields": (
                    "status",
                    "sale_starts_on",
                    "sale_ends_on",
                    "minimum_investment",
                    "fee_rate",
                )
            },
        ),
        (
            _("Listed security"),
            {
                "fields": ("security",),
                "description": _(
                    "Set from the code when it names a counter security (600519.SH, or 600519 "
                    "where one market has it); choose one here only for a product whose code "
                    "names none."
                ),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            securities_link()
        obj.refresh_from_db(fields=["security"])

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="products_product_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """The upload form; a good file is written whole, a bad one refused with its report."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        posted = request.method == "POST"
        form = ProductListImportForm(request.POST or None, request.FILES or None)
        refusal = None
        if posted and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = product_list_import(
                    file_name=upload.name,
                    content=upload.read(),
                    actor=request.user,
                    request=request,
                )
            except ProductFileRefused as refused:
                refusal = refused
            else:
                messages.success(
                    request,
                    gettext(
                        "Imported %(file)s: %(created)s products created, %(updated)s updated, "
                        "%(unchanged)s unchanged; %(linked)s linked to a security."
                    )
                    % {
                        "file": report.file_name,
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                        "linked": report.linked,
                    },
                )
                return redirect(reverse("admin:products_product_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import products"),
            "form": form,
            "refusal": refusal,
            "columns": [
                (Product._meta.get_field(column.field).verbose_name, column) for column in COLUMNS
            ],
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "products/admin/product_import.html", context)


from . import admin_suitability  # noqa: E402,F401  (suitability rules and log)
