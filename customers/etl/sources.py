"""Reading a delivered day folder: the manifest, each file's header under an import profile,
and the rows of a file for the portable path. Files are streamed, never held whole.
"""

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext_noop

from customers.models import ImportProfile

from .specs import NUL_CHARACTER, SPECS, WRONG_FIELD_COUNT, FileSpec, kept_raw
from .sql import Layout

CHUNK = 1 << 20

# The longest line a counter file may hold, in bytes. A legitimate line can run to megabytes
# (a counter once wrote a 5 MB remark), far past the csv module's default field limit of
# 128 KiB, which would make it an uncaught csv.Error; such a line is read and rejected alone
# (its field is too long for its column). A longer line refuses its file
# (verify_against_manifest); the csv module reads fields up to the same length, so that only
# a quoted field spanning lines can exceed it, and that refuses its file as not valid CSV.
LINE_LIMIT = 16 * 1024 * 1024
csv.field_size_limit(LINE_LIMIT)
assert CHUNK <= LINE_LIMIT, "verify_against_manifest measures only lines that cross a chunk"

# What a header read on the wrong delimiter still holds, by name (its refusal says so).
DELIMITER_NAMES = {
    ",": gettext_noop("commas"),
    "\t": gettext_noop("tabs"),
    ";": gettext_noop("semicolons"),
    "|": gettext_noop("vertical bars"),
}
HEADER_SHOWN = 60  # characters of a header quoted in a refusal


class RefusedFile(Exception):
    """A file refused whole: the message names the file and the cause.

    `cause` is an English template marked with gettext_noop, filled with `params`
    (%(name)s): `str()` is the English message (for logs and the run's `error`), `detail`
    what ImportRun.error_detail keeps so that ImportRun.error_text shows it in the reader's
    language. The params named in `translated` are messages themselves (a delimiter's name).
    """

    def __init__(self, filename: str, cause: str, *, translated: tuple[str, ...] = (), **params):
        self.filename = filename
        self.cause = cause
        self.params = {
            name: value if isinstance(value, int) else str(value) for name, value in params.items()
        }
        self.translated = translated
        super().__init__(f"{filename}: {cause % self.params}")

    @property
    def detail(self) -> dict:
        """What ImportRun.error_detail keeps, for ImportRun.error_text to translate."""
        detail = {"file": self.filename, "cause": self.cause, "params": self.params}
        if self.translated:
            detail["translated"] = list(self.translated)
        return detail

    @classmethod
    def undecodable(cls, path: Path, encoding: str, reason: str) -> "RefusedFile":
        return cls(
            path.name,
            gettext_noop("cannot be decoded as %(encoding)s (%(reason)s)"),
            encoding=encoding.removesuffix("-sig"),
            reason=reason,
        )

    @classmethod
    def not_csv(cls, path: Path, line: int, error: csv.Error) -> "RefusedFile":
        return cls(
            path.name,
            gettext_noop("not valid CSV at line %(line)s (%(error)s)"),
            line=line,
            error=error,
        )


@dataclass(frozen=True)
class ManifestEntry:
    filename: str
    rows: int
    sha256: str


def python_encoding(profile: ImportProfile) -> str:
    # utf-8-sig reads a file with or without a byte-order mark.
    return "utf-8-sig" if profile.encoding == "utf-8" else profile.encoding


def read_manifest(folder: Path) -> dict[str, ManifestEntry]:
    path = folder / "manifest.csv"
    if not path.exists():
        raise RefusedFile("manifest.csv", gettext_noop("missing: the day is not complete yet"))
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not {"file", "rows", "sha256"} <= set(reader.fieldnames or ()):
                raise RefusedFile(
                    "manifest.csv", gettext_noop("needs the columns file, rows, sha256")
                )
            entries = {}
            for row in reader:
                name = (row["file"] or "").strip()
                entries[name] = ManifestEntry(
                    name, int(row["rows"]), (row["sha256"] or "").strip().lower()
                )
    except (UnicodeDecodeError, ValueError, csv.Error) as error:
        raise RefusedFile(
            "manifest.csv", gettext_noop("unreadable (%(error)s)"), error=error
        ) from error
    return entries


def manifest_digest(folder: Path) -> str:
    """The fingerprint of a delivery: a re-delivered day has a different manifest."""
    return hashlib.sha256((folder / "manifest.csv").read_bytes()).hexdigest()


def verify_against_manifest(path: Path, entry: ManifestEntry, encoding: str) -> None:
    """Refuse a file whose bytes or row count differ from what the counter announced, or
    that holds a line longer than LINE_LIMIT."""
    if not path.exists():
        raise RefusedFile(entry.filename, gettext_noop("listed in the manifest but not delivered"))
    digest = hashlib.sha256()
    newlines = 0
    last = b"\n"
    unended = 0  # bytes of the line that the chunks read so far have not ended
    too_long = None  # the number of the first line longer than LINE_LIMIT
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            # Only a line that crosses a chunk boundary can be longer than a chunk.
            if (first := chunk.find(b"\n")) < 0:
                unended += len(chunk)
            else:
                if too_long is None and unended + first > LINE_LIMIT:
                    too_long = newlines + 1
                unended = len(chunk) - chunk.rfind(b"\n") - 1
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    if too_long is None and unended > LINE_LIMIT:
        too_long = newlines + 1
    if digest.hexdigest() != entry.sha256:
        raise RefusedFile(entry.filename, gettext_noop("checksum does not match the manifest"))
    if too_long is not None:
        limit = f"{LINE_LIMIT // (1 << 20)} MiB"
        if too_long == 1:
            raise RefusedFile(
                entry.filename,
                gettext_noop("the header line is longer than %(limit)s, the most a line may hold"),
                limit=limit,
            )
        raise RefusedFile(
            entry.filename,
            gettext_noop("line %(line)s is longer than %(limit)s, the most a line may hold"),
            line=too_long,
            limit=limit,
        )
    lines = newlines + (0 if last == b"\n" else 1)
    if lines - 1 == entry.rows:
        return
    # Quoted fields may hold line breaks: count records properly before refusing.
    if count_records(path, encoding) != entry.rows:
        raise RefusedFile(
            entry.filename,
            gettext_noop("row count does not match the manifest (%(rows)s announced)"),
            rows=entry.rows,
        )


def count_records(path: Path, encoding: str) -> int:
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle)
            return max(sum(1 for _ in reader) - 1, 0)
    except UnicodeDecodeError as error:
        raise RefusedFile.undecodable(path, encoding, error.reason) from error
    except csv.Error as error:
        raise RefusedFile.not_csv(path, reader.line_num, error) from error


def read_header(path: Path, encoding: str, delimiter: str) -> list[str]:
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            header = next(reader, None)
    except UnicodeDecodeError as error:
        raise RefusedFile.undecodable(path, encoding, error.reason) from error
    except csv.Error as error:
        raise RefusedFile.not_csv(path, reader.line_num, error) from error
    if not header:
        raise RefusedFile(path.name, gettext_noop("empty file: no header line"))
    return [cell.strip() for cell in header]


def layout_for(
    spec: FileSpec, header: list[str], profile: ImportProfile, filename: str
) -> tuple[Layout, list[str]]:
    """Map a file's header onto its spec; return the layout and the ignored headers."""
    aliases = {
        alias.header: alias.column
        for alias in profile.aliases.all()
        if alias.file in ("", spec.name)
    }
    known = {column.name for column in spec.columns}
    positions: dict[str, int] = {}
    ignored = []
    for index, cell in enumerate(header):
        canonical = aliases.get(cell, cell)
        if canonical in known and canonical not in positions:
            positions[canonical] = index
        else:
            ignored.append(cell)
    missing = [name for name in spec.required_columns if name not in positions]
    if missing:
        raise _wrong_delimiter(spec, header, profile, filename) or RefusedFile(
            filename,
            gettext_noop("required column missing: %(columns)s"),
            columns=", ".join(missing),
        )
    codes: dict[str, dict[str, str]] = {}
    for mapping in profile.codes.all():
        if mapping.file in ("", spec.name) and mapping.column in known:
            codes.setdefault(mapping.column, {})[mapping.source] = mapping.target
    layout = Layout(
        spec=spec,
        positions=positions,
        width=len(header),
        date_format=profile.date_format,
        thousands_separator=profile.thousands_separator,
        codes=codes,
        delimiter=profile.delimiter_character,
    )
    return layout, ignored


def _wrong_delimiter(
    spec: FileSpec, header: list[str], profile: ImportProfile, filename: str
) -> RefusedFile | None:
    """The refusal of a header that lacks required columns because it was split on the
    wrong delimiter: it holds another delimiter at least once per column found, or it has
    at most half the columns the file requires. None for a header that looks split right.
    """
    delimiter = profile.delimiter_character
    line = delimiter.join(header)
    held, times = max(
        ((char, line.count(char)) for char in DELIMITER_NAMES if char != delimiter),
        key=lambda found: found[1],
    )
    with translation.override(None):  # the English name; error_text translates it
        expected = str(profile.delimiter_label)
    found = len(header)
    if times >= found:
        cause = (
            gettext_noop(
                "1 column found; the header holds %(held)s: is the delimiter right?"
                " The profile expects %(expected)s."
            )
            if found == 1
            else gettext_noop(
                "%(count)s columns found; the header holds %(held)s: is the delimiter right?"
                " The profile expects %(expected)s."
            )
        )
        return RefusedFile(
            filename,
            cause,
            translated=("held", "expected"),
            count=found,
            held=DELIMITER_NAMES[held],
            expected=expected,
        )
    required = len(spec.required_columns)
    if 2 * found <= required:
        cause = (
            gettext_noop(
                "1 column found where %(required)s are required; the header reads"
                " “%(start)s”: is the delimiter right? The profile expects %(expected)s."
            )
            if found == 1
            else gettext_noop(
                "%(count)s columns found where %(required)s are required; the header reads"
                " “%(start)s”: is the delimiter right? The profile expects %(expected)s."
            )
        )
        start = line if len(line) <= HEADER_SHOWN else line[:HEADER_SHOWN] + "…"
        return RefusedFile(
            filename,
            cause,
            translated=("expected",),
            count=found,
            required=required,
            start=start,
            expected=expected,
        )
    return None


def data_rows(
    path: Path, encoding: str, delimiter: str, width: int
) -> Iterator[tuple[int, list[str] | None, str, str]]:
    """(record number, fields, "", "") per data row, or (record number, None, the reason
    it is rejected, its raw text, cut as specs.kept_raw keeps it) for a line that cannot be
    staged: the wrong number of fields, or a NUL character (no database text holds one; the
    raw text shows it as U+FFFD).

    Record 1 is the first line after the header. Decoding errors raise RefusedFile.
    """
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader, None)
            for number, fields in enumerate(reader, start=1):
                if any("\x00" in field for field in fields):
                    raw = _as_csv(fields, delimiter).replace("\x00", "\ufffd")
                    yield number, None, NUL_CHARACTER, kept_raw(raw)
                elif len(fields) != width:
                    yield number, None, WRONG_FIELD_COUNT, kept_raw(_as_csv(fields, delimiter))
                else:
                    yield number, [field or None for field in fields], "", ""
    except UnicodeDecodeError as error:
        raise RefusedFile.undecodable(path, encoding, error.reason) from error
    except csv.Error as error:
        raise RefusedFile.not_csv(path, reader.line_num, error) from error


def _as_csv(fields: list[str], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(fields)
    return buffer.getvalue()


def check_decodable(path: Path, encoding: str) -> None:
    """Refuse an undecodable file before any of it is loaded (streamed, constant memory)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise RefusedFile.undecodable(path, encoding, error.reason) from error


def spec_for(filename: str) -> FileSpec | None:
    return SPECS.get(filename.removesuffix(".csv"))
