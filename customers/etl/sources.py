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

from customers.models import ImportProfile

from .specs import NUL_CHARACTER, SPECS, WRONG_FIELD_COUNT, FileSpec
from .sql import Layout

CHUNK = 1 << 20


class RefusedFile(Exception):
    """A file refused whole: the message names the file and the cause."""

    def __init__(self, filename: str, cause: str):
        super().__init__(f"{filename}: {cause}")
        self.filename = filename
        self.cause = cause

    @classmethod
    def undecodable(cls, path: Path, encoding: str, error: UnicodeDecodeError) -> "RefusedFile":
        return cls(path.name, f"cannot be decoded as {encoding} ({error.reason})")


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
        raise RefusedFile("manifest.csv", "missing: the day is not complete yet")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not {"file", "rows", "sha256"} <= set(reader.fieldnames or ()):
                raise RefusedFile("manifest.csv", "needs the columns file, rows, sha256")
            entries = {}
            for row in reader:
                name = (row["file"] or "").strip()
                entries[name] = ManifestEntry(
                    name, int(row["rows"]), (row["sha256"] or "").strip().lower()
                )
    except (UnicodeDecodeError, ValueError, csv.Error) as error:
        raise RefusedFile("manifest.csv", f"unreadable ({error})") from error
    return entries


def manifest_digest(folder: Path) -> str:
    """The fingerprint of a delivery: a re-delivered day has a different manifest."""
    return hashlib.sha256((folder / "manifest.csv").read_bytes()).hexdigest()


def verify_against_manifest(path: Path, entry: ManifestEntry, encoding: str) -> None:
    """Refuse a file whose bytes or row count differ from what the counter announced."""
    if not path.exists():
        raise RefusedFile(entry.filename, "listed in the manifest but not delivered")
    digest = hashlib.sha256()
    newlines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    if digest.hexdigest() != entry.sha256:
        raise RefusedFile(entry.filename, "checksum does not match the manifest")
    lines = newlines + (0 if last == b"\n" else 1)
    if lines - 1 == entry.rows:
        return
    # Quoted fields may hold line breaks: count records properly before refusing.
    if count_records(path, encoding) != entry.rows:
        raise RefusedFile(
            entry.filename, f"row count does not match the manifest ({entry.rows} announced)"
        )


def count_records(path: Path, encoding: str) -> int:
    try:
        with path.open(encoding=encoding, newline="") as handle:
            return max(sum(1 for _ in csv.reader(handle)) - 1, 0)
    except UnicodeDecodeError as error:
        raise RefusedFile.undecodable(path, encoding, error) from error


def read_header(path: Path, encoding: str, delimiter: str) -> list[str]:
    try:
        with path.open(encoding=encoding, newline="") as handle:
            header = next(csv.reader(handle, delimiter=delimiter), None)
    except UnicodeDecodeError as error:
        raise RefusedFile.undecodable(path, encoding, error) from error
    if not header:
        raise RefusedFile(path.name, "empty file: no header line")
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
        raise RefusedFile(filename, f"required column missing: {', '.join(missing)}")
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
        delimiter=profile.delimiter,
    )
    return layout, ignored


def data_rows(
    path: Path, encoding: str, delimiter: str, width: int
) -> Iterator[tuple[int, list[str] | None, str, str]]:
    """(record number, fields, "", "") per data row, or (record number, None, the reason
    it is rejected, its raw text) for a line that cannot be staged: the wrong number of
    fields, or a NUL character (no database text holds one; the raw text shows it as
    U+FFFD).

    Record 1 is the first line after the header. Decoding errors raise RefusedFile.
    """
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader, None)
            for number, fields in enumerate(reader, start=1):
                if any("\x00" in field for field in fields):
                    raw = _as_csv(fields, delimiter).replace("\x00", "\ufffd")
                    yield number, None, NUL_CHARACTER, raw
                elif len(fields) != width:
                    yield number, None, WRONG_FIELD_COUNT, _as_csv(fields, delimiter)
                else:
                    yield number, [field or None for field in fields], "", ""
    except UnicodeDecodeError as error:
        raise RefusedFile.undecodable(path, encoding, error) from error
    except csv.Error as error:
        raise RefusedFile(path.name, f"not valid CSV ({error})") from error


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
        raise RefusedFile.undecodable(path, encoding, error) from error


def spec_for(filename: str) -> FileSpec | None:
    return SPECS.get(filename.removesuffix(".csv"))
