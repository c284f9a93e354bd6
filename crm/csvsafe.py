"""CSV exports that are safe to open in a spreadsheet.

A cell that a spreadsheet would read as a formula gets a leading apostrophe, which the
spreadsheet shows as text; plain negative numbers stay numbers (CSV injection). Exports are
UTF-8 with a byte order mark, so that Excel opens Chinese text right. Pure and tested alone.
"""

import codecs
import csv
import re
from collections.abc import Iterable, Iterator

# What Excel, LibreOffice and Google Sheets start a formula (or a DDE call) with.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NEGATIVE_NUMBER = re.compile(r"-[0-9]+(?:\.[0-9]+)?")


def csv_safe(value: str) -> str:
    """`=HYPERLINK(...)` → `'=HYPERLINK(...)`; `-12.50` stays `-12.50`."""
    if value.startswith(FORMULA_PREFIXES) and not NEGATIVE_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns what it was given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(rows: Iterable[Iterable], *, lines_per_chunk: int = 500) -> Iterator[bytes]:
    """Rows of cells (the header first) as safe CSV bytes, a few hundred lines at a time, for
    a streamed response; the byte order mark comes once, at the start."""
    encoder = codecs.getincrementalencoder("utf-8-sig")()
    writer = csv.writer(_Echo())
    lines = []
    for row in rows:
        lines.append(writer.writerow([csv_safe(str(cell)) for cell in row]))
        if len(lines) >= lines_per_chunk:
            yield encoder.encode("".join(lines))
            lines = []
    if lines:
        yield encoder.encode("".join(lines))
