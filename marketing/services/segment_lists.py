"""Static segments' members: a list of customer numbers uploaded into one (replacing its
members or adding to them), and a snapshot of a dynamic segment's members, today's or those
of a past day read back from its history. Both write through membership_write (the
difference, set-based) and log as an evaluation; dynamic segments are segments.py's.

An upload matches the file's numbers in one statement against a staged table of them, never
a query per number; numbers of no customer and of customers outside the uploader's scope
are reported alike, as "matched no customer", so that the report reveals nobody.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.scoping import scope_for_user
from crm.services import audit_record
from customers.models import Customer
from marketing.models import (
    EvaluationTrigger,
    Segment,
    SegmentChange,
    SegmentKind,
    SegmentMember,
    SegmentUpload,
)
from marketing.services.segments import members_set

UPLOAD_MAX_BYTES = 20 * 1024 * 1024
UPLOAD_MAX_NUMBERS = 500_000
NUMBER_MAX_LENGTH = 32  # customers.Customer.cust_no
UNMATCHED_KEPT = 10_000  # of the numbers that matched nobody, in the upload's report
STAGE = "marketing_upload_numbers"
STAGE_BATCH = 5000
REPLACE, ADD = "replace", "add"


class UploadRefused(ValueError):
    """A file that cannot be read as customer numbers; the message names the file and why."""


class SnapshotRefused(ValueError):
    """A snapshot that cannot be taken; the message says why."""


# -- reading a file ------------------------------------------------------------------------------


def upload_numbers_read(content: bytes, *, file_name: str) -> list[str]:
    """The customer numbers of a file, in order and once each: the first column of a CSV or
    one number a line, UTF-8 (with or without a byte order mark) or GBK; a first line
    without a digit is a header and skipped. UploadRefused, naming the file, for anything
    else: empty, too large, binary (a workbook), another encoding, a number too long."""

    def refused(cause: str) -> UploadRefused:
        return UploadRefused(
            _("%(file)s cannot be uploaded: %(cause)s") % {"file": file_name, "cause": cause}
        )

    if len(content) > UPLOAD_MAX_BYTES:
        raise refused(_("the file is larger than %(mb)s MB.") % {"mb": UPLOAD_MAX_BYTES >> 20})
    if b"\x00" in content or content.startswith(b"PK\x03\x04"):
        raise refused(_("it is not a text file (save a workbook as CSV first)."))
    text = _decoded(content)
    if text is None:
        raise refused(_("it is neither UTF-8 nor GBK text."))
    numbers: dict[str, None] = {}
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise refused(_("it is not a CSV file (%(error)s).") % {"error": error}) from None
    for line, row in enumerate(rows, start=1):
        first = row[0].strip() if row else ""
        if not first or (line == 1 and not any(c.isdigit() for c in first)):
            continue
        if len(first) > NUMBER_MAX_LENGTH:
            raise refused(
                _("line %(line)s holds “%(value)s…”, longer than any customer number.")
                % {"line": line, "value": first[:NUMBER_MAX_LENGTH]}
            )
        numbers[first] = None
    if not numbers:
        raise refused(_("it holds no customer numbers."))
    if len(numbers) > UPLOAD_MAX_NUMBERS:
        raise refused(
            _("it holds more than %(limit)s customer numbers.") % {"limit": UPLOAD_MAX_NUMBERS}
        )
    return list(numbers)


def _decoded(content: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


# -- uploading into a static segment ---------------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    upload: SegmentUpload
    joined: int
    left: int


def segment_upload(
    *,
    segment: Segment,
    uploader,
    file_name: str,
    content: bytes,
    mode: str = REPLACE,
    request=None,
) -> UploadResult:
    """Make a static segment's members the customers of the file the uploader may see
    (`replace`), or add them (`add`); members outside the uploader's scope stay either way.
    The upload is kept with the numbers that matched no customer the uploader may see, and
    audited. UploadRefused for a file that cannot be read (nothing is written)."""
    if segment.kind != SegmentKind.STATIC:
        raise UploadRefused(_("Only a static segment takes an uploaded list."))
    numbers = upload_numbers_read(content, file_name=file_name)
    today = timezone.localdate()
    with transaction.atomic():
        _stage(numbers)
        staged = RawSQL(f"SELECT cust_no FROM {STAGE}", [])  # noqa: S611 (no user text)
        visible = scope_for_user(uploader, Customer.objects.all())
        matched = visible.filter(cust_no__in=staged)
        matched_numbers = set(matched.values_list("cust_no", flat=True))
        members = SegmentMember.objects.filter(segment=segment, customer_id=OuterRef("pk"))
        if mode == ADD:
            kept = Q(Exists(members))
        else:  # what the uploader cannot see is not theirs to remove
            kept = Q(Exists(members)) & ~Q(pk__in=visible.values("pk"))
        customers = Customer.objects.filter(
            Q(cust_no__in=staged, pk__in=visible.values("pk")) | kept
        )
        evaluation = members_set(segment, customers, day=today, trigger=EvaluationTrigger.UPLOAD)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {STAGE}")
        unmatched = [number for number in numbers if number not in matched_numbers]
        upload = SegmentUpload.objects.create(
            segment=segment,
            file_name=file_name[:255],
            uploaded_by=uploader,
            numbers=len(numbers),
            matched=len(matched_numbers),
            unmatched=unmatched[:UNMATCHED_KEPT],
        )
        audit_record(
            actor=uploader,
            action="segment.upload",
            target=segment,
            request=request,
            details={
                "file": upload.file_name,
                "mode": mode,
                "numbers": upload.numbers,
                "matched": upload.matched,
            },
        )
    return UploadResult(upload=upload, joined=evaluation.joined, left=evaluation.left)


def _stage(numbers: list[str]) -> None:
    """The numbers in a temporary table of this connection, for one statement to match."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} (cust_no varchar({NUMBER_MAX_LENGTH}))")
        for start in range(0, len(numbers), STAGE_BATCH):
            batch = numbers[start : start + STAGE_BATCH]
            cursor.executemany(f"INSERT INTO {STAGE} (cust_no) VALUES (%s)", [(n,) for n in batch])


# -- snapshots -----------------------------------------------------------------------------------


def snapshot_name(source: Segment, on: datetime.date) -> str:
    return _("%(segment)s on %(day)s") % {"segment": source.name, "day": on.isoformat()}


def segment_snapshot(
    *, source: Segment, on: datetime.date, name: str = "", created_by=None
) -> Segment:
    """A new static segment holding the dynamic `source`'s members as they were at the end
    of `on`: today's members for today, a past day's read back from the joined and left
    history (each customer's last change up to that day, one statement). Every member of
    the source, whoever takes it: snapshots are for the company-wide segment editors."""
    today = timezone.localdate()
    if not source.is_dynamic:
        raise SnapshotRefused(_("Only a dynamic segment can be frozen into a snapshot."))
    if on > today:
        raise SnapshotRefused(_("A snapshot cannot be of a day after today."))
    first = (
        SegmentChange.objects.filter(segment=source).order_by("day").values_list("day", flat=True)
    ).first()
    if first is None or on < first:
        raise SnapshotRefused(
            _(
                "The segment has no members' history on %(day)s: "
                "it was first evaluated on %(first)s."
            )
            % {"day": on.isoformat(), "first": first.isoformat() if first else "—"}
        )
    name = name.strip() or snapshot_name(source, on)
    if Segment.objects.filter(name=name).exists():
        raise SnapshotRefused(_("A segment named “%(name)s” exists already.") % {"name": name})
    customers = members_on(source, on)
    with transaction.atomic():
        snapshot = Segment.objects.create(
            name=name,
            kind=SegmentKind.STATIC,
            description=source.description,
            frozen_from=source,
            frozen_on=on,
            created_by=created_by,
        )
        members_set(snapshot, customers, day=on, trigger=EvaluationTrigger.SNAPSHOT)
    snapshot.refresh_from_db()
    return snapshot


def members_on(segment: Segment, on: datetime.date):
    """The segment's members at the end of day `on`, from its history: the customers whose
    last change up to that day is a join (the latest evaluation wins within a day)."""
    if on >= timezone.localdate():
        return Customer.objects.filter(
            pk__in=SegmentMember.objects.filter(segment=segment).values("customer_id")
        )
    changes = SegmentChange.objects.filter(segment=segment, day__lte=on)
    last = changes.filter(customer_id=OuterRef("customer_id")).order_by("-day", "-pk")
    joined = changes.filter(pk=last.values("pk")[:1], joined=True)
    return Customer.objects.filter(pk__in=joined.values("customer_id"))
