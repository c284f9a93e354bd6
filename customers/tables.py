"""django-tables2 tables: customer lists and the import monitoring pages."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Customer, ImportFileResult, ImportReject, ImportRun, RunStatus

NUMBER = {"th": {"class": "num"}, "td": {"class": "num"}}
NOWRAP = {"td": {"class": "nowrap"}}
ERROR_CHARS = 80


class CustomerTable(tables.Table):
    cust_no = tables.Column(verbose_name=_("Customer number"))
    name = tables.Column(verbose_name=_("Name"))
    branch = tables.Column(
        verbose_name=_("Branch"), accessor="branch__name", order_by="branch__code"
    )
    manager = tables.Column(verbose_name=_("Manager"), accessor="manager__name", default="—")
    status = tables.Column(verbose_name=_("Status"))
    risk_level = tables.Column(verbose_name=_("Risk level"), default="—")
    open_date = tables.DateColumn(verbose_name=_("Account opened"), format="Y-m-d")

    class Meta:
        model = Customer
        fields = ("cust_no", "name", "branch", "manager", "status", "risk_level", "open_date")
        attrs = {"class": "table"}
        empty_text = _("No customers match these filters.")


class ImportRunTable(tables.Table):
    """The import history. Running rows show the progress the view hands in by run id."""

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
    status = tables.Column()
    late = tables.BooleanColumn(yesno="✔,")
    started_at = tables.DateTimeColumn(format="Y-m-d H:i", attrs=NOWRAP)
    duration = tables.Column(
        verbose_name=_("Duration"), accessor="seconds", orderable=False, default="—", attrs=NOWRAP
    )
    rows_read = tables.Column(attrs=NUMBER)
    rows_loaded = tables.Column(attrs=NUMBER)
    rows_rejected = tables.Column(attrs=NUMBER)
    error = tables.Column(default="")

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

    def __init__(self, *args, progress: dict[int, dict | None] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.progress = progress or {}

    def render_id(self, value):
        return f"#{value}"

    def render_status(self, record):
        return run_status_html(record, self.progress.get(record.pk))

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
    seconds = tables.Column(attrs=NUMBER)
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
        verbose_name=_("State"), accessor="resolved_by_id", default=_("not yet loaded")
    )

    class Meta:
        model = ImportReject
        fields = ("file", "line_no", "column", "reason", "raw", "resolved_by")
        orderable = False
        attrs = {"class": "table"}
        empty_text = _("No rejected rows.")

    def render_reason(self, value):
        # Stored as the English msgid (gettext_noop in customers/etl/specs.py).
        return gettext(value)

    def render_resolved_by(self, value):
        url = reverse("customers:import-run", kwargs={"run_id": value})
        label = gettext("superseded by run #%(run)s") % {"run": value}
        return format_html('<a href="{}">{}</a>', url, label)


def run_status_html(run: ImportRun, progress: dict | None = None) -> str:
    """The status badge of a run; for a running run, the polling progress partial."""
    if run.status == RunStatus.RUNNING:
        return render_to_string(
            "customers/imports/_progress.html", {"run": run, "progress": progress}
        )
    return render_to_string("customers/imports/_status.html", {"run": run})


def duration_text(seconds: float | None) -> str:
    """12.3 s, or 4 min 05 s from a minute on."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return gettext("%(seconds)s s") % {"seconds": f"{seconds:.1f}"}
    minutes, rest = divmod(round(seconds), 60)
    return gettext("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": f"{rest:02d}"}
