"""Relationship endpoints: log a contact, open and move service requests (htmx posts that
return the re-rendered panel of the customer 360 page), my tasks and the service requests list.

A refused htmx post answers 200 with the panel and its errors, so htmx swaps it like any other;
a plain post (no JavaScript) redirects to the customer page, with the errors as messages.
Moving or finishing work the user may not act on (customers/permissions.py) is a 403 with the
reason: in the panel (or the task's actions) for htmx, on the not-allowed page otherwise.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from crm.pagination import pagination
from crm.selectors import staff_for_user
from customers.forms import InteractionForm, ServiceRequestForm, ServiceRequestMoveForm
from customers.selectors.customers import customer_get_for_user
from customers.selectors.relationship import (
    ServiceRequestFilter,
    TaskFilter,
    interactions_panel,
    service_request_get_for_user,
    service_requests_for_user,
    service_requests_panel,
    task_get_for_completion,
    tasks_for_user,
)
from customers.services.relationship import (
    interaction_log,
    service_request_move,
    service_request_open,
    task_cancel,
    task_complete,
)
from customers.tables import ServiceRequestTable, TaskTable, task_status_html


def _call(form, service, **kwargs) -> bool:
    """Run `service` if `form` is valid; a refusal of the service becomes a form error."""
    if not form.is_valid():
        return False
    try:
        service(**kwargs, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


def _back_to_customer(request, form, cust_no: str):
    """The answer to a plain post: the customer page, with what was refused as messages."""
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        for error in errors:
            messages.error(request, f"{field.label}: {error}" if field else error)
    return redirect(reverse("customers:detail", args=[cust_no]))


def _forbidden(request, refusal: PermissionDenied):
    """The answer to a refused plain post: the not-allowed page, saying why."""
    messages.error(request, str(refusal))
    return render(request, "403.html", status=403)


@require_POST
def interaction_log_view(request, cust_no: str):
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    form = InteractionForm(request.POST)
    done = _call(form, interaction_log, customer=customer, staff=staff_for_user(request.user))
    if not request.htmx:
        return _back_to_customer(request, form, cust_no)
    return render(
        request,
        "customers/panels/interactions.html",
        interactions_panel(customer, form=None if done else form),
    )


@require_POST
def service_request_open_view(request, cust_no: str):
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    form = ServiceRequestForm(request.POST, customer=customer)
    done = _call(form, service_request_open, customer=customer, opened_by=request.user)
    if not request.htmx:
        return _back_to_customer(request, form, cust_no)
    return render(
        request,
        "customers/panels/service_requests.html",
        service_requests_panel(customer, user=request.user, form=None if done else form),
    )


@require_POST
def service_request_move_view(request, pk: int):
    service_request = service_request_get_for_user(request.user, pk=pk)
    form = ServiceRequestMoveForm(request.POST, service_request=service_request)
    status = 200
    try:
        done = _call(form, service_request_move, request=service_request, by=request.user)
    except PermissionDenied as refusal:
        if not request.htmx:
            return _forbidden(request, refusal)
        form.add_error(None, str(refusal))
        done, status = False, 403
    customer = service_request.customer
    if not request.htmx:
        return _back_to_customer(request, form, customer.cust_no)
    return render(
        request,
        "customers/panels/service_requests.html",
        service_requests_panel(customer, user=request.user, move_form=None if done else form),
        status=status,
    )


@require_POST
def task_done_view(request, pk: int):
    return _task_finish(request, pk, task_complete)


@require_POST
def task_cancel_view(request, pk: int):
    return _task_finish(request, pk, task_cancel)


def _task_finish(request, pk: int, finish):
    """Mark a task done or cancelled; htmx gets the row's new status badge."""
    task = task_get_for_completion(request.user, pk=pk)
    try:
        finish(task=task, by=request.user)
    except PermissionDenied as refusal:
        if not request.htmx:
            return _forbidden(request, refusal)
        html = format_html('<span class="task-actions error">{}</span>', str(refusal))
        return HttpResponse(html, status=403)
    except ValidationError as error:
        # Finished the other way meanwhile: say so; the htmx answer shows the status it has.
        if not request.htmx:
            messages.error(request, error.messages[0])
    if not request.htmx:
        return redirect("customers:tasks")
    return HttpResponse(task_status_html(task))


class TaskListView(SingleTableMixin, FilterView):
    """My tasks: the signed-in user's own, open ones unless filtered otherwise."""

    table_class = TaskTable
    filterset_class = TaskFilter
    template_name = "customers/tasks.html"
    table_pagination = pagination()

    def get_queryset(self):
        return tasks_for_user(self.request.user, status=None)


class ServiceRequestListView(SingleTableMixin, FilterView):
    table_class = ServiceRequestTable
    filterset_class = ServiceRequestFilter
    template_name = "customers/service_requests.html"
    # No COUNT(*) over the company's requests for head office on every page view.
    table_pagination = pagination()

    def get_queryset(self):
        return service_requests_for_user(self.request.user)
