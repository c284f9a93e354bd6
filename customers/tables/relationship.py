"""Tables of the relationship (django-tables2): my tasks and the service requests list,
whose rows are worked where they stand (the row's actions, and the row as an action's
answer). Rows carry the `overdue` annotation of customers/selectors/relationship.py."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from customers.models import (
    OPEN_STATUSES,
    Customer,
    ServiceRequest,
    ServiceRequestStatus,
    Task,
    TaskStatus,
)
from customers.permissions import may_act_for, may_give_work
from customers.selectors.relationship import service_request_moves
from customers.tables.columns import NOWRAP


def customer_link(customer: Customer) -> str:
    url = reverse("customers:detail", args=[customer.cust_no])
    return format_html('<a href="{}">{} {}</a>', url, customer.cust_no, customer.name)


def overdue_badge(text: str, *, overdue: bool) -> str:
    if not overdue:
        return text
    return format_html('{} <span class="badge badge-overdue">{}</span>', text, _("Overdue"))


def overdue_row(record) -> str:
    return "overdue" if getattr(record, "overdue", False) else ""


def task_state(task: Task) -> dict:
    """The one status a row of My tasks shows, and what may be done while the task is open.

    The task of a service request shows the request's status (`request_status`, annotated by
    customers/selectors/relationship.py) and, while the request is open, resolving it: the
    task ends with its request, so it has no status of its own to contradict it."""
    request_status = getattr(task, "request_status", None)
    is_open = task.status == TaskStatus.OPEN
    if request_status:
        return {
            "css": f"sr-{request_status}",
            "label": ServiceRequestStatus(request_status).label,
            "resolve": is_open and request_status in OPEN_STATUSES,
            "finish": is_open and request_status not in OPEN_STATUSES,
        }
    return {
        "css": f"task-{task.status}",
        "label": TaskStatus(task.status).label,
        "resolve": False,
        "finish": is_open,
    }


def task_state_html(task: Task, *, request=None, error: str = "", actions: bool = True) -> str:
    """A row's status with its buttons: the cell of My tasks, and the answer of the done and
    cancel posts that the buttons swap it for. `actions=False` for a refused user."""
    return render_to_string(
        "customers/panels/task_state.html",
        {"task": task, "state": task_state(task), "error": error, "actions": actions},
        request,
    )


class TaskTable(tables.Table):
    customer = tables.Column(
        verbose_name=_("Customer"), order_by=("customer__cust_no",), attrs=NOWRAP
    )
    kind = tables.Column(attrs=NOWRAP)
    title = tables.Column()
    due_on = tables.Column(attrs=NOWRAP)
    status = tables.Column(empty_values=())

    class Meta:
        model = Task
        fields = ("customer", "kind", "title", "due_on", "status")
        attrs = {"class": "table tasks"}
        row_attrs = {"class": overdue_row}
        empty_text = _("No tasks match these filters.")

    def render_customer(self, value):
        return customer_link(value)

    def render_due_on(self, value, record):
        return overdue_badge(dateformat.format(value, "Y-m-d"), overdue=record.overdue)

    def render_status(self, record):
        return task_state_html(record, request=getattr(self, "request", None))


class ServiceRequestTable(tables.Table):
    id = tables.Column(verbose_name=_("Request"), attrs=NOWRAP)
    customer = tables.Column(
        verbose_name=_("Customer"),
        order_by=("customer__cust_no",),
        attrs={"td": {"class": "truncate customer"}},
    )
    request_type = tables.Column(order_by=("request_type__name",), attrs=NOWRAP)
    # One line cut with an ellipsis (static/css/crm.css); the whole text is the title.
    description = tables.Column(orderable=False, attrs={"td": {"class": "truncate"}})
    status = tables.Column(attrs=NOWRAP)
    assignee = tables.Column(
        verbose_name=_("Assignee"),
        accessor="assignee__name",
        order_by=("assignee__name",),
        attrs=NOWRAP,
    )
    opened_at = tables.DateTimeColumn(format="Y-m-d H:i", attrs=NOWRAP)
    due_at = tables.Column(verbose_name=_("SLA due"), attrs=NOWRAP)
    actions = tables.Column(verbose_name=_("Actions"), empty_values=(), orderable=False)

    class Meta:
        model = ServiceRequest
        fields = (
            "id",
            "customer",
            "request_type",
            "description",
            "status",
            "assignee",
            "opened_at",
            "due_at",
        )
        sequence = ("...", "actions")
        # Each row is customers/_service_request_row.html, which the list's actions answer.
        template_name = "customers/_service_request_table.html"
        attrs = {"class": "table service-requests"}
        row_attrs = {
            "class": overdue_row,
            "id": lambda record: f"service-request-{record.pk}",
            "data-swap-refusal": "",
        }
        empty_text = _("No service requests match these filters.")

    def __init__(self, *args, filters: str = "", refusal=None, assign_form=None, **kwargs):
        """`filters`: the list's query, which the actions carry back to it; `refusal`: the
        refused move or assignment form of a row, `assign_form`: the row being given to
        someone else (both for the one row an action answers with)."""
        super().__init__(*args, **kwargs)
        self.filters, self.refusal, self.assign_form = filters, refusal, assign_form

    def render_id(self, value):
        return f"#{value}"

    def render_status(self, record):
        return format_html(
            '<span class="badge sr-{}">{}</span>', record.status, record.get_status_display()
        )

    def render_actions(self, record):
        return service_request_actions_html(
            record,
            request=getattr(self, "request", None),
            filters=self.filters,
            refusal=self.refusal,
            assign_form=self.assign_form,
        )

    def render_customer(self, value):
        return customer_link(value)

    def render_description(self, value):
        return format_html('<span title="{}">{}</span>', value, Truncator(value).chars(60))

    def render_due_at(self, value, record):
        text = dateformat.format(timezone.localtime(value), "Y-m-d H:i")
        return overdue_badge(text, overdue=record.overdue)


def service_request_actions_html(
    record: ServiceRequest, *, request, filters: str, refusal=None, assign_form=None
) -> str:
    """A row's actions in the service requests list: the workflow moves open to the user
    (the same as the 360 panel's), giving the request to someone else, and why the last
    action on this row was refused."""
    user = request.user if request is not None else None
    return render_to_string(
        "customers/panels/service_request_actions.html",
        {
            "sr": record,
            "moves": service_request_moves(record, user=user) if user else [],
            "may_assign": user is not None
            and record.status in OPEN_STATUSES
            and may_give_work(user)
            and may_act_for(user, record.assignee),
            "filters": filters,
            "refusal": refusal,
            "assign_form": assign_form,
        },
        request,
    )


def service_request_row_html(
    record: ServiceRequest, *, request, filters: str, refusal=None, assign_form=None
) -> str:
    """One row of the service requests list, as the list renders it: the answer of the
    list's actions, which htmx swaps for the row."""
    table = ServiceRequestTable([record], filters=filters, refusal=refusal, assign_form=assign_form)
    table.request = request
    return render_to_string(
        "customers/_service_request_row.html", {"table": table, "row": table.rows[0]}, request
    )
