"""The customer 360 page: everything about one customer on one page, built from panels.

Its panels and their contexts are customers/views/panels.py. A customer outside the user's
scope is a 404 (customer_get_for_user), every view is audited, and personal data is masked
unless the user reveals it: the contact details if they serve the customer, everything with
the permission; each reveal is audited.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.pii import CONTACT_FIELDS, personal_data
from crm.roles import may_reveal_pii
from crm.services import audit_record
from customers.permissions import may_reveal_contacts
from customers.selectors import customer360 as s360
from customers.selectors.customers import customer_get_for_user
from customers.views import panels


def customer_view_record(request, customer) -> None:
    """Audits an opening of a customer's page (this one, and Django admin's change page)."""
    audit_record(actor=request.user, action="customer.view", target=customer, request=request)


def customer_pii_reveal(request, customer) -> dict:
    """The customer's personal data in full, for a user holding the permission, and audited;
    PermissionDenied for anybody else. This page and Django admin's reveal through it."""
    if not may_reveal_pii(request.user):
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


def customer_detail(request, cust_no: str):
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    customer_view_record(request, customer)
    rendered = panels.customer_panels(request, customer)
    shown = {anchor for anchor, _html in rendered} | set(panels.COMPOSED_PANELS)
    return render(
        request,
        "customers/detail.html",
        {
            **panels.personal_data_panel(
                request, customer, personal_data(customer, revealed=False)
            ),
            "risk": s360.risk_assessment(customer),
            "profile": s360.customer_profile(customer),
            "index": [(anchor, label) for anchor, label in panels.PANEL_INDEX if anchor in shown],
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
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    try:
        pii = reveal(request, customer)
    except PermissionDenied as refusal:
        reason = str(refusal) or _("Revealing personal data takes a permission you do not hold.")
        if not request.htmx:
            messages.error(request, reason)
            return render(request, "403.html", status=403)
        masked = personal_data(customer, revealed=False)
        context = panels.personal_data_panel(request, customer, masked, refusal=reason)
        return render(request, panels.PERSONAL_DATA, context, status=403)
    context = panels.personal_data_panel(request, customer, pii)
    return render(request, panels.PERSONAL_DATA, context)
