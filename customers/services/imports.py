"""The nightly import of the trading counter's day folders and
the re-import of corrected rows. Reads live in customers/selectors.py.
"""

import csv
import datetime
import io
import logging
import re
from collections.abc import Callable
from pathlib import Path

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from crm.locks import nightly_lock_acquire
from customers.etl.loader import FileOutcome, load_file
from customers.etl.partitions import FACT_TABLES, holding
from customers.etl.sources import (
    RefusedFile,
    layout_for,
    manifest_digest,
    python_encoding,
    read_header,
    read_manifest,
    spec_for,
    verify_against_manifest,
)
from customers.etl.specs import SPECS
from customers.models import (
    ImportFileResult,
    ImportProfile,
    ImportReject,
    ImportRun,
    RunKind,
    RunStatus,
)

from .figures import customer_figures_refresh

logger = logging.getLogger(__name__)
DAY_FOLDER = re.compile(r"^\d{8}$")
LOADED = (RunStatus.LOADED, RunStatus.LOADED_WITH_REJECTS)

Progress = Callable[[str], None]


class ImportNotStarted(Exception):
    """A run that could not start (bad folder name, unknown profile)."""


def import_profile_get(*, name: str | None = None) -> ImportProfile:
    try:
        if name:
            return ImportProfile.objects.get(name=name)
        return ImportProfile.objects.get(is_default=True)
    except ImportProfile.DoesNotExist:
        raise ImportNotStarted(f"No import profile {name or '(default)'}.") from None


def progress_key(run_id: int) -> str:
    return f"import-run-progress-{run_id}"


def counter_day_import(
    *,
    folder: Path,
    profile: ImportProfile | None = None,
    started_by=None,
    progress: Progress | None = None,
) -> ImportRun:
    """Import one day folder, all of it or nothing of it, and record the run.

    Rows that break a rule are kept as rejects; a file that cannot be read or does not match
    the manifest refuses the whole day (the run says which file and why), so that a day is
    never half loaded.
    """
    day = _day_of(folder)
    profile = profile or import_profile_get()
    run = ImportRun.objects.create(
        business_date=day,
        kind=RunKind.DAY,
        profile=profile,
        source=str(folder),
        started_by=started_by,
        late=_later_days_loaded(day),
    )
    say = _reporter(run, progress)
    try:
        with transaction.atomic():
            nightly_lock_acquire()
            _tune_for_bulk_load()
            run.manifest_sha256 = (
                manifest_digest(folder) if (folder / "manifest.csv").exists() else ""
            )
            files = _verified_files(folder, profile)
            for number, (spec, path) in enumerate(files, start=1):
                say(
                    f"{path.name} ({number}/{len(files)})",
                    file=path.name,
                    done=number - 1,
                    total=len(files),
                )
                outcome = _load_one(run, spec, path, profile, replace_snapshot=True, late=run.late)
                say(
                    f"{path.name}: {outcome.rows_loaded} loaded, {outcome.rows_rejected} "
                    f"rejected in {outcome.seconds:.1f}s"
                    + (" (one pass)" if outcome.direct else ""),
                    done=number,
                    total=len(files),
                )
            ImportReject.objects.filter(run__business_date=day, resolved_by__isnull=True).exclude(
                run=run
            ).update(resolved_by=run)
            _analyze(day)
            if not run.late:
                customer_figures_refresh(day=day)
    except RefusedFile as refusal:
        return _finish(run, RunStatus.REFUSED, error=str(refusal), say=say)
    except Exception as error:
        _finish(run, RunStatus.FAILED, error=f"{type(error).__name__}: {error}", say=say)
        raise
    return _finish(run, None, say=say)


def counter_pending_import(
    *, root: Path, profile: ImportProfile | None = None, progress: Progress | None = None
) -> list[ImportRun]:
    """Import, in date order, every complete day folder under `root` not yet loaded as it is
    now (a re-delivered day has a new manifest and is loaded again)."""
    runs = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and DAY_FOLDER.match(p.name)):
        if not (folder / "manifest.csv").exists():
            continue
        digest = manifest_digest(folder)
        already = ImportRun.objects.filter(
            business_date=_day_of(folder),
            kind=RunKind.DAY,
            manifest_sha256=digest,
            status__in=LOADED,
        )
        if not already.exists():
            runs.append(counter_day_import(folder=folder, profile=profile, progress=progress))
    return runs


def counter_corrections_import(
    *, run: ImportRun, file: str, upload: Path, started_by=None
) -> ImportRun:
    """Load corrected rows of one file of a day (the rejects, fixed) and retire the rejects
    they replace. Snapshots are not cleared: only the rows given are upserted."""
    spec = SPECS[file]
    correction = ImportRun.objects.create(
        business_date=run.business_date,
        kind=RunKind.CORRECTION,
        profile=run.profile,
        source=f"{file}.csv ← {upload.name}",
        started_by=started_by,
    )
    say = _reporter(correction, None)
    correction_is_late = _later_days_loaded(run.business_date)
    try:
        with transaction.atomic():
            nightly_lock_acquire()
            _load_one(
                correction,
                spec,
                upload,
                run.profile,
                replace_snapshot=False,
                late=correction_is_late,
                filename=f"{file}.csv",
            )
            ImportReject.objects.filter(
                run__business_date=run.business_date, file=file, resolved_by__isnull=True
            ).exclude(run=correction).update(resolved_by=correction)
            if not correction_is_late:
                customer_figures_refresh(day=run.business_date)
    except RefusedFile as refusal:
        return _finish(correction, RunStatus.REFUSED, error=str(refusal), say=say)
    except Exception as error:
        _finish(correction, RunStatus.FAILED, error=f"{type(error).__name__}: {error}", say=say)
        raise
    return _finish(correction, None, say=say)


def _verified_files(folder: Path, profile: ImportProfile) -> list[tuple]:
    """Every delivered counter file, in load order, checked against the manifest first."""
    manifest = read_manifest(folder)
    encoding = python_encoding(profile)
    files = []
    for name, entry in manifest.items():
        if spec_for(name) is None:
            continue
        verify_against_manifest(folder / name, entry, encoding)
    for spec in SPECS.values():
        if spec.filename in manifest:
            files.append((spec, folder / spec.filename))
    return files


def _later_days_loaded(day: datetime.date) -> bool:
    return ImportRun.objects.filter(
        business_date__gt=day, kind=RunKind.DAY, status__in=LOADED
    ).exists()


def _load_one(
    run,
    spec,
    path: Path,
    profile,
    *,
    replace_snapshot: bool,
    late: bool,
    filename: str | None = None,
) -> FileOutcome:
    encoding = python_encoding(profile)
    header = read_header(path, encoding, profile.delimiter)
    layout, ignored = layout_for(spec, header, profile, filename or path.name)
    outcome = load_file(
        path=path,
        layout=layout,
        encoding=encoding,
        day=run.business_date,
        run_id=run.pk,
        replace_snapshot=replace_snapshot,
        late=late,
    )
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=profile.delimiter, lineterminator="").writerow(header)
    ImportFileResult.objects.create(
        run=run,
        file=spec.name,
        rows_read=outcome.rows_read,
        rows_loaded=outcome.rows_loaded,
        rows_rejected=outcome.rows_rejected,
        seconds=round(outcome.seconds, 3),
        ignored_columns=ignored,
        header=buffer.getvalue(),
    )
    run.rows_read += outcome.rows_read
    run.rows_loaded += outcome.rows_loaded
    run.rows_rejected += outcome.rows_rejected
    return outcome


def _finish(run: ImportRun, status, *, say, error: str = "") -> ImportRun:
    if status is None:
        status = RunStatus.LOADED_WITH_REJECTS if run.rows_rejected else RunStatus.LOADED
    if status in (RunStatus.REFUSED, RunStatus.FAILED):
        run.rows_read = run.rows_loaded = run.rows_rejected = 0
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save()
    cache.delete(progress_key(run.pk))
    say(f"{run.business_date}: {run.get_status_display()}" + (f" — {error}" if error else ""))
    return run


def _reporter(run: ImportRun, progress: Progress | None):
    def say(message: str, *, file: str = "", done: int | None = None, total: int | None = None):
        if progress is not None:
            progress(message)
        logger.debug("import run %s: %s", run.pk, message)
        if done is not None:
            cache.set(
                progress_key(run.pk),
                {
                    "file": file,
                    "done": done,
                    "total": total,
                    "rows": run.rows_read,
                    "message": message,
                },
                timeout=12 * 3600,
            )

    return say


def _tune_for_bulk_load() -> None:
    """Memory for the staging sorts and hashes of this transaction only (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")


def _analyze(day: datetime.date) -> None:
    """Fresh statistics for the day's facts, for the metrics that read them next: of each
    fact table, or of the partition holding the day where the table is partitioned (the
    whole table's are refreshed when its month is merged)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in FACT_TABLES:
                if target := holding(cursor, table, day):
                    cursor.execute(f"ANALYZE {target}")


def _day_of(folder: Path) -> datetime.date:
    if not DAY_FOLDER.match(folder.name):
        raise ImportNotStarted(f"{folder}: a day folder is named YYYYMMDD.")
    try:
        return datetime.datetime.strptime(folder.name, "%Y%m%d").date()
    except ValueError:
        raise ImportNotStarted(f"{folder}: {folder.name} is not a date.") from None
