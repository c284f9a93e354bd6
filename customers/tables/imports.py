"""Tables of the import monitoring pages (django-tables2): the import history, the files of
a run and its rejected rows, with the texts their cells share with the run page."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.etl.specs import NOT_A_DATE
from customers.models import ImportFileResult, ImportReject, ImportRun, RunStatus
from customers.selectors.imports import import_column_label
from customers.tables.columns import DASH, NOWRAP, NUMBER

ERROR_CHARS = 80
RAW_SHOWN = 300  # characters of a rejected line shown on the run page


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
    profile = tables.Column(default=DASH)
    status = tables.Column(attrs=NOWRAP)
    late = tables.BooleanColumn(yesno="✔,")
    started_at = tables.DateTimeColumn(format="Y-m-d H:i", attrs=NOWRAP)
    duration = tables.Column(
        verbose_name=_("Duration"), accessor="seconds", orderable=False, default=DASH, attrs=NOWRAP
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
        return DASH
    if seconds < 60:
        return gettext("%(seconds)s s") % {"seconds": f"{seconds:.1f}"}
    minutes, rest = divmod(round(seconds), 60)
    return gettext("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": f"{rest:02d}"}
