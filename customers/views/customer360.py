"""The customer 360 page: everything about one customer on one page, built from panels.

Each panel is a template fed by one selector; adding a panel is one line in `panels()`. A
customer outside the user's scope is a 404 (customer_get_for_user), every view is audited,
and personal data is masked unless the user reveals it (a permission, also audited).
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from crm.pii import REVEAL_PERMISSION, personal_data
from crm.services import audit_record
from customers.charts import asset_trend_figure, figure_html
from customers.selectors import customer360 as s360
from customers.selectors import relationship
from customers.selectors.customers import customer_get_for_user


def customer_view_record(request, customer) -> None:
    """Audits an opening of a customer's page (this one, and Django admin's change page)."""
    audit_record(actor=request.user, action="customer.view", target=customer, request=request)


def customer_pii_reveal(request, customer) -> dict:
    """The customer's personal data in full, for a user holding the permission, and audited;
    PermissionDenied for anybody else. This page and Django admin's reveal through it."""
    if not request.user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied
    audit_record(actor=request.user, action="customer.reveal_pii", target=customer, request=request)
    return personal_data(customer, revealed=True)


def customer_detail(request, cust_no: str):
    customer = s360.customer_get_for_360(request.user, cust_no=cust_no)
    customer_view_record(request, customer)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "pii": personal_data(customer, revealed=False),
            "can_reveal": request.user.has_perm(REVEAL_PERMISSION),
            "risk": s360.risk_assessment(customer),
            "panels": [mark_safe(html) for html in panels(request, customer)],  # noqa: S308
        },
    )


@require_POST
def customer_reveal(request, cust_no: str):
    """Shows the unmasked ID number, mobile, e-mail and address, once, and audits it."""
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    pii = customer_pii_reveal(request, customer)
    return render(
        request, "customers/panels/personal_data.html", {"customer": customer, "pii": pii}
    )


def panels(request, customer) -> list[str]:
    """The page's panels in order, each rendered from its own selector's context."""
    accounts = s360.account_ids(customer)
    figures = s360.key_figures(customer, accounts)
    trend = s360.asset_trend(accounts, until=figures["as_of"])
    margin = s360.margin_accounts(accounts)
    # Contacts and tasks come right after the figures: they are what sales staff act on.
    specs = [
        ("customers/panels/key_figures.html", {"customer": customer, **figures}),
        ("customers/panels/interactions.html", relationship.interactions_panel(customer)),
        ("customers/panels/tasks.html", relationship.tasks_panel(customer)),
        (
            "customers/panels/holdings.html",
            s360.holdings(accounts, as_of=figures["figures"].as_of if figures["figures"] else None),
        ),
        (
            "customers/panels/asset_trend.html",
            {
                "chart": figure_html(asset_trend_figure(trend)) if s360.assets_held(trend) else "",
                "loaded": bool(trend),
            },
        ),
        ("customers/panels/trades.html", {"trades": s360.recent_trades(accounts)}),
        ("customers/panels/cash_flows.html", {"flows": s360.recent_cash_flows(accounts)}),
    ]
    if margin:
        specs.append(("customers/panels/margin.html", {"accounts": margin}))
    specs.append(
        (
            "customers/panels/service_requests.html",
            relationship.service_requests_panel(customer, user=request.user),
        )
    )
    return [render_to_string(template, context, request) for template, context in specs]
