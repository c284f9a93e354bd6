"""Rewrites a canonical day folder in the layout an import profile describes (its headers,
codes, date format, thousands separator and encoding): the inverse of what the import does."""

import csv
import hashlib
import io
from pathlib import Path

from customers.etl.specs import SPECS
from customers.models import ImportProfile


def rewrite_for_profile(source: Path, target: Path, profile: ImportProfile) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    manifest = []
    for spec in SPECS.values():
        path = source / spec.filename
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            rows = list(reader)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=profile.delimiter_character, lineterminator="\n")
        writer.writerow([_header(profile, spec.name, column) for column in header])
        for row in rows:
            writer.writerow(
                [
                    _value(profile, spec, column, value)
                    for column, value in zip(header, row, strict=True)
                ]
            )
        data = out.getvalue().encode(profile.encoding)
        (target / spec.filename).write_bytes(data)
        manifest.append([spec.filename, str(len(rows)), hashlib.sha256(data).hexdigest()])
    with (target / "manifest.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "rows", "sha256"])
        writer.writerows(manifest)
    return target


def _header(profile, file, column):
    for alias in profile.aliases.filter(column=column).order_by("-file"):
        if alias.file in (file, ""):
            return alias.header
    return column


def _value(profile, spec, column, value):
    if not value:
        return value
    kind = next((c.kind for c in spec.columns if c.name == column), "text")
    for mapping in profile.codes.filter(column=column, target=value).order_by("-file"):
        if mapping.file in (spec.name, ""):
            return mapping.source
    if kind == "date" and profile.date_format == "YYYYMMDD":
        return value.replace("-", "")
    if kind == "decimal" and profile.thousands_separator:
        whole, dot, fraction = value.partition(".")
        sign = "-" if whole.startswith("-") else ""
        grouped = f"{int(whole.lstrip('-+') or 0):,}".replace(",", profile.thousands_separator)
        return f"{sign}{grouped}{dot}{fraction}"
    return value
