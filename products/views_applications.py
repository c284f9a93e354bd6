"""Investor-class application pages: the 360 page's panel and its application form (the
broker or manager submits for the customer), and head office's review queue and application
page, where the review is started and the application approved or rejected.

Every customer comes through customer_get_for_user and every application through
application_get_for_user: out of scope is a 404 and nothing is written. A refused move is a
message on the page it came from, never an error page.
"""

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_filters.views import FilterView

from crm.messages import messages_of_form
from crm.pagination import PER_PAGE, BoundedPaginator
from customers.models import Customer
from customers.permissions import may_act_for_customer
from customers.selectors.customers import customer_get_for_user
from products.forms_applications import ApplicationForm, ApplicationMoveForm
from products.models import ApplicationDirection
from products.models.suitability import OPEN_APPLICATION_STATUSES
from products.selectors.applications import (
    ApplicationFilter,
    application_evidence_verdict,
    application_get_for_user,
    application_moves,
    applications_for_user,
    applications_of_customer,
    direction_open_to,
    is_professional,
    may_review_applications,
    needs_evidence,
    professional_thresholds,
)
from products.services.applications import application_move, application_submit

PANEL = "products/panels/investor_class.html"


def _review_required(view):
    """Head office's pages: a 403 for anybody else, before anything is looked up."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not may_review_applications(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def investor_class_panel(customer: Customer, *, user, form: ApplicationForm | None = None) -> dict:
    """Context of products/panels/investor_class.html: the customer's class, their latest
    applications (the open one first) with their steps, and the form to apply when the user
    may and no application is open (two queries: the applications and their steps)."""
    applications = applications_of_customer(customer)
    open_application = next(
        (row for row in applications if row.status in OPEN_APPLICATION_STATUSES), None
    )
    direction = direction_open_to(customer)
    may_apply = open_application is None and may_act_for_customer(user, customer)
    if form is None and may_apply:
        form = ApplicationForm(direction=direction)
    thresholds = professional_thresholds()
    return {
        "customer": customer,
        "professional": is_professional(customer),
        "applications": applications,
        "open_application": open_application,
        "verdict": (
            application_evidence_verdict(open_application, thresholds)
            if open_application is not None
            else None
        ),
        "form": form,
        "direction": direction,
        "shows_thresholds": needs_evidence(customer, direction),
        "thresholds": thresholds,
        "reviewer": may_review_applications(user),
    }


@require_POST
def customer_apply(request, cust_no: str):
    """Submit an application from the 360 page: htmx gets the panel again (with the form's
    errors when refused), a plain post goes back to the page with a message."""
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    direction = direction_open_to(customer)
    form = ApplicationForm(request.POST, direction=direction)
    status = 200
    done = False
    if form.is_valid():
        try:
            application_submit(customer=customer, by=request.user, **form.cleaned_data)
            done = True
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal))
            status = 403
    if not request.htmx:
        if done:
            messages.success(request, _("The application was submitted for review."))
        messages_of_form(request, form)
        return redirect(reverse("customers:detail", args=[customer.cust_no]))
    customer.refresh_from_db()
    context = investor_class_panel(customer, user=request.user, form=None if done else form)
    return HttpResponse(render_to_string(PANEL, context, request), status=status)


@method_decorator(_review_required, name="dispatch")
class ApplicationListView(FilterView):
    """Head office's review queue: open applications unless another status is asked for."""

    filterset_class = ApplicationFilter
    template_name = "products/applications.html"
    paginate_by = PER_PAGE
    paginator_class = BoundedPaginator

    def get_queryset(self):
        return applications_for_user(self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = self.request.GET.copy()
        data.setdefault("status", ApplicationFilter.OPEN)
        return {**kwargs, "data": data}


@_review_required
@require_http_methods(["GET", "POST"])
def application_detail(request, pk: int):
    """One application: the evidence against the thresholds, its steps, and the review's
    moves; a POST makes one (ApplicationMoveForm) and comes back here with a message."""
    application = application_get_for_user(request.user, pk=pk)
    note = ""
    if request.method == "POST":
        form = ApplicationMoveForm(request.POST, application=application)
        if form.is_valid():
            try:
                application_move(application=application, by=request.user, **form.cleaned_data)
                messages.success(
                    request,
                    _("The application is now: %(status)s.")
                    % {"status": application.get_status_display()},
                )
                return redirect(reverse("products:application", args=[application.pk]))
            except ValidationError as refusal:
                for message in refusal.messages:
                    messages.error(request, message)
        else:
            messages_of_form(request, form)
        # Refused: the page again with the note as typed, not lost to a redirect.
        note = request.POST.get("note", "")[:4000]
    thresholds = professional_thresholds()
    moves = application_moves(application, user=request.user)
    return render(
        request,
        "products/application_detail.html",
        {
            "application": application,
            "customer": application.customer,
            "steps": list(application.steps.all()),
            "steps_open": [move for move in moves if not move["decision"]],
            "decisions": [move for move in moves if move["decision"]],
            "note": note,
            "thresholds": thresholds,
            "verdict": application_evidence_verdict(application, thresholds),
            "shows_thresholds": application.direction == ApplicationDirection.TO_PROFESSIONAL,
        },
    )
