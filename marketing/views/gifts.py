"""The gift catalogue with its stock, the 360 page's "Campaigns & gifts" panel of one
customer, and a gift handed to a customer from it (a customer outside the user's scope is a
404 before anything is read or written). Gifts themselves are added and edited in Django
admin."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from customers.selectors.customers import customer_get_for_user
from marketing.forms.costs import GiftGiveForm
from marketing.selectors.results import gift_catalogue
from marketing.services.costs import gift_give
from marketing.templatetags.marketing_campaigns import PANEL, campaigns_panel_context

GIVE = "marketing/gifts/_give.html"
GIVE_PAGE = "marketing/gifts/give.html"
PANEL_PAGE = "marketing/gifts/customer.html"


@require_GET
def customer_campaigns(request, cust_no: str):
    """The 360 page's "Campaigns & gifts" panel, fetched by htmx as the page loads; a page of
    its own without JavaScript."""
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    context = campaigns_panel_context(customer)
    if request.htmx:
        return render(request, PANEL, context)
    return render(request, PANEL_PAGE, context)


@require_GET
def gift_list(request):
    return render(request, "marketing/gifts/list.html", {"gifts": gift_catalogue()})


@require_http_methods(["GET", "POST"])
def gift_give_view(request, cust_no: str):
    """GET: the form (the panel's button fetches it; without JavaScript a page of its own).
    POST: give a gift to the customer; htmx gets the panel again (with the refusal or the
    form's errors), a plain post goes back to the 360 page with a message."""
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    if request.method == "GET":
        context = {"customer": customer, "gift_form": GiftGiveForm(customer=customer)}
        return render(request, GIVE if request.htmx else GIVE_PAGE, context)
    form = GiftGiveForm(request.POST, customer=customer)
    refusal = ""
    if form.is_valid():
        try:
            given = gift_give(
                customer=customer,
                user=request.user,
                given_on=timezone.localdate(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            refusal = " ".join(error.messages)
        else:
            form = None
            if not request.htmx:
                messages.success(
                    request,
                    _("%(quantity)s × %(gift)s given.")
                    % {"quantity": given.quantity, "gift": given.gift.name},
                )
    else:
        refusal = " ".join(" ".join(errors) for errors in form.errors.values())
    if not request.htmx:
        if refusal:
            messages.error(request, refusal)
        return redirect(reverse("customers:detail", args=[customer.cust_no]) + "#campaigns-panel")
    context = campaigns_panel_context(customer, form=form, refusal=refusal)
    return HttpResponse(render_to_string(PANEL, context, request))
