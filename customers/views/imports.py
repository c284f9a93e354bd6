"""Import monitoring pages of head office: history, starting an import, one run, rejects
download and corrected re-import."""

import codecs
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_htmx.http import HttpResponseClientRefresh
from django_tables2 import RequestConfig, SingleTableMixin

from crm.pagination import pagination
from crm.pipeline import metrics_stale_enqueue, pipeline_busy
from crm.roles import Access, RoleRequiredMixin, role_required
from crm.services import audit_record
from customers.etl.sources import python_encoding
from customers.filters.imports import ImportRejectFilter, ImportRunFilter
from customers.forms.imports import ImportCorrectionForm, ImportStartForm
from customers.models import LOADED_STATUSES, RunStatus
from customers.selectors.imports import (
    PERSONAL_FILES,
    day_folder_label,
    import_day_folders,
    import_day_metrics,
    import_day_states,
    import_progress,
    import_progress_of_running,
    import_reject_masker,
    import_reject_open_files,
    import_rejects,
    import_run_files,
    import_run_get,
    import_runs,
)
from customers.services import counter_corrections_import
from customers.services.imports import counter_import_request, import_rejects_reveal
from customers.tables.imports import (
    ImportFileTable,
    ImportRejectTable,
    ImportRunTable,
    duration_text,
    profile_html,
)


class ImportRunListView(RoleRequiredMixin, SingleTableMixin, FilterView):
    """The history, with the form that starts an import. While a run runs or an import was
    just queued, the table polls itself (htmx asks for the table alone)."""

    access = Access.IMPORTS
    table_class = ImportRunTable
    filterset_class = ImportRunFilter
    template_name = "customers/imports/run_list.html"
    # Paginated by the table only: paginate_by would make ListView fetch the page a second time.
    table_pagination = pagination()

    def get_template_names(self):
        if self.request.htmx:
            return ["customers/imports/_runs.html"]
        return [self.template_name]

    def get_queryset(self):
        return import_runs()

    def get_table_kwargs(self):
        self.progress = import_progress_of_running()
        return {"progress": self.progress, "followed": True}

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        if any(self.request.GET.get(name) for name in self.filterset_class.base_filters):
            table.empty_text = _("No import run matches these filters.")
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["polling"] = bool(self.progress) or pipeline_busy()
        if not self.request.htmx:
            context["start_form"] = _start_form()
        return context


def _start_form(data=None) -> ImportStartForm:
    days = import_day_folders(root=Path(settings.IMPORT_ROOT))
    return ImportStartForm(data, days=days, states=import_day_states(days))


@role_required(Access.IMPORTS)
@require_POST
def import_start(request):
    """Queue an import (every pending day, or one day folder again, with a profile) and the
    metrics after it; the history then follows it."""
    form = _start_form(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form[name].label}: {' '.join(form[name].errors)}" for name in form.errors
        )
        messages.error(
            request, _("The import was not started. %(problems)s") % {"problems": problems}
        )
        return redirect("customers:imports")
    day = form.cleaned_data["day"] or None
    profile = form.cleaned_data["profile"]
    counter_import_request(day=day, profile=profile, user=request.user, request=request)
    if day:
        started = _(
            "Import of business day %(day)s with profile %(profile)s started: its run is"
            " listed below once it has begun."
        ) % {
            "day": day_folder_label(day),
            "profile": profile,
        }
    else:
        started = _(
            "Import of every pending day with profile %(profile)s started: its runs are"
            " listed below as they begin."
        ) % {"profile": profile}
    messages.success(request, started)
    return redirect("customers:imports")


@role_required(Access.IMPORTS)
def import_run_detail(request, run_id: int):
    run = import_run_get(run_id)
    return render(
        request,
        "customers/imports/run_detail.html",
        _run_page_context(request, run, form=None),
    )


@role_required(Access.IMPORTS)
def import_run_progress(request, run_id: int):
    """The progress partial a running run's page polls; once the run ends, a page refresh."""
    run = import_run_get(run_id)
    if run.status != RunStatus.RUNNING and request.htmx:
        return HttpResponseClientRefresh()
    return render(
        request,
        "customers/imports/_progress.html",
        {"run": run, "progress": import_progress(run)},
    )


@role_required(Access.IMPORTS)
def import_rejects_csv(request, run_id: int, file: str):
    """The open rejects of one file as a file to correct: its header, then each raw line."""
    run = import_run_get(run_id)
    header = import_run_files(run).filter(file=file).values_list("header", flat=True).first()
    if header is None:
        raise Http404(_("This run has no such file."))
    rejects = import_rejects(run, file=file, open_only=True)
    rows = rejects.count()
    audit_record(
        actor=request.user,
        action="import.rejects_download",
        target=run,
        request=request,
        details={"file": file, "rows": rows},
    )
    raws = rejects.values_list("raw", flat=True).iterator()
    revealed = import_rejects_reveal(
        user=request.user,
        run=run,
        personal=rows if file in PERSONAL_FILES else 0,
        file=file,
        request=request,
    )
    if revealed:
        lines = raws
    else:
        mask = import_reject_masker(run)
        lines = (mask(file, raw) for raw in raws)
    encoding = python_encoding(run.profile) if run.profile else "utf-8-sig"
    response = StreamingHttpResponse(
        _csv_lines(header, lines, encoding),
        content_type=f"text/csv; charset={encoding.removesuffix('-sig')}",
    )
    filename = f"{run.business_date:%Y%m%d}-{file}-rejects.csv"
    response["Content-Disposition"] = f"attachment; filename={filename}"
    return response


def _csv_lines(header: str, raws, encoding: str):
    # One incremental encoder for the whole file: utf-8-sig writes its BOM once, at the start.
    encoder = codecs.getincrementalencoder(encoding)()
    yield encoder.encode(header + "\r\n")
    for raw in raws:
        yield encoder.encode(raw + "\r\n")
    yield encoder.encode("", final=True)


@role_required(Access.IMPORTS)
@require_POST
def import_corrections(request, run_id: int):
    """Load a corrected CSV of one file of the run, then show the correction run."""
    run = import_run_get(run_id)
    form = ImportCorrectionForm(request.POST, request.FILES, files=import_reject_open_files(run))
    if not form.is_valid():
        context = _run_page_context(request, run, form=form)
        return render(request, "customers/imports/run_detail.html", context, status=400)
    file = form.cleaned_data["file"]
    upload = form.save_upload(prefix=f"{run.business_date:%Y%m%d}-{file}-corrected-")
    try:
        correction = counter_corrections_import(
            run=run, file=file, upload=upload, started_by=request.user
        )
    finally:
        upload.unlink(missing_ok=True)
    audit_record(
        actor=request.user,
        action="import.corrections",
        target=run,
        request=request,
        details={"file": file, "correction_run": correction.pk, "status": correction.status},
    )
    if correction.status in LOADED_STATUSES:
        # The correction changed its day's facts: its metrics follow now, not next night.
        metrics_stale_enqueue()
    if correction.status == RunStatus.REFUSED:
        messages.error(
            request,
            _("The corrected file was refused: %(error)s") % {"error": correction.error_text},
        )
    else:
        messages.success(
            request,
            _("Corrected rows of %(file)s: %(loaded)s loaded, %(rejected)s rejected.")
            % {
                "file": f"{file}.csv",
                "loaded": correction.rows_loaded,
                "rejected": correction.rows_rejected,
            },
        )
    return redirect("customers:import-run", run_id=correction.pk)


def _run_page_context(request, run, *, form: ImportCorrectionForm | None) -> dict:
    files = import_run_files(run)
    open_files = import_reject_open_files(run)
    rejects = ImportRejectFilter(
        request.GET,
        queryset=import_rejects(run),
        files=[result.file for result in files if result.rows_rejected],
    )
    rejects_table = ImportRejectTable(
        rejects.qs, date_format=run.profile.date_format if run.profile else "YYYY-MM-DD"
    )
    RequestConfig(request, paginate=pagination()).configure(rejects_table)
    if run.rows_rejected:
        personal = sum(row.record.file in PERSONAL_FILES for row in rejects_table.paginated_rows)
        revealed = import_rejects_reveal(
            user=request.user,
            run=run,
            personal=personal,
            file=request.GET.get("file") or "all",
            request=request,
        )
        if not revealed:
            rejects_table.mask = import_reject_masker(run)
    if form is None and open_files:
        form = ImportCorrectionForm(files=open_files)
    return {
        "run": run,
        "running": run.status == RunStatus.RUNNING,
        "progress": import_progress(run),
        "day_metrics": import_day_metrics(run),
        "duration": duration_text(run.seconds),
        "profile": profile_html(run.profile) if run.profile else "—",
        "files_table": ImportFileTable(files, open_files=open_files),
        "rejects_filter": rejects,
        "rejects_table": rejects_table,
        "open_files": open_files,
        "correction_form": form,
    }
