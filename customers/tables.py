"""django-tables2 tables: customer lists, the import monitoring pages, my tasks and service
requests."""

from decimal import ROUND_HALF_UP, Decimal

import django_tables2 as tables
from django.db import connections
from django.db.models import F
from django.db.models.functions import Collate
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.scoping import reach_of, scope_for_user
from crm.selectors import staff_for_user

from .etl.specs import NOT_A_DATE
from .models import (
    OPEN_STATUSES,
    Customer,
    ImportFileResult,
    ImportReject,
    ImportRun,
    RunStatus,
    ServiceRequest,
    ServiceRequestStatus,
    Task,
    TaskStatus,
)
from .permissions import may_act_for, may_give_work
from .selectors.imports import import_column_label

NUMBER = {"th": {"class": "num"}, "td": {"class": "num"}}
NOWRAP = {"td": {"class": "nowrap"}}
ERROR_CHARS = 80
RAW_SHOWN = 300  # characters of a rejected line shown on the run page
CENT = Decimal("0.01")
DASH = "—"
# customers/migrations/0017_name_pinyin.py: names in pinyin order (PostgreSQL's ICU).
PINYIN = "zh_pinyin"


class CustomerTable(tables.Table):
    """The customer list. Figures columns read the annotations of
    customers.selectors.lists.customer_list_for_user; customers without figures sort last.

    The columns declare headers, order and cell classes; the body is written by
    `body_html` from CUSTOMER_CELLS, one format string per row, without a template per cell
    (the list's Python time went to django-tables2's cell templates). `exclude` leaves out
    the columns that are the same on every row for the user (`constant_columns`)."""

    cust_no = tables.Column(
        verbose_name=_("Customer number"),
        linkify=("customers:detail", {"cust_no": tables.A("cust_no")}),
        attrs=NOWRAP,
    )
    name = tables.Column(verbose_name=_("Name"), order_by=("name", "cust_no"))
    cust_type = tables.Column(verbose_name=_("Customer type"), order_by=("cust_type", "cust_no"))
    branch = tables.Column(
        verbose_name=_("Branch"), accessor="branch__name", order_by=("branch__code", "cust_no")
    )
    manager = tables.Column(
        verbose_name=_("Manager"), accessor="manager__name", order_by=("manager__name", "cust_no")
    )
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "cust_no"))
    risk_level = tables.Column(verbose_name=_("Risk level"), order_by=("risk_level", "cust_no"))
    total_assets = tables.Column(verbose_name=_("Total assets"), attrs=NUMBER)
    cash = tables.Column(verbose_name=_("Cash"), attrs=NUMBER)
    position_ratio = tables.Column(verbose_name=_("Position ratio"), attrs=NUMBER)
    last_trade_date = tables.DateColumn(verbose_name=_("Last trade"), format="Y-m-d", attrs=NOWRAP)
    last_contact_at = tables.DateTimeColumn(
        verbose_name=_("Last contact"), format="Y-m-d", attrs=NOWRAP
    )

    class Meta:
        model = Customer
        fields = (
            "cust_no",
            "name",
            "cust_type",
            "branch",
            "manager",
            "status",
            "risk_level",
            "total_assets",
            "cash",
            "position_ratio",
            "last_trade_date",
            "last_contact_at",
        )
        attrs = {"class": "table customer-list"}
        default = DASH
        empty_text = _("No customers match these filters.")
        template_name = "customers/_customer_table.html"

    def body_html(self) -> str:
        """The rows of the current page: one format string per row (a cell per column,
        with the column's classes), every value escaped by format_html."""
        columns = list(self.columns)
        cells = [CUSTOMER_CELLS[column.name] for column in columns]
        row_format = "<tr>{}</tr>".format(
            "".join(
                f"<td {_braces_doubled(column.attrs['td'].as_html())}>{{}}</td>"
                for column in columns
            )
        )
        rows = [row.record for row in self.paginated_rows]
        if not rows:
            return format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), self.empty_text)
        return format_html_join(
            "\n", "{}", ((format_html(row_format, *(cell(r) for cell in cells)),) for r in rows)
        )

    # Names in pinyin order on PostgreSQL (阿强, 李四, 王五, 张三); SQLite keeps its own.
    def order_name(self, queryset, is_descending):
        name = F("name")
        if connections[queryset.db].vendor == "postgresql":
            name = Collate("name", PINYIN)
        if is_descending:
            return queryset.order_by(name.desc(), "-cust_no"), True
        return queryset.order_by(name.asc(), "cust_no"), True

    # Empty figures and never-contacted customers go last in either direction; the customer
    # number breaks ties so that pages do not overlap.
    def order_total_assets(self, queryset, is_descending):
        return _order_nulls_last(queryset, "total_assets", is_descending), True

    def order_cash(self, queryset, is_descending):
        return _order_nulls_last(queryset, "cash", is_descending), True

    def order_position_ratio(self, queryset, is_descending):
        return _order_nulls_last(queryset, "position_ratio", is_descending), True

    def order_last_trade_date(self, queryset, is_descending):
        return _order_nulls_last(queryset, "last_trade_date", is_descending), True

    def order_last_contact_at(self, queryset, is_descending):
        return _order_nulls_last(queryset, "last_contact_at", is_descending), True


def _braces_doubled(html: str) -> str:
    """`html` as literal text of a format string."""
    return html.replace("{", "{{").replace("}", "}}")


def _text(value) -> str:
    return DASH if value is None or value == "" else value


def _day(value) -> str:
    return DASH if value is None else dateformat.format(value, "Y-m-d")


def _local_day(value) -> str:
    return DASH if value is None else dateformat.format(timezone.localtime(value), "Y-m-d")


def _customer_number_link(customer) -> str:
    url = reverse("customers:detail", kwargs={"cust_no": customer.cust_no})
    return format_html('<a href="{}">{}</a>', url, customer.cust_no)


# One cell of CustomerTable per column name: the record in, its text out (escaped by
# body_html's format_html unless already safe HTML, as the link is).
CUSTOMER_CELLS = {
    "cust_no": _customer_number_link,
    "name": lambda customer: _text(customer.name),
    "cust_type": lambda customer: _text(customer.get_cust_type_display()),
    "branch": lambda customer: _text(customer.branch.name),
    "manager": lambda customer: _text(customer.manager.name if customer.manager else None),
    "status": lambda customer: _text(customer.get_status_display()),
    "risk_level": lambda customer: _text(customer.get_risk_level_display()),
    "total_assets": lambda customer: money_text(customer.total_assets),
    "cash": lambda customer: money_text(customer.cash),
    "position_ratio": lambda customer: percent_text(customer.position_ratio),
    "last_trade_date": lambda customer: _day(customer.last_trade_date),
    "last_contact_at": lambda customer: _local_day(customer.last_contact_at),
}


def constant_columns(user) -> tuple[str, ...]:
    """The columns of CustomerTable that show the same value on every row for `user`, from
    the user's scope (crm/scoping.py) rather than from the rows: a branch manager's
    customers are all of their branch; a broker's are all theirs, and of their own branch
    unless one of them is served across branches (one indexed EXISTS tells)."""
    reach = reach_of(user)
    if reach.everything or reach.nothing:
        return ()
    if reach.branch_id:
        return ("branch",)
    constant = ("manager",) if not reach.team_id else ()
    staff = staff_for_user(user)
    elsewhere = scope_for_user(user, Customer.objects.exclude(branch_id=staff.branch_id))
    if not elsewhere.exists():
        constant = ("branch", *constant)
    return constant


def sort_of(table_class: type[tables.Table], value: str) -> str:
    """`value` if it names orderable columns of the table (comma-separated, "-" for
    descending), else "": the sort that a link, a saved view or an audit entry may carry.
    The table itself ignores an unknown name; a NUL one would break the audit entry."""
    columns = table_class([]).columns
    names = [alias.removeprefix("-") for alias in value.split(",")]
    if all(name in columns and columns[name].orderable for name in names):
        return value
    return ""


def _order_nulls_last(queryset, field: str, descending: bool):
    column = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return queryset.order_by(column, "cust_no")


def money_text(value) -> str:
    """1234567.8 → `1,234,567.80` (the separators spreadsheets and both locales read)."""
    if value is None:
        return "—"
    return f"{value:,.2f}"


def money_plain(value) -> str:
    """1234567.8 → `1234567.80`: money in a CSV, at two decimals and without separators so
    that spreadsheets add it up; quantized as a Decimal (SQLite hands sums back with
    seven decimals), never through a float."""
    if value is None:
        return ""
    return str(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP))


def percent_text(value) -> str:
    """0.8523 → `85.23%`."""
    if value is None:
        return "—"
    return f"{value * 100:.2f}%"


class ImportRunTable(tables.Table):
    """The import history. Running rows show the progress the view hands in by run id;
    `followed`: the page polls the whole table, so that a running row does not poll itself."""

    id = tables.Column(
        verbose_name=_("Run"), linkify=("customers:import-run", {"run_id": tables.A("pk")})
    )
    business_date = tables.DateColumn(
        format="Y-m-d",
        linkify=("customers:import-run", {"run_id": tables.A("pk")}),
        attrs=NOWRAP,
    )
    kind = tables.Column(attrs=NOWRAP)
    profile = tables.Column(default="—")
    status = tables.Column(attrs=NOWRAP)
    late = tables.BooleanColumn(yesno="✔,")
    started_at = tables.DateTimeColumn(format="Y-m-d H:i", attrs=NOWRAP)
    duration = tables.Column(
        verbose_name=_("Duration"), accessor="seconds", orderable=False, default="—", attrs=NOWRAP
    )
    rows_read = tables.Column(attrs=NUMBER)
    rows_loaded = tables.Column(attrs=NUMBER)
    rows_rejected = tables.Column(attrs=NUMBER)
    error = tables.Column(
        verbose_name=_("Error"), accessor="error_text", orderable=False, default=""
    )

    class Meta:
        model = ImportRun
        fields = (
            "id",
            "business_date",
            "kind",
            "profile",
            "status",
            "late",
            "started_at",
            "duration",
            "rows_read",
            "rows_loaded",
            "rows_rejected",
            "error",
        )
        attrs = {"class": "table import-runs"}
        empty_text = _("No import has run yet.")

    def __init__(
        self,
        *args,
        progress: dict[int, dict | None] | None = None,
        followed: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.progress = progress or {}
        self.followed = followed

    def render_id(self, value):
        return f"#{value}"

    def render_status(self, record):
        return run_status_html(record, self.progress.get(record.pk), followed=self.followed)

    def render_profile(self, value):
        return profile_html(value)

    def render_rows_read(self, value):
        return count_text(value)

    render_rows_loaded = render_rows_rejected = render_rows_read

    def render_duration(self, value):
        return duration_text(value)

    def render_error(self, value):
        return format_html('<span title="{}">{}</span>', value, Truncator(value).chars(ERROR_CHARS))


class ImportFileTable(tables.Table):
    """The files of one run; `open_files` are those whose rejects can still be downloaded."""

    file = tables.Column()
    rows_read = tables.Column(attrs=NUMBER)
    rows_loaded = tables.Column(attrs=NUMBER)
    rows_rejected = tables.Column(attrs=NUMBER)
    seconds = tables.Column(verbose_name=_("Duration (s)"), attrs=NUMBER)
    ignored_columns = tables.Column(default="")
    download = tables.Column(
        verbose_name=_("Open rejects"), accessor="file", orderable=False, empty_values=()
    )

    class Meta:
        model = ImportFileResult
        fields = (
            "file",
            "rows_read",
            "rows_loaded",
            "rows_rejected",
            "seconds",
            "ignored_columns",
            "download",
        )
        orderable = False
        attrs = {"class": "table"}
        empty_text = _("No file of this run was loaded.")

    def __init__(self, *args, open_files: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.open_files = set(open_files)

    def render_seconds(self, value):
        return f"{value:.1f}"

    def render_rows_read(self, value):
        return count_text(value)

    render_rows_loaded = render_rows_rejected = render_rows_read

    def render_ignored_columns(self, value):
        return ", ".join(value)

    def render_download(self, record):
        if record.file not in self.open_files:
            return ""
        url = reverse(
            "customers:import-rejects-csv", kwargs={"run_id": record.run_id, "file": record.file}
        )
        return format_html('<a href="{}" download>{}</a>', url, _("Download CSV"))


class ImportRejectTable(tables.Table):
    file = tables.Column()
    line_no = tables.Column(attrs=NUMBER)
    column = tables.Column(default="")
    reason = tables.Column()
    raw = tables.Column(attrs={"td": {"class": "raw"}})
    resolved_by = tables.Column(
        verbose_name=_("State"),
        accessor="resolved_by_id",
        default=_("not yet loaded"),
        attrs=NOWRAP,
    )

    class Meta:
        model = ImportReject
        fields = ("file", "line_no", "column", "reason", "raw", "resolved_by")
        orderable = False
        attrs = {"class": "table"}
        empty_text = _("No rejected rows.")

    def __init__(self, *args, mask=None, date_format: str = "YYYY-MM-DD", **kwargs):
        """`mask(file, raw)`: the raw line as the user may see it (personal data masked);
        `date_format`: the run's profile's, which a date reason names."""
        super().__init__(*args, **kwargs)
        self.mask = mask or (lambda file, raw: raw)
        self.date_format = date_format

    def render_column(self, value, record):
        # The field's name for people, with the counter's own column name after it.
        label = import_column_label(record.file, value)
        if label == value:
            return value
        return format_html('{} <small class="muted mono">{}</small>', label, value)

    def render_reason(self, value):
        # Stored as the English msgid (gettext_noop in customers/etl/specs.py).
        if value == NOT_A_DATE:
            return gettext("not a valid date: the profile writes dates as %(format)s") % {
                "format": self.date_format
            }
        return gettext(value)

    def render_raw(self, value, record):
        value = self.mask(record.file, value)
        # A line can be kilobytes even as kept (customers/etl/specs.py kept_raw): the page
        # shows its start, and the rejects download holds it as kept.
        if len(value) <= RAW_SHOWN:
            return value
        title = gettext("%(count)s characters; download the rejects to read the whole line") % {
            "count": len(value)
        }
        return format_html('<span title="{}">{}…</span>', title, value[:RAW_SHOWN])

    def render_resolved_by(self, value):
        url = reverse("customers:import-run", kwargs={"run_id": value})
        label = gettext("superseded by run #%(run)s") % {"run": value}
        return format_html('<a href="{}">{}</a>', url, label)


def run_status_html(run: ImportRun, progress: dict | None = None, *, followed=False) -> str:
    """The status badge of a run; for a running run, the progress partial (polling itself
    unless the page around it is `followed`, i.e. polls already)."""
    if run.status == RunStatus.RUNNING:
        return render_to_string(
            "customers/imports/_progress.html",
            {"run": run, "progress": progress, "followed": followed},
        )
    return render_to_string("customers/imports/_status.html", {"run": run})


def profile_html(profile) -> str:
    """An import profile as people know it: its description, with its name (the code the
    commands use) in small type after it."""
    description = profile.description_shown
    if not description:
        return profile.name
    return format_html('{} <small class="muted mono">{}</small>', description, profile.name)


def count_text(value) -> str:
    """A row count with the language's thousands separators (21,274)."""
    return number_format(value, force_grouping=True)


def duration_text(seconds: float | None) -> str:
    """12.3 s, or 4 min 05 s from a minute on."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return gettext("%(seconds)s s") % {"seconds": f"{seconds:.1f}"}
    minutes, rest = divmod(round(seconds), 60)
    return gettext("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": f"{rest:02d}"}


# -- relationship: my tasks and service requests -----------------------------------------------
# Rows carry the `overdue` annotation of customers/selectors/relationship.py.


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
    # Imported here: the selectors import the forms, which import the filters, which import
    # this module.
    from .selectors.relationship import service_request_moves

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
