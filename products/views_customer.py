"""The suitability panel's actions on the customer 360 page: check a product for the
customer, record the customer's confirmation of the special risk warning, record the sale.

Each is a POST about a customer obtained through customer_get_for_user (out of scope is a
404, before anything is read or written). An htmx post answers with the check's part of the
panel (#suitability-check) and the checks on record swapped out of band; a plain post (no
JavaScript) with a page of its own holding the check's part; a sale recorded by a plain post
goes back to the 360 page. Refused input is shown with the form, never a 500.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.selectors import staff_for_user
from customers.selectors.customers import customer_get_for_user
from products.forms_customer import CheckForm, ConfirmationForm, SaleForm
from products.models import CheckPurpose, CheckResult, SuitabilityCheck
from products.selectors.customer import checks_on_record
from products.services.checks import (
    confirmation_record,
    risk_warning_text,
    sale_allowed,
    suitability_check_record,
)
from products.services.sales import sale_record
from products.suitability import Verdict

CHECK = "products/panels/_check.html"
CHECK_PAGE = "products/panels/_check_page.html"
CHECKS = "products/panels/_checks.html"


def verdict_of(check: SuitabilityCheck) -> Verdict:
    """The verdict a check recorded (what its warning is written from)."""
    return Verdict(result=check.result, reasons=tuple(check.reasons), category=check.category)


def check_step(
    customer,
    check: SuitabilityCheck | None = None,
    *,
    check_form: CheckForm | None = None,
    confirmation_form: ConfirmationForm | None = None,
    sale_form: SaleForm | None = None,
    refusal: str = "",
) -> dict:
    """The context of products/panels/_check.html: the form to check a product and, after a
    check, where its path stands: refused (prohibited, or a mismatch the customer did not ask
    for), the special risk warning to confirm, or the sale to record."""
    context = {
        "customer": customer,
        "check_form": check_form if check_form is not None else CheckForm(),
        "check": check,
        "refusal": refusal,
    }
    if check is None:
        return context
    confirmed = hasattr(check, "confirmation")
    mismatch = check.result == CheckResult.MISMATCH
    requested = check.purpose == CheckPurpose.CUSTOMER_REQUEST
    sale = check.sales.first()  # a check backs one sale
    may_sell = sale_allowed(check) and sale is None
    if confirmation_form is None:
        confirmation_form = ConfirmationForm()
    if sale_form is None:
        sale_form = SaleForm(initial={"amount": check.amount})
    context.update(
        prohibited=check.result == CheckResult.PROHIBITED,
        mismatch=mismatch,
        not_requested=mismatch and not requested and not confirmed,
        warning=(
            check.confirmation.warning_text
            if confirmed
            else risk_warning_text(verdict_of(check), check.product, customer)
            if mismatch and requested
            else ""
        ),
        confirmation_form=confirmation_form if mismatch and requested and not confirmed else None,
        sale_form=sale_form if may_sell else None,
        sale=sale,
    )
    return context


def _answer(request, customer, context: dict):
    """The check's part of the panel for htmx, with the checks on record swapped out of band
    once a check was written; else the page holding the check's part."""
    if not request.htmx:
        return render(request, CHECK_PAGE, context)
    html = render_to_string(CHECK, context, request)
    if context.get("check") is not None:
        checks = {"checks": checks_on_record(customer), "oob": True}
        html += render_to_string(CHECKS, checks, request)
    return HttpResponse(html)


def _check_of(customer, pk: int) -> SuitabilityCheck:
    """A check of this customer's (anybody else's is a 404, like the customer)."""
    return get_object_or_404(
        SuitabilityCheck.objects.select_related("product", "confirmation"),
        pk=pk,
        customer=customer,
    )


@require_POST
def customer_check(request, cust_no: str):
    """Check a product for the customer and say what follows: every reason in words, and the
    confirmation or the sale the result allows."""
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    form = CheckForm(request.POST)
    if not form.is_valid():
        return _answer(request, customer, check_step(customer, check_form=form))
    check, _verdict = suitability_check_record(
        customer=customer,
        product=form.cleaned_data["product"],
        actor=request.user,
        purpose=form.cleaned_data["purpose"],
        amount=form.cleaned_data["amount"],
    )
    return _answer(request, customer, check_step(customer, check))


@require_POST
def customer_confirm(request, cust_no: str, pk: int):
    """Record the customer's confirmation of the special risk warning of a mismatch check
    made at their own request; the warning recorded is the one the page showed, written
    again from the check."""
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    check = _check_of(customer, pk)
    form = ConfirmationForm(request.POST)
    if form.is_valid():
        try:
            confirmation_record(
                check=check,
                actor=request.user,
                warning_text=risk_warning_text(verdict_of(check), check.product, customer),
                recording_ref=form.cleaned_data["recording_ref"],
            )
        except ValidationError as refusal:
            return _answer(
                request, customer, check_step(customer, check, refusal=" ".join(refusal.messages))
            )
        check = _check_of(customer, pk)
        return _answer(request, customer, check_step(customer, check))
    return _answer(request, customer, check_step(customer, check, confirmation_form=form))


@require_POST
def customer_sale(request, cust_no: str, pk: int):
    """Record the sale a check allows (products.services.sales.sale_record refuses any
    other)."""
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    check = _check_of(customer, pk)
    form = SaleForm(request.POST)
    if form.is_valid():
        try:
            sale = sale_record(
                check=check,
                actor=request.user,
                staff=staff_for_user(request.user),
                **form.cleaned_data,
            )
        except ValidationError as refusal:
            step = check_step(customer, check, sale_form=form)
            if step["sale_form"] is form:
                form.add_error(None, refusal)
            else:  # no sale form to show the refusal on: the check allows none
                step["refusal"] = " ".join(refusal.messages)
            return _answer(request, customer, step)
        else:
            if not request.htmx:
                messages.success(
                    request,
                    _("Sale of %(product)s recorded.") % {"product": str(sale.product)},
                )
                return redirect(reverse("customers:detail", args=[customer.cust_no]))
            return _answer(request, customer, check_step(customer, check))
    return _answer(request, customer, check_step(customer, check, sale_form=form))
