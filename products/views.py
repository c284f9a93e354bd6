"""The product library's pages: the list (filtered, sorted, paged), its CSV export (audited
like the customer export) and a product's page with its sales in the viewer's scope.

The library itself shows no customer: every member of staff sees every product. What a page
shows of sales goes through products.selectors.library, which scopes it (crm.scoping).
"""

from itertools import chain

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from crm.csvsafe import csv_chunks
from crm.pagination import PER_PAGE, table_paginate
from crm.roles import Access, has_access
from crm.services import audit_record
from customers.securities import security_code
from customers.tables.columns import money_plain, sort_of
from customers.views.lists import bad_request, export_row_limit
from products.filters import ProductListFilter, filter_params
from products.models import Product
from products.selectors.applications import may_review_applications
from products.selectors.library import product_get, product_sales_for_user, products_all
from products.tables import ProductTable, rate_text

EXPORT_CHUNK = 500


class ProductListView(SingleTableMixin, FilterView):
    table_class = ProductTable
    filterset_class = ProductListFilter
    template_name = "products/product_list.html"

    def get_queryset(self):
        return products_all()

    def get_table(self, **kwargs):
        """Sorted as the query asks; paged by crm.pagination.table_paginate, which says when
        the page asked for does not exist."""
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        RequestConfig(self.request, paginate=False).configure(table)
        self.page_problem = table_paginate(table, self.request, per_page=PER_PAGE)
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        problem = self.page_problem
        page_url = None
        if problem:
            query_with_page = self.request.GET.copy()
            query_with_page["page"] = problem.page
            page_url = f"?{query_with_page.urlencode()}"
        export_url = reverse("products:export")
        context.update(
            export_url=f"{export_url}?{query.urlencode()}" if query else export_url,
            page_problem=problem,
            page_problem_url=page_url,
            table_shown=hasattr(context["table"], "page"),
            library_empty=not Product.objects.exists(),
            # Suitability's own pages, linked from the library rather than the top bar.
            compliance_shown=has_access(self.request.user, Access.COMPLIANCE),
            applications_shown=may_review_applications(self.request.user),
        )
        return context


@require_GET
def product_detail(request, code: str):
    product = product_get(code=code)
    today = timezone.localdate()
    return render(
        request,
        "products/product_detail.html",
        {
            "product": product,
            "on_sale": product.on_sale(today),
            "today": today,
            "sales": product_sales_for_user(request.user, product),
            "fee_rate": rate_text(product.fee_rate),
            "targets_url": reverse("products:targets", args=[product.code]),
        },
    )


@require_GET
def product_export(request):
    """The filtered list as CSV, sorted as the page: every cell safe to open in a
    spreadsheet, audited before the first byte leaves (as the customer export)."""
    filterset = ProductListFilter(request.GET, queryset=products_all(), request=request)
    if not filterset.is_valid():
        return bad_request(gettext("These filters are not valid: correct them on the list."))
    sort = sort_of(ProductTable, request.GET.get("sort", ""))
    products = ProductTable(filterset.qs, order_by=sort or None).data.data
    limit = export_row_limit()
    rows = products[: limit + 1].count()
    if rows > limit:
        return bad_request(
            gettext(
                "This export has more than %(limit)s products. Narrow the filters and try again."
            )
            % {"limit": limit}
        )
    audit_record(
        actor=request.user,
        action="products.export",
        request=request,
        details={"filters": filter_params(request.GET, filterset, sort=sort), "rows": rows},
    )
    response = StreamingHttpResponse(
        _csv_stream(products, language=translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"products-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_header() -> list[str]:
    return [
        gettext("Product code"),
        gettext("Name"),
        gettext("Kind"),
        gettext("Issuer"),
        gettext("Risk level"),
        gettext("Investment horizon"),
        gettext("Investment variety"),
        gettext("Minimum investment"),
        gettext("Sale starts on"),
        gettext("Sale ends on"),
        gettext("Status"),
        gettext("Sales-fee rate"),
        gettext("Professional investors only"),
        gettext("Security"),
    ]


def export_row(product: Product) -> list[str]:
    """One product as CSV cells: money and the rate as plain numbers, so that spreadsheets
    compute with them and the import reads the file back."""
    security = product.security
    return [
        product.code,
        product.name,
        product.get_kind_display(),
        product.issuer,
        product.risk_level,
        product.get_horizon_display(),
        product.get_variety_display(),
        money_plain(product.minimum_investment),
        product.sale_starts_on.isoformat() if product.sale_starts_on else "",
        product.sale_ends_on.isoformat() if product.sale_ends_on else "",
        product.get_status_display(),
        f"{product.fee_rate.normalize():f}",
        gettext("Yes") if product.professional_only else gettext("No"),
        security_code(security) if security else "",
    ]


def _csv_stream(products, *, language: str | None):
    # Iterated after the view returned: keep the request's language for header and labels.
    with translation.override(language):
        rows = chain(
            [export_header()],
            (export_row(product) for product in products.iterator(chunk_size=EXPORT_CHUNK)),
        )
        yield from csv_chunks(rows)
