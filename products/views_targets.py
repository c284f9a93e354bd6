"""A product's target list (目标客户): the page, paged by the score, with the score's parts,
and its CSV export, masked and audited as the customer export is. Both read
products.selectors.targets.product_target_customers, which scopes and asks
offerable_customers; a product not on sale lists nobody."""

from django.core.paginator import InvalidPage
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET

from crm.pagination import PER_PAGE, BoundedCountPaginator
from crm.roles import may_reveal_pii
from crm.services import audit_record
from customers.views.lists import bad_request, csv_export_response, export_row_limit
from products.selectors.library import product_get
from products.selectors.targets import TARGET_SCORE_HELP, product_target_customers


@require_GET
def product_targets(request, code: str):
    product = product_get(code=code)
    today = timezone.localdate()
    on_sale = product.on_sale(today)
    targets = product_target_customers(product, request.user, today=today)
    paginator = BoundedCountPaginator(targets, PER_PAGE, counted=targets)
    try:
        page = paginator.page(int(request.GET.get("page", 1)))
    except (InvalidPage, ValueError):
        page = paginator.page(1)
    return render(
        request,
        "products/targets.html",
        {
            "product": product,
            "on_sale": on_sale,
            "page": page,
            "paginator": paginator,
            "first_rank": (page.number - 1) * paginator.per_page + 1,
            "score_help": TARGET_SCORE_HELP,
        },
    )


def _points(value) -> str:
    return f"{value:.1f}"


@require_GET
def product_targets_export(request, code: str):
    """The target list as CSV in the customer export's columns, then the rank's score and
    its parts: personal data masked unless the user may reveal it, audited before the first
    byte leaves."""
    product = product_get(code=code)
    revealed = may_reveal_pii(request.user)
    targets = product_target_customers(product, request.user, today=timezone.localdate())
    limit = export_row_limit()
    rows = targets[: limit + 1].count()
    if rows > limit:
        return bad_request(
            gettext("This export has more than %(limit)s customers.") % {"limit": limit}
        )
    audit_record(
        actor=request.user,
        action="product.targets_export",
        target=product,
        request=request,
        details={"product": product.code, "rows": rows, "revealed": revealed},
    )
    return csv_export_response(
        targets,
        filename=f"targets-{product.code}-{timezone.localdate():%Y%m%d}.csv",
        revealed=revealed,
        extra=[
            (gettext_lazy("Score"), lambda c: _points(c.score)),
            (gettext_lazy("Assets points"), lambda c: _points(c.assets_points)),
            (gettext_lazy("Same-kind points"), lambda c: _points(c.kind_points)),
            (gettext_lazy("Inflow points"), lambda c: _points(c.inflow_points)),
        ],
    )
