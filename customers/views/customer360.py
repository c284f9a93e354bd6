"""The customer 360 page: everything about one customer on one page, built from panels.

Each panel is a template fed by one selector; adding a panel is one line in `panels()` (and
its anchor in PANEL_INDEX). A customer outside the user's scope is a 404
(customer_get_for_user), every view is audited, and personal data is masked unless the user
reveals it: the contact details if they serve the customer, everything with the permission;
each reveal is audited.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from crm.pii import CONTACT_FIELDS, REVEAL_PERMISSION, personal_data
from crm.services import audit_record
from customers.charts import asset_trend_figure, figure_html
from customers.permissions import may_reveal_contacts
from customers.selectors import customer360 as s360
from customers.selectors import relationship
from customers.selectors.customers import customer_get_for_user

# The sticky panel index at the top of the page: each panel's id, in the page's order, and
# the short name the index gives it. A panel the customer lacks (margin) is left out.
PANEL_INDEX = (
    ("figures-panel", pgettext_lazy("panel index", "Figures")),
    ("contribution-panel", pgettext_lazy("panel index", "Contribution")),
    ("interactions-panel", pgettext_lazy("panel index", "Contacts")),
    ("tasks-panel", pgettext_lazy("panel index", "Tasks")),
    ("holdings-panel", pgettext_lazy("panel index", "Holdings")),
    ("trend-panel", pgettext_lazy("panel index", "Trends")),
    ("trades-panel", pgettext_lazy("panel index", "Trades")),
    ("cash-flows-panel", pgettext_lazy("panel index", "Cash flows")),
    ("margin-panel", pgettext_lazy("panel index", "Margin")),
    ("service-requests-panel", pgettext_lazy("panel index", "Requests")),
)


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


def customer_contacts_reveal(request, customer) -> dict:
    """The customer's personal data with the contact details (mobile, e-mail) in full, for
    their serving staff and holders of the permission, audited with the fields shown (never
    their values); PermissionDenied, saying why, for anybody else."""
    if not may_reveal_contacts(request.user, customer):
        raise PermissionDenied(
            _(
                "Only the customer's manager, the manager's team lead and the branch manager, "
                "or a holder of the permission to reveal personal data, may show the contact "
                "details."
            )
        )
    audit_record(
        actor=request.user,
        action="customer.reveal_contact",
        target=customer,
        request=request,
        details={"fields": [name for name in CONTACT_FIELDS if getattr(customer, name)]},
    )
    return personal_data(customer, revealed=False, contacts=True)


def personal_data_context(request, customer, pii: dict, refusal: str = "") -> dict:
    """The context of the personal data panel: what is shown, and which reveals remain."""
    return {
        "customer": customer,
        "pii": pii,
        "can_reveal": not pii["revealed"] and request.user.has_perm(REVEAL_PERMISSION),
        "can_reveal_contacts": not pii["contacts_revealed"]
        and may_reveal_contacts(request.user, customer),
        "refusal": refusal,
    }


def customer_detail(request, cust_no: str):
    customer = s360.customer_get_for_360(request.user, cust_no=cust_no)
    customer_view_record(request, customer)
    rendered = panels(request, customer)
    shown = {anchor for anchor, _html in rendered} | {"contribution-panel"}
    return render(
        request,
        "customers/detail.html",
        {
            **personal_data_context(request, customer, personal_data(customer, revealed=False)),
            "risk": s360.risk_assessment(customer),
            "profile": s360.customer_profile(customer),
            "index": [(anchor, label) for anchor, label in PANEL_INDEX if anchor in shown],
            "panels": [mark_safe(html) for _anchor, html in rendered],  # noqa: S308
        },
    )


@require_POST
def customer_reveal(request, cust_no: str):
    """Shows the unmasked ID number, mobile, e-mail and address, once, and audits it."""
    return _reveal(request, cust_no, customer_pii_reveal)


@require_POST
def customer_reveal_contacts(request, cust_no: str):
    """Shows the mobile and e-mail in full to the customer's serving staff, once, and audits
    it."""
    return _reveal(request, cust_no, customer_contacts_reveal)


def _reveal(request, cust_no: str, reveal):
    """The personal data panel after `reveal`; anybody who sees the customer but may not
    reveal gets the panel again with the reason (403), or the not-allowed page without htmx."""
    customer = customer_get_for_user(request.user, cust_no=cust_no, related=("manager",))
    try:
        pii = reveal(request, customer)
    except PermissionDenied as refusal:
        reason = str(refusal) or _("Revealing personal data takes a permission you do not hold.")
        if not request.htmx:
            messages.error(request, reason)
            return render(request, "403.html", status=403)
        masked = personal_data(customer, revealed=False)
        context = personal_data_context(request, customer, masked, refusal=reason)
        return render(request, "customers/panels/personal_data.html", context, status=403)
    return render(
        request,
        "customers/panels/personal_data.html",
        personal_data_context(request, customer, pii),
    )


def panels(request, customer) -> list[tuple[str, str]]:
    """The page's panels in order, each rendered from its own selector's context, with the
    id of its section (PANEL_INDEX)."""
    accounts = s360.account_ids(customer)
    figures = s360.key_figures(customer, accounts)
    trend = s360.asset_trend(accounts, until=figures["as_of"])
    margin = s360.margin_accounts(accounts)
    # Contacts and tasks come right after the figures: they are what sales staff act on.
    specs = [
        ("figures-panel", "customers/panels/key_figures.html", {"customer": customer, **figures}),
        (
            "interactions-panel",
            "customers/panels/interactions.html",
            relationship.interactions_panel(customer),
        ),
        ("tasks-panel", "customers/panels/tasks.html", relationship.tasks_panel(customer)),
        (
            "holdings-panel",
            "customers/panels/holdings.html",
            s360.holdings(accounts, as_of=figures["figures"].as_of if figures["figures"] else None),
        ),
        (
            "trend-panel",
            "customers/panels/asset_trend.html",
            {
                "chart": figure_html(asset_trend_figure(trend)) if s360.assets_held(trend) else "",
                "loaded": bool(trend),
            },
        ),
        (
            "trades-panel",
            "customers/panels/trades.html",
            {"trades": s360.recent_trades(accounts)},
        ),
        (
            "cash-flows-panel",
            "customers/panels/cash_flows.html",
            {"flows": s360.recent_cash_flows(accounts)},
        ),
    ]
    if margin:
        specs.append(("margin-panel", "customers/panels/margin.html", {"accounts": margin}))
    specs.append(
        (
            "service-requests-panel",
            "customers/panels/service_requests.html",
            relationship.service_requests_panel(customer, user=request.user),
        )
    )
    return [
        (anchor, render_to_string(template, context, request))
        for anchor, template, context in specs
    ]
