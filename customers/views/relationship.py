"""Relationship endpoints: log a contact, open and move service requests (htmx posts that
return the re-rendered panel of the customer 360 page, with the other panels the action changed
swapped out of band), my tasks and the service requests list.

A refused htmx post answers 200 with the panel and its errors, so htmx swaps it like any other;
a plain post (no JavaScript) redirects to the customer page, with the errors as messages.
Moving or finishing work the user may not act on (customers/permissions.py) is a 403 with the
reason: in the panel (or the task's actions) for htmx, on the not-allowed page otherwise.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
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
    tasks_panel,
)
from customers.services.relationship import (
    interaction_log,
    service_request_move,
    service_request_open,
    task_cancel,
    task_complete,
)
from customers.tables import ServiceRequestTable, TaskTable, task_state_html


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


def _panels(request, *parts: tuple[str, dict], status: int = 200) -> HttpResponse:
    """The htmx answer: the target panel first, then those swapped out of band (their
    contexts say `oob`), each rendered from its own selector's context."""
    html = "".join(render_to_string(template, context, request) for template, context in parts)
    return HttpResponse(html, status=status)


def _tasks_oob(customer) -> tuple[str, dict]:
    return "customers/panels/tasks.html", tasks_panel(customer, oob=True)


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
    panel = ("customers/panels/interactions.html", interactions_panel(customer, form=form))
    if not done:
        return _panels(request, panel)
    # The contact moved the header's last contact (interaction_log updated `customer`) and
    # may have put a follow-up on the tasks panel.
    panel = ("customers/panels/interactions.html", interactions_panel(customer))
    last_contact = ("customers/panels/last_contact.html", {"customer": customer, "oob": True})
    return _panels(request, panel, _tasks_oob(customer), last_contact)


@require_POST
def service_request_open_view(request, cust_no: str):
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    form = ServiceRequestForm(request.POST, customer=customer)
    done = _call(form, service_request_open, customer=customer, opened_by=request.user)
    if not request.htmx:
        return _back_to_customer(request, form, cust_no)
    panel = (
        "customers/panels/service_requests.html",
        service_requests_panel(customer, user=request.user, form=None if done else form),
    )
    return _panels(request, panel, *([_tasks_oob(customer)] if done else []))


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
    panel = (
        "customers/panels/service_requests.html",
        service_requests_panel(customer, user=request.user, move_form=None if done else form),
    )
    # Every move finishes, reopens or keeps the request's task: the tasks panel follows.
    return _panels(request, panel, *([_tasks_oob(customer)] if done else []), status=status)


@require_POST
def task_done_view(request, pk: int):
    # The task of an open service request is done by resolving the request: how, it asks.
    return _task_finish(request, pk, task_complete, resolution=request.POST.get("resolution", ""))


@require_POST
def task_cancel_view(request, pk: int):
    return _task_finish(request, pk, task_cancel)


def _task_finish(request, pk: int, finish, **kwargs):
    """Mark a task done or cancelled; htmx gets the row's new status (the request's, for the
    task of a service request), or the same status with the reason it was refused."""
    task = task_get_for_completion(request.user, pk=pk)
    error = ""
    try:
        finish(task=task, by=request.user, **kwargs)
    except PermissionDenied as refusal:
        if not request.htmx:
            return _forbidden(request, refusal)
        html = task_state_html(task, request=request, error=str(refusal), actions=False)
        return HttpResponse(html, status=403)
    except ValidationError as refusal:
        # No resolution, a request's task cancelled, or finished the other way meanwhile.
        if not request.htmx:
            messages.error(request, refusal.messages[0])
        error = refusal.messages[0]
    if not request.htmx:
        return redirect("customers:tasks")
    # As the database has it now: finishing may have moved the request the row shows.
    task = task_get_for_completion(request.user, pk=pk)
    return HttpResponse(task_state_html(task, request=request, error=error))


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
