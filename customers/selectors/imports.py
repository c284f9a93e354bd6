"""Reads of the import's records for head office's monitoring pages (company-wide)."""

import csv
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from crm.dates import day_from_digits
from crm.pii import PERSONAL_COLUMNS, mask_raw_line
from crm.pipeline import metrics_queued_at, pipeline_busy
from customers.etl.specs import SPECS
from customers.models import (
    LOADED_STATUSES,
    ImportFileResult,
    ImportReject,
    ImportRun,
    RunKind,
    RunStatus,
)
from customers.services import DAY_FOLDER, progress_key

# The counter files that carry personal data: those with a personal column.
PERSONAL_FILES = frozenset(
    name
    for name, spec in SPECS.items()
    if any(column.name in PERSONAL_COLUMNS for column in spec.columns)
)


def import_runs() -> QuerySet[ImportRun]:
    """Every import run, newest first, with what a history row shows."""
    return ImportRun.objects.select_related("profile", "started_by").order_by("-started_at", "-id")


def import_run_get(run_id: int) -> ImportRun:
    run = import_runs().filter(pk=run_id).first()
    if run is None:
        raise Http404(_("No such import run."))
    return run


def import_run_files(run: ImportRun) -> QuerySet[ImportFileResult]:
    """The run's files in the order they were loaded."""
    return run.files.order_by("id")


def import_rejects(
    run: ImportRun, *, file: str | None = None, open_only: bool = False
) -> QuerySet[ImportReject]:
    """The run's rejected rows in file and line order; `open_only` leaves out superseded ones."""
    rejects = run.rejects.order_by("file", "line_no", "id")
    if file is not None:
        rejects = rejects.filter(file=file)
    if open_only:
        rejects = rejects.filter(resolved_by__isnull=True)
    return rejects


def import_reject_masker(run: ImportRun) -> Callable[[str, str], str]:
    """mask(file, raw): a rejected line as a user without the reveal permission may see it,
    its personal fields masked (crm/pii.py mask_raw_line). The fields are found as the
    import found them: the file's header line of the run, split on the profile's delimiter,
    with the profile's column aliases. Lines of files without personal data stay as kept."""
    profile = run.profile
    delimiter = profile.delimiter_character if profile else ","
    aliases = list(profile.aliases.all()) if profile else []
    headers = dict(run.files.filter(file__in=PERSONAL_FILES).values_list("file", "header"))
    columns: dict[str, list[str] | None] = {}
    for name in PERSONAL_FILES:
        header = headers.get(name)
        if not header:
            columns[name] = None
            continue
        named = {alias.header: alias.column for alias in aliases if alias.file in ("", name)}
        cells = next(csv.reader([header], delimiter=delimiter), [])
        columns[name] = [named.get(cell.strip(), cell.strip()) for cell in cells]

    def mask(file: str, raw: str) -> str:
        if file not in PERSONAL_FILES:
            return raw
        return mask_raw_line(raw, columns=columns[file], delimiter=delimiter)

    return mask


def import_reject_open_files(run: ImportRun) -> list[str]:
    """The files of the run that still have rejects nobody has loaded again."""
    return list(
        import_rejects(run, open_only=True)
        .order_by("file")
        .values_list("file", flat=True)
        .distinct()
    )


def import_progress(run: ImportRun) -> dict | None:
    """What a running run last reported ({file, done, total, rows, message}), or None."""
    if run.status != RunStatus.RUNNING:
        return None
    return cache.get(progress_key(run.pk))


def import_progress_of_running() -> dict[int, dict | None]:
    """The progress of every running run by run id (usually none or one: runs take a lock)."""
    running = list(ImportRun.objects.filter(status=RunStatus.RUNNING).values_list("pk", flat=True))
    if not running:
        return {}
    reported = cache.get_many([progress_key(pk) for pk in running])
    return {pk: reported.get(progress_key(pk)) for pk in running}


def import_day_folders(*, root: Path) -> list[str]:
    """The day folders under `root` that can be imported (named YYYYMMDD after a real day,
    holding a manifest), newest first."""
    if not root.is_dir():
        return []
    names = [
        folder.name
        for folder in root.iterdir()
        if DAY_FOLDER.match(folder.name)
        and _is_a_day(folder.name)
        and (folder / "manifest.csv").is_file()
    ]
    return sorted(names, reverse=True)


def day_folder_label(name: str) -> str:
    """A day folder's name (YYYYMMDD) as the pages write a day (YYYY-MM-DD)."""
    return f"{name[:4]}-{name[4:6]}-{name[6:]}"


def import_day_states(days: list[str]) -> dict[str, str]:
    """The status of the last day run of each day folder (YYYYMMDD) that has one, in one
    query, so that the start form can say which days are loaded, refused or new."""
    dates = [day_from_digits(name) for name in days]
    latest = (
        ImportRun.objects.filter(kind=RunKind.DAY, business_date__in=dates)
        .exclude(status=RunStatus.RUNNING)
        .order_by("business_date", "-started_at", "-id")
        .values_list("business_date", "status")
    )
    states: dict[str, str] = {}
    for day, status in latest:
        states.setdefault(f"{day:%Y%m%d}", status)
    return states


def _is_a_day(name: str) -> bool:
    try:
        day_from_digits(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class DayMetrics:
    """Whether a day's metrics hold what was loaded for it: `computed` (at `at`), `recomputing`
    (stale, and a computation is queued or running) or `stale` (the next nightly run)."""

    state: str
    at: datetime.datetime | None = None


def import_day_metrics(run: ImportRun) -> DayMetrics | None:
    """The metrics of the run's day, read from the day's loaded runs; None for a run that
    loaded nothing (running, refused, failed, already loaded)."""
    if run.status not in LOADED_STATUSES:
        return None
    day = ImportRun.objects.filter(
        business_date=run.business_date,
        kind__in=(RunKind.DAY, RunKind.CORRECTION),
        status__in=LOADED_STATUSES,
    ).aggregate(
        stale=Count("pk", filter=Q(metrics_at__isnull=True)),
        stale_since=Max("finished_at", filter=Q(metrics_at__isnull=True)),
        computed=Max("metrics_at"),
    )
    if not day["stale"]:
        return DayMetrics("computed", day["computed"])
    queued = metrics_queued_at()
    since = day["stale_since"]
    if pipeline_busy() or (queued and (since is None or queued >= since)):
        return DayMetrics("recomputing")
    return DayMetrics("stale")


def import_column_label(file: str, column: str) -> str:
    """A counter column's name for people: the verbose name of the model field it loads into
    (or that a reference looks it up in, e.g. fund_account); the column itself otherwise."""
    spec = SPECS.get(file)
    if spec is None or not column:
        return column
    placeholder = "{c[" + column + "]}"
    places = [(spec.table, t) for t, template in spec.values.items() if placeholder in template]
    places += [
        (reference.table, target)
        for reference in spec.references
        for target, source in reference.on
        if source == column
    ]
    models_by_table = {model._meta.db_table: model for model in apps.get_models()}
    for table, target in sorted(places, key=lambda place: place[1] != column):
        model = models_by_table.get(table)
        for field in model._meta.concrete_fields if model else ():
            if target in (field.column, field.name):
                return str(field.verbose_name)
    return column
