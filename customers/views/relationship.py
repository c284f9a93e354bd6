"""Relationship endpoints: log a contact, open and move service requests (htmx posts that
return the re-rendered panel of the customer 360 page, with the other panels the action changed
swapped out of band), my tasks and the service requests list, whose rows are worked where they
stand (moved and given to someone else: the answer is the row in its new state).

A refused htmx post answers 200 with the panel and its errors, so htmx swaps it like any other;
a plain post (no JavaScript) redirects to the customer page (or the list, with its filters),
with the errors as messages.
Moving or finishing work the user may not act on (customers/permissions.py) is a 403 with the
reason: in the panel (or the task's actions) for htmx, on the not-allowed page otherwise.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django_filters.views import FilterView
from django_tables2 import Column, SingleTableMixin

from crm.pagination import pagination
from crm.selectors import staff_for_user
from customers.filters.relationship import ServiceRequestFilter, TaskFilter
from customers.forms.relationship import (
    InteractionForm,
    ServiceRequestAssignForm,
    ServiceRequestForm,
    ServiceRequestMoveForm,
)
from customers.selectors.customers import customer_get_for_user
from customers.selectors.relationship import (
    service_request_get_for_user,
    service_requests_for_user,
    task_get_for_completion,
    task_team_for_user,
    tasks_for_user,
)
from customers.services.relationship import (
    interaction_log,
    service_request_assign,
    service_request_assign_check,
    service_request_move,
    service_request_open,
    task_cancel,
    task_complete,
)
from customers.tables.relationship import (
    ServiceRequestTable,
    TaskTable,
    service_request_row_html,
    task_state_html,
)
from customers.views import panels


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
    _refusals_as_messages(request, form)
    return redirect(reverse("customers:detail", args=[cust_no]))


def _refusals_as_messages(request, form) -> None:
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        for error in errors:
            messages.error(request, f"{field.label}: {error}" if field else error)


def _panels(request, *parts: tuple[str, dict], status: int = 200) -> HttpResponse:
    """The htmx answer: the target panel first, then those swapped out of band (their
    contexts say `oob`), each (template, context) from customers/views/panels.py."""
    return HttpResponse(panels.panels_html(request, *parts), status=status)


def _tasks_oob(customer) -> tuple[str, dict]:
    return panels.TASKS, panels.tasks_panel(customer, oob=True)


def _attempt(request, form, service, /, **kwargs) -> tuple[bool, int, HttpResponse | None]:
    """_call for a form of the 360 page or the list: (done, 200, None); work the user may not
    act on is the form's error for htmx, (False, 403, None), and for a plain post the
    not-allowed page to answer with, (False, 403, page)."""
    try:
        return _call(form, service, **kwargs), 200, None
    except PermissionDenied as refusal:
        if not request.htmx:
            return False, 403, _forbidden(request, refusal)
        form.add_error(None, str(refusal))
        return False, 403, None


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
    panel = (panels.INTERACTIONS, panels.interactions_panel(customer, form=form))
    if not done:
        return _panels(request, panel)
    # The contact moved the header's last contact (interaction_log updated `customer`) and
    # may have put a follow-up on the tasks panel.
    panel = (panels.INTERACTIONS, panels.interactions_panel(customer))
    last_contact = (panels.LAST_CONTACT, panels.last_contact_panel(customer))
    return _panels(request, panel, _tasks_oob(customer), last_contact)


@require_POST
def service_request_open_view(request, cust_no: str):
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    form = ServiceRequestForm(request.POST, customer=customer)
    done = _call(form, service_request_open, customer=customer, opened_by=request.user)
    if not request.htmx:
        return _back_to_customer(request, form, cust_no)
    panel = (
        panels.SERVICE_REQUESTS,
        panels.service_requests_panel(customer, user=request.user, form=None if done else form),
    )
    return _panels(request, panel, *([_tasks_oob(customer)] if done else []))


@require_POST
def service_request_move_view(request, pk: int):
    service_request = service_request_get_for_user(request.user, pk=pk)
    form = ServiceRequestMoveForm(request.POST, service_request=service_request)
    done, status, refused = _attempt(
        request, form, service_request_move, request=service_request, by=request.user
    )
    if refused:
        return refused
    customer = service_request.customer
    if not request.htmx:
        return _back_to_customer(request, form, customer.cust_no)
    panel = (
        panels.SERVICE_REQUESTS,
        panels.service_requests_panel(
            customer, user=request.user, move_form=None if done else form
        ),
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
    """My tasks: the signed-in user's own, open ones unless filtered otherwise; a team
    lead's list holds the team's, with whose each task is."""

    table_class = TaskTable
    filterset_class = TaskFilter
    template_name = "customers/tasks.html"
    table_pagination = pagination()

    def get_queryset(self):
        return tasks_for_user(self.request.user, status=None, of_team=True)

    def get_table_kwargs(self):
        if task_team_for_user(self.request.user) is None:
            return {}
        assignee = Column(
            verbose_name=_("Assignee"), accessor="assignee__name", order_by=("assignee__name",)
        )
        return {
            "extra_columns": [("assignee", assignee)],
            "sequence": ("customer", "assignee", "..."),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(team=task_team_for_user(self.request.user), **kwargs)


class ServiceRequestListView(SingleTableMixin, FilterView):
    table_class = ServiceRequestTable
    filterset_class = ServiceRequestFilter
    template_name = "customers/service_requests.html"
    # No COUNT(*) over the company's requests for head office on every page view.
    table_pagination = pagination()

    def get_queryset(self):
        return service_requests_for_user(self.request.user)

    def get_table_kwargs(self):
        # The rows' actions carry the list's filters, to come back to them after a plain post.
        return {"filters": list_query(self.request.GET.urlencode())}


# -- the service requests list: each row worked where it stands -------------------------------

# What the list reads from its query: its filters, its sort and its page.
LIST_KEYS = (*ServiceRequestFilter.base_filters, "sort", "page", "per_page")
LIST_QUERY_CHARS = 1000


def list_query(query: str) -> str:
    """The list's own keys of a query string (the one an action carried back), as a query
    string to return to the list with; whatever else it holds, or a value too long, is left."""
    data = QueryDict(query[:LIST_QUERY_CHARS])
    kept = QueryDict(mutable=True)
    for key in LIST_KEYS:
        values = [value for value in data.getlist(key) if len(value) <= 100]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


def _to_list(filters: str):
    url = reverse("customers:service-requests")
    return redirect(f"{url}?{filters}" if filters else url)


def _row_answer(request, service_request, form, service, *, filters: str):
    """Run a list action's service (the one the 360 page's panel runs, with the same form):
    htmx gets the row in its new state, or as it was with the reason it was refused (a 403
    for work the user may not act on); a plain post goes back to the list and its filters."""
    done, status, refused = _attempt(
        request, form, service, request=service_request, by=request.user
    )
    if refused:
        return refused
    if not request.htmx:
        _refusals_as_messages(request, form)
        return _to_list(filters)
    # As the database has it now, with the list's annotations (overdue).
    row = service_request_get_for_user(request.user, pk=service_request.pk)
    reassigning = not done and status == 200 and isinstance(form, ServiceRequestAssignForm)
    html = service_request_row_html(
        row,
        request=request,
        filters=filters,
        refusal=None if done else form,
        assign_form=form if reassigning else None,
    )
    return HttpResponse(html, status=status)


@require_POST
def service_request_row_move_view(request, pk: int):
    """Move a request one step from the list (ServiceRequestMoveForm, service_request_move)."""
    service_request = service_request_get_for_user(request.user, pk=pk)
    form = ServiceRequestMoveForm(request.POST, service_request=service_request)
    filters = list_query(request.POST.get("filters", ""))
    return _row_answer(request, service_request, form, service_request_move, filters=filters)


@require_http_methods(["GET", "POST"])
def service_request_assign_view(request, pk: int):
    """Give a request to someone else from the list: GET is the row with the choice of staff
    (a page of its own without htmx), POST gives it (service_request_assign)."""
    service_request = service_request_get_for_user(request.user, pk=pk)
    if request.method == "POST":
        form = ServiceRequestAssignForm(
            request.POST, service_request=service_request, user=request.user
        )
        filters = list_query(request.POST.get("filters", ""))
        return _row_answer(request, service_request, form, service_request_assign, filters=filters)
    filters = list_query(request.GET.get("filters", ""))
    try:
        service_request_assign_check(request=service_request, by=request.user)
    except PermissionDenied as refusal:
        if not request.htmx:
            return _forbidden(request, refusal)
        form = ServiceRequestAssignForm(service_request=service_request, user=request.user)
        form.add_error(None, str(refusal))
        html = service_request_row_html(
            service_request, request=request, filters=filters, refusal=form
        )
        return HttpResponse(html, status=403)
    form = ServiceRequestAssignForm(service_request=service_request, user=request.user)
    if request.htmx:
        html = service_request_row_html(
            service_request, request=request, filters=filters, assign_form=form
        )
        return HttpResponse(html)
    return render(
        request,
        "customers/service_request_assign.html",
        {"sr": service_request, "form": form, "filters": filters},
    )
