"""The nightly import of the trading counter's day folders, the re-import of corrected rows
and the audited reveal of rejected lines. Reads live in customers/selectors/imports.py.
"""

import csv
import datetime
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from crm.dates import DateWithinBounds, day_from_digits
from crm.locks import (
    liveness_alive,
    liveness_claim,
    liveness_release,
    nightly_lock_acquire,
    nightly_lock_try,
)
from crm.pipeline import pipeline_enqueue
from crm.roles import may_reveal_pii
from crm.services import audit_record
from customers.etl.loader import FileOutcome, load_file
from customers.etl.partitions import FACT_TABLES, analyze, holding
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
    LOADED_STATUSES,
    ImportFileResult,
    ImportProfile,
    ImportReject,
    ImportRun,
    RunKind,
    RunStatus,
)
from products.services.library import securities_link

from .figures import customer_figures_refresh

logger = logging.getLogger(__name__)
DAY_FOLDER = re.compile(r"^\d{8}$")

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
    never half loaded. Whether the day is late, and whether a run that started meanwhile has
    loaded this very delivery already, is decided once the nightly lock is held.
    """
    day = _day_of(folder)
    profile = profile or import_profile_get()
    import_runs_reap()
    run = _run_start(
        business_date=day,
        kind=RunKind.DAY,
        profile=profile,
        source=str(folder),
        started_by=started_by,
    )
    say = _reporter(run, progress)
    try:
        with transaction.atomic():
            nightly_lock_acquire()
            run.late = _later_days_loaded(day)
            run.manifest_sha256 = (
                manifest_digest(folder) if (folder / "manifest.csv").exists() else ""
            )
            if loader := _loaded_meanwhile(run):
                params = {"run": loader}
                return _finish(
                    run,
                    RunStatus.SKIPPED,
                    error=ALREADY_LOADED % params,
                    detail={"cause": ALREADY_LOADED, "params": params},
                    say=say,
                )
            _load_day(run, folder, profile, say=say)
            if not run.late:
                customer_figures_refresh(day=day)
    except RefusedFile as refusal:
        return _finish(run, RunStatus.REFUSED, error=str(refusal), detail=refusal.detail, say=say)
    except Exception as error:
        _finish(run, RunStatus.FAILED, error=f"{type(error).__name__}: {error}", say=say)
        raise
    return _finish(run, None, say=say)


@dataclass
class DryRunReason:
    column: str
    reason: str  # in the reader's language
    rows: int
    line_no: int  # the first line rejected for it
    raw: str


@dataclass
class DryRunFile:
    file: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    ignored_columns: list[str]
    reasons: list[DryRunReason] = field(default_factory=list)


@dataclass
class DryRun:
    business_date: datetime.date
    refused: str = ""  # why the day would be refused, in the reader's language
    files: list[DryRunFile] = field(default_factory=list)


class _DryRunOver(Exception):
    """Rolls the dry run's transaction back, carrying its report out."""

    def __init__(self, report: DryRun):
        super().__init__()
        self.report = report


def counter_day_dry_run(*, folder: Path, profile: ImportProfile) -> DryRun:
    """What importing the day folder with the profile would do, writing nothing: the real
    import runs inside a transaction that is rolled back (partitions, rejects and all)."""
    day = _day_of(folder)
    try:
        with transaction.atomic():
            if not nightly_lock_try():
                raise _DryRunOver(
                    DryRun(day, refused=gettext("An import is running; try again once it ends."))
                )
            run = ImportRun.objects.create(
                business_date=day, kind=RunKind.DAY, profile=profile, source=str(folder)
            )
            run.late = _later_days_loaded(day)
            try:
                _load_day(run, folder, profile, say=_reporter(run, None))
            except RefusedFile as refusal:
                run.error_detail = refusal.detail
                raise _DryRunOver(DryRun(day, refused=run.error_text)) from None
            raise _DryRunOver(_dry_run_report(run))
    except _DryRunOver as over:
        return over.report


def _dry_run_report(run: ImportRun) -> DryRun:
    reasons: dict[str, list[DryRunReason]] = {}
    grouped = (
        run.rejects.values("file", "column", "reason")
        .annotate(rows=Count("id"), first=Min("line_no"))
        .order_by("file", "-rows", "column")
    )
    examples = {
        (reject.file, reject.line_no): reject.raw
        for reject in run.rejects.filter(line_no__in={row["first"] for row in grouped})
    }
    for row in grouped:
        reasons.setdefault(row["file"], []).append(
            DryRunReason(
                column=row["column"],
                reason=gettext(row["reason"]),
                rows=row["rows"],
                line_no=row["first"],
                raw=examples.get((row["file"], row["first"]), ""),
            )
        )
    return DryRun(
        run.business_date,
        files=[
            DryRunFile(
                file=result.file,
                rows_read=result.rows_read,
                rows_loaded=result.rows_loaded,
                rows_rejected=result.rows_rejected,
                ignored_columns=result.ignored_columns,
                reasons=reasons.get(result.file, []),
            )
            for result in run.files.order_by("id")
        ],
    )


def _load_day(run: ImportRun, folder: Path, profile: ImportProfile, *, say) -> None:
    """The day's files, verified against the manifest, loaded in order into the caller's
    transaction (which holds the nightly lock); the day's older rejects are superseded."""
    _tune_for_bulk_load()
    files = _verified_files(folder, profile, first_day=not _any_day_loaded())
    for number, (spec, path) in enumerate(files, start=1):
        say(
            f"{path.name} ({number}/{len(files)})",
            file=path.name,
            done=number - 1,
            total=len(files),
        )
        outcome = _load_one(run, spec, path, profile, replace_snapshot=True, late=run.late)
        loaded = (
            gettext("%(file)s: %(loaded)s loaded, %(rejected)s rejected in %(seconds)ss (one pass)")
            if outcome.one_pass
            else gettext("%(file)s: %(loaded)s loaded, %(rejected)s rejected in %(seconds)ss")
        )
        say(
            loaded
            % {
                "file": path.name,
                "loaded": outcome.rows_loaded,
                "rejected": outcome.rows_rejected,
                "seconds": f"{outcome.seconds:.1f}",
            },
            done=number,
            total=len(files),
        )
    ImportReject.objects.filter(
        run__business_date=run.business_date, resolved_by__isnull=True
    ).exclude(run=run).update(resolved_by=run)
    _analyze(run.business_date)


def counter_import_request(*, day: str | None, profile: str, user, request=None) -> None:
    """Queue an import started from a page (one day folder under IMPORT_ROOT again, or every
    pending day) and the metrics after it, audited; it is sent once the audit entry commits."""
    with transaction.atomic():
        audit_record(
            actor=user,
            action="import.start",
            request=request,
            details={"day": day or "pending", "profile": profile},
        )
        pipeline_enqueue(day=day, profile=profile, started_by_id=user.pk)


def import_rejects_reveal(*, user, run: ImportRun, personal: int, file: str, request=None) -> bool:
    """Whether `user` sees the run's rejected lines in full (of `file`, or "all"): a holder of
    the reveal permission does, and seeing `personal` lines of personal files is audited as
    a reveal."""
    if not may_reveal_pii(user):
        return False
    if personal:
        audit_record(
            actor=user,
            action="import.rejects_reveal",
            target=run,
            request=request,
            details={"file": file, "rows": personal},
        )
    return True


def counter_pending_import(
    *,
    root: Path,
    profile: ImportProfile | None = None,
    started_by=None,
    progress: Progress | None = None,
) -> list[ImportRun]:
    """Import, in date order, every complete day folder under `root` whose delivery differs
    from the one loaded last for its day (a re-delivery, or a return to an earlier one)."""
    runs = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and DAY_FOLDER.match(p.name)):
        if not (folder / "manifest.csv").exists():
            continue
        if manifest_digest(folder) != _loaded_delivery(_day_of(folder)):
            runs.append(
                counter_day_import(
                    folder=folder, profile=profile, started_by=started_by, progress=progress
                )
            )
    return runs


def counter_corrections_import(
    *, run: ImportRun, file: str, upload: Path, started_by=None
) -> ImportRun:
    """Load corrected rows of one file of a day (the rejects, fixed) and retire the rejects
    they replace. Snapshots are not cleared: only the rows given are upserted."""
    spec = SPECS[file]
    import_runs_reap()
    correction = _run_start(
        business_date=run.business_date,
        kind=RunKind.CORRECTION,
        profile=run.profile,
        source=f"{file}.csv ← {upload.name}",
        started_by=started_by,
    )
    say = _reporter(correction, None)
    try:
        with transaction.atomic():
            nightly_lock_acquire()
            correction.late = _later_days_loaded(run.business_date)
            _load_one(
                correction,
                spec,
                upload,
                run.profile,
                replace_snapshot=False,
                late=correction.late,
                filename=f"{file}.csv",
            )
            ImportReject.objects.filter(
                run__business_date=run.business_date, file=file, resolved_by__isnull=True
            ).exclude(run=correction).update(resolved_by=correction)
            if not correction.late:
                customer_figures_refresh(day=run.business_date)
    except RefusedFile as refusal:
        return _finish(
            correction, RunStatus.REFUSED, error=str(refusal), detail=refusal.detail, say=say
        )
    except Exception as error:
        _finish(correction, RunStatus.FAILED, error=f"{type(error).__name__}: {error}", say=say)
        raise
    return _finish(correction, None, say=say)


# A run left Running by a process that died (killed, machine restarted) says so.
DIED = gettext_noop(
    "The process running this import (%(worker)s) stopped before it finished; nothing of it"
    " was kept. Start the day again."
)


def import_runs_reap() -> list[int]:
    """Mark failed every run still Running whose process has died; return their ids. Every
    run calls it first, and beat every few minutes (so that its page stops waiting)."""
    dead = [
        run
        for run in ImportRun.objects.filter(status=RunStatus.RUNNING).only("pk", "worker")
        if not liveness_alive(run.worker)
    ]
    for run in dead:
        worker = run.worker.rsplit(":", 1)[0] or "?"
        ImportRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            rows_read=0,
            rows_loaded=0,
            rows_rejected=0,
            error=DIED % {"worker": worker},
            error_detail={"cause": DIED, "params": {"worker": worker}},
        )
        cache.delete(progress_key(run.pk))
    return [run.pk for run in dead]


def _run_start(**fields) -> ImportRun:
    return ImportRun.objects.create(worker=liveness_claim(), **fields)


ALREADY_LOADED = gettext_noop(
    "Run #%(run)s loaded this same delivery of the day while this run waited for it to end;"
    " nothing was loaded a second time."
)


def _loaded_meanwhile(run: ImportRun) -> int | None:
    """The run of the same day that loaded this same delivery while this one waited."""
    return (
        _loaded_day_runs()
        .filter(
            business_date=run.business_date,
            manifest_sha256=run.manifest_sha256,
            finished_at__gte=run.started_at,
        )
        .exclude(pk=run.pk)
        .values_list("pk", flat=True)
        .first()
    )


def _loaded_delivery(day: datetime.date) -> str | None:
    """The manifest checksum of the delivery of `day` that was loaded last, if any."""
    return (
        _loaded_day_runs()
        .filter(business_date=day)
        .order_by("-finished_at", "-id")
        .values_list("manifest_sha256", flat=True)
        .first()
    )


def _loaded_day_runs():
    """The runs of day folders that loaded (corrections are no delivery of a day)."""
    return ImportRun.objects.filter(kind=RunKind.DAY, status__in=LOADED_STATUSES)


def _any_day_loaded() -> bool:
    return _loaded_day_runs().exists()


# Files a day cannot do without: left out, every customer would stand at zero assets (the
# snapshots) or nothing would have anything to belong to (master data, on the first day).
DAILY_FILES = ("balances", "positions", "credit_accounts")
MASTER_FILES = (
    "branches",
    "staff",
    "securities",
    "customers",
    "capital_accounts",
    "shareholder_accounts",
)
MISSING_FILES = gettext_noop(
    "the manifest leaves out %(files)s, which the day needs; if this counter never delivers"
    " them, tick them under “files this counter never delivers” in the import profile"
)


def _verified_files(folder: Path, profile: ImportProfile, *, first_day: bool) -> list[tuple]:
    """Every delivered counter file, in load order, checked against the manifest first; a
    day that leaves out a file it needs is refused naming it."""
    manifest = read_manifest(folder)
    needed = DAILY_FILES + (MASTER_FILES if first_day else ())
    missing = [
        f"{name}.csv"
        for name in needed
        if f"{name}.csv" not in manifest and name not in profile.never_delivered
    ]
    if missing:
        raise RefusedFile("manifest.csv", MISSING_FILES, files=", ".join(missing))
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
    return _loaded_day_runs().filter(business_date__gt=day).exists()


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
    header = read_header(path, encoding, profile.delimiter_character)
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
    if spec.name == "securities":
        # Products whose code names a security just loaded show its holdings' risk level.
        securities_link()
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=profile.delimiter_character, lineterminator="").writerow(header)
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


def _finish(
    run: ImportRun, status, *, say, error: str = "", detail: dict | None = None
) -> ImportRun:
    if status is None:
        status = RunStatus.LOADED_WITH_REJECTS if run.rows_rejected else RunStatus.LOADED
    if status in (RunStatus.REFUSED, RunStatus.FAILED):
        run.rows_read = run.rows_loaded = run.rows_rejected = 0
    run.status = status
    run.error = error
    run.error_detail = detail or {}
    run.finished_at = timezone.now()
    run.save()
    liveness_release(run.worker)
    cache.delete(progress_key(run.pk))
    # In the language of the one reading along (a command's --language): error_text, not error.
    text = run.error_text
    say(f"{run.business_date}: {run.get_status_display()}" + (f" — {text}" if text else ""))
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
                    analyze(cursor, target)


def _day_of(folder: Path) -> datetime.date:
    if not DAY_FOLDER.match(folder.name):
        raise ImportNotStarted(f"{folder}: a day folder is named YYYYMMDD.")
    try:
        day = day_from_digits(folder.name)
    except ValueError:
        raise ImportNotStarted(f"{folder}: {folder.name} is not a date.") from None
    try:
        DateWithinBounds(days_ahead=1)(day)
    except ValidationError:
        raise ImportNotStarted(
            f"{folder}: {folder.name} is before 1900 or after tomorrow, not a business day "
            "the counter can have exported."
        ) from None
    return day
