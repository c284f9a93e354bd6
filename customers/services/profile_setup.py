"""Setting an import profile up from a sample day: reading a day folder's headers and the
distinct values of its coded columns (`day_sample_read`), what is still unmapped under the
profile with proposals from other profiles (`profile_unmapped`), and writing the admin's
answers as column aliases and code mappings (`profile_setup_apply`). Uploads and forms live
in customers/admin_forms.py; the dry run of a day is `counter_day_dry_run` (imports.py).
"""

import csv
import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_noop

from customers.etl.sources import (
    RefusedFile,
    check_decodable,
    layout_for,
    python_encoding,
    read_header,
    spec_for,
)
from customers.etl.specs import SPECS, FileSpec, canonical_codes, canonical_columns, column_codes
from customers.models import COUNTER_FILES, CodeMapping, ColumnAlias, Encoding, ImportProfile
from customers.models.imports import message_translated

# A coded column holds a handful of values; a header with more distinct values than this is
# not tracked further (a code list that long is a wrong alias, not a dictionary to fill in).
VALUE_LIMIT = 200
FIRST_LINE_LIMIT = 1 << 16

DECODES_AS = gettext_noop("It decodes as %(encodings)s: is the profile's encoding right?")
LOOKS_LIKE_UTF8 = gettext_noop(
    "The header line is UTF-8, not %(encoding)s: is the profile's encoding right?"
)
CROWDED = gettext_noop(
    "%(header)s (%(column)s) holds more than %(limit)s distinct values: is it the right column?"
)


@dataclass(frozen=True)
class Note:
    """A message kept in English with its parameters and translated when shown (like the
    import's refusals, which set-up shows as notes), so that a reading carried from one
    request to the next speaks the reader's language."""

    message: str
    params: dict = field(default_factory=dict)
    translated: tuple[str, ...] = ()  # the params that are messages themselves

    @classmethod
    def of(cls, refusal: RefusedFile) -> "Note":
        return cls(refusal.cause, dict(refusal.params), tuple(refusal.translated))

    def __str__(self) -> str:
        return message_translated(self.message, self.params, self.translated)


@dataclass(frozen=True)
class FileSample:
    """One counter file of the sample: its header, and per header position the distinct
    values with their counts (None where the position is not tracked)."""

    file: str
    header: tuple[str, ...] = ()
    values: tuple[dict[str, int] | None, ...] = ()
    crowded: tuple[int, ...] = ()  # positions with more than VALUE_LIMIT distinct values
    rows: int = 0
    problems: tuple[Note, ...] = ()

    @property
    def readable(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class DaySample:
    """What set-up read from a day folder; small enough to carry in a signed form field.
    `ignored` holds the headers the admin chose to ignore during this set-up."""

    files: tuple[FileSample, ...]
    others: tuple[str, ...] = ()  # .csv files that are no counter file (nor the manifest)
    ignored: frozenset[tuple[str, str]] = frozenset()

    def with_ignored(self, headers) -> "DaySample":
        return dataclasses.replace(self, ignored=self.ignored | frozenset(headers))

    def as_data(self) -> dict:
        return {
            "files": [
                {
                    "file": sample.file,
                    "header": list(sample.header),
                    "values": list(sample.values),
                    "crowded": list(sample.crowded),
                    "rows": sample.rows,
                    "problems": [
                        [note.message, note.params, list(note.translated)]
                        for note in sample.problems
                    ],
                }
                for sample in self.files
            ],
            "others": list(self.others),
            "ignored": sorted(self.ignored),
        }

    @classmethod
    def from_data(cls, data: dict) -> "DaySample":
        return cls(
            files=tuple(
                FileSample(
                    file=item["file"],
                    header=tuple(item["header"]),
                    values=tuple(item["values"]),
                    crowded=tuple(item["crowded"]),
                    rows=item["rows"],
                    problems=tuple(
                        Note(message, params, tuple(translated))
                        for message, params, translated in item["problems"]
                    ),
                )
                for item in data["files"]
                if item["file"] in SPECS
            ),
            others=tuple(data["others"]),
            ignored=frozenset((file, header) for file, header in data["ignored"]),
        )


@dataclass(frozen=True)
class UnknownHeader:
    file: str
    header: str
    proposal: str  # a canonical column other profiles know the header as, or ""
    choices: tuple[str, ...]  # the file's canonical columns


@dataclass(frozen=True)
class MissingColumn:
    file: str
    column: str


@dataclass(frozen=True)
class UnmappedCode:
    """A value of a coded column that is neither a canonical code nor mapped by the profile.
    `scope` is the file the mapping would hold in, or "" where the column takes the same codes
    in every file (e.g. market), so that one answer serves every file the value is in."""

    scope: str
    column: str
    value: str
    count: int
    files: tuple[str, ...]
    proposal: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class FileReport:
    file: str
    rows: int
    header: tuple[str, ...]
    columns: dict[str, str]  # canonical column -> the header it is found by, under the profile
    problems: tuple[Note, ...]  # why the file could not be read under the profile
    ignored: tuple[str, ...] = ()  # headers the admin chose to ignore
    warnings: tuple[Note, ...] = ()  # what set-up could not list (a crowded coded column)

    @property
    def readable(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Unmapped:
    """What a sample day still needs from the profile, and what set-up proposes for it."""

    files: tuple[FileReport, ...]
    unknown_headers: tuple[UnknownHeader, ...]
    missing_columns: tuple[MissingColumn, ...]
    unmapped_codes: tuple[UnmappedCode, ...]
    absent: tuple[str, ...]  # counter files the sample does not hold
    others: tuple[str, ...]

    @property
    def problems(self) -> list[tuple[str, Note]]:
        return [
            (report.file, note)
            for report in self.files
            for note in (*report.problems, *report.warnings)
        ]

    @property
    def complete(self) -> bool:
        return bool(self.files) and not (
            self.unknown_headers or self.missing_columns or self.unmapped_codes or self.problems
        )


@dataclass(frozen=True)
class SetupAnswers:
    headers: dict[tuple[str, str], str]  # (file, header) -> canonical column; "" ignores it
    codes: dict[tuple[str, str, str], str]  # (scope, column, value) -> canonical code; "" leaves it


@dataclass(frozen=True)
class PlannedAlias:
    file: str
    header: str
    column: str
    answers: tuple[tuple[str, str], ...]  # the (file, header) answers it comes from


@dataclass(frozen=True)
class PlannedCode:
    file: str
    column: str
    source: str
    target: str


@dataclass(frozen=True)
class SetupSaved:
    aliases: int
    codes: int


# -- reading ----------------------------------------------------------------------------------


def day_sample_read(*, folder: Path, profile: ImportProfile) -> DaySample:
    """Read every counter file of the folder under the profile's encoding and delimiter: the
    header, and the distinct values (streamed, with counts) of every column that is coded
    or not yet known. A file that does not read is kept with what seems wrong with it."""
    profile = _with_rows(profile)
    samples, others = [], []
    for path in sorted(folder.glob("*.csv")):
        if path.name == "manifest.csv":
            continue
        spec = spec_for(path.name)
        if spec is None:
            others.append(path.name)
        else:
            samples.append(_file_sample(path, spec, profile))
    samples.sort(key=lambda sample: COUNTER_FILES.index(sample.file))
    return DaySample(files=tuple(samples), others=tuple(others))


def _file_sample(path: Path, spec: FileSpec, profile: ImportProfile) -> FileSample:
    encoding = python_encoding(profile)
    delimiter = profile.delimiter_character
    try:
        header = read_header(path, encoding, delimiter)
    except RefusedFile as refused:
        return FileSample(spec.name, problems=_refused(refused, path, profile))
    if refusal := _wrong_delimiter(spec, header, profile):
        return FileSample(spec.name, header=tuple(header), problems=(Note.of(refusal),))
    if looks_utf8 := _utf8_header_under_other_encoding(path, profile):
        return FileSample(spec.name, header=tuple(header), problems=(looks_utf8,))
    tracked = _tracked_positions(spec, header, profile)
    values: list[dict[str, int] | None] = [
        {} if index in tracked else None for index in range(len(header))
    ]
    crowded: set[int] = set()
    rows = 0
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader, None)
            for fields in reader:
                rows += 1
                if len(fields) != len(header):
                    continue  # the import rejects such a line; it shows no codes
                for index in tracked:
                    value = fields[index].strip()
                    if not value:
                        continue
                    counts = values[index]
                    assert counts is not None  # a tracked position has its counts
                    if value not in counts and len(counts) >= VALUE_LIMIT:
                        crowded.add(index)
                        values[index] = None
                        continue
                    counts[value] = counts.get(value, 0) + 1
                tracked -= crowded
    except UnicodeDecodeError as error:
        refusal = RefusedFile.undecodable(path, encoding, error.reason)
        refusal.__cause__ = error
        return FileSample(
            spec.name, header=tuple(header), problems=_refused(refusal, path, profile)
        )
    except csv.Error as error:
        refusal = RefusedFile.not_csv(path, reader.line_num, error)
        return FileSample(spec.name, header=tuple(header), problems=(Note.of(refusal),))
    return FileSample(
        spec.name,
        header=tuple(header),
        values=tuple(values),
        crowded=tuple(sorted(crowded)),
        rows=rows,
    )


def _tracked_positions(spec: FileSpec, header: list[str], profile: ImportProfile) -> set[int]:
    """Positions whose values set-up needs: coded columns, and headers the profile does not
    know yet (they may turn out coded once the admin names them)."""
    layout, _ignored = _layout(spec, header, profile)
    known = {index: column for column, index in layout.positions.items()}
    return {
        index
        for index in range(len(header))
        if index not in known or column_codes(spec.column(known[index]))
    }


def _refused(refusal: RefusedFile, path: Path, profile: ImportProfile) -> tuple[Note, ...]:
    """The import's refusal of the file, and for one that does not decode, which of the other
    encodings read it whole."""
    notes = [Note.of(refusal)]
    if isinstance(refusal.__cause__, UnicodeDecodeError):
        decoding = [
            str(other.label)
            for other in Encoding
            if other != profile.encoding
            and _decodes(path, "utf-8-sig" if other == Encoding.UTF8 else other.value)
        ]
        if decoding:
            notes.append(Note(DECODES_AS, {"encodings": ", ".join(decoding)}))
    return tuple(notes)


def _decodes(path: Path, encoding: str) -> bool:
    try:
        check_decodable(path, encoding)
    except RefusedFile:
        return False
    return True


def _wrong_delimiter(spec: FileSpec, header: list[str], profile: ImportProfile):
    """The import's own refusal of a header split on the wrong delimiter (it says which
    delimiter the header holds), or None. layout_for gives it in place of the plain "required
    column missing", which set-up lists as unmapped instead."""
    try:
        layout_for(spec, header, profile, spec.filename)
    except RefusedFile as refusal:
        return None if set(refusal.params) == {"columns"} else refusal
    return None


def _utf8_header_under_other_encoding(path: Path, profile: ImportProfile) -> Note | None:
    """GBK decodes many UTF-8 byte pairs into other characters: a header that is valid
    UTF-8 with non-ASCII text is UTF-8, whatever GBK made of it."""
    if profile.encoding == Encoding.UTF8:
        return None
    with path.open("rb") as handle:
        line = handle.read(FIRST_LINE_LIMIT).split(b"\n", 1)[0]
    if line.isascii():
        return None
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return Note(LOOKS_LIKE_UTF8, {"encoding": profile.get_encoding_display()})


# -- what is unmapped -------------------------------------------------------------------------


def profile_unmapped(*, sample: DaySample, profile: ImportProfile) -> Unmapped:
    """What the sample still needs from the profile: headers it does not know (with the column
    other profiles know each as), required columns no header gives, and values of coded
    columns that are neither canonical nor mapped (with their counts and proposals)."""
    profile = _with_rows(profile)
    header_votes = _header_votes(profile)
    code_votes = _code_votes(profile)
    reports, unknown, missing = [], [], []
    codes: dict[tuple[str, str, str], dict] = {}
    for file_sample in sample.files:
        spec = SPECS[file_sample.file]
        if not file_sample.readable:
            reports.append(
                FileReport(
                    file_sample.file,
                    file_sample.rows,
                    file_sample.header,
                    {},
                    file_sample.problems,
                )
            )
            continue
        layout, _ignored = _layout(spec, list(file_sample.header), profile)
        found = dict(layout.positions)
        columns = {column: file_sample.header[index] for column, index in found.items()}
        choices = tuple(canonical_columns(spec.name))
        ignored: list[str] = []
        seen = set(columns.values())
        for index, header in enumerate(file_sample.header):
            if index in found.values() or not header or header in seen:
                continue  # known, blank, or a repeat of a header already listed
            seen.add(header)
            if (spec.name, header) in sample.ignored:
                ignored.append(header)
                continue
            proposal = _best(header_votes.get(header), (spec.name,), choices)
            if proposal in found:
                proposal = ""
            if proposal:
                found[proposal] = index
            unknown.append(UnknownHeader(spec.name, header, proposal, choices))
        missing += [
            MissingColumn(spec.name, column)
            for column in spec.required_columns
            if column not in found
        ]
        warnings = []
        for column, index in found.items():
            allowed = column_codes(spec.column(column))
            if not allowed:
                continue
            if index in file_sample.crowded:
                header = file_sample.header[index]
                params = {"header": header, "column": column, "limit": VALUE_LIMIT}
                warnings.append(Note(CROWDED, params))
                continue
            mapped = layout.codes.get(column, {})
            for value, count in (file_sample.values[index] or {}).items():
                if value in mapped or value in allowed:
                    continue
                scope = _code_scope(column, spec.name)
                entry = codes.setdefault((scope, column, value), {"count": 0, "files": []})
                entry["count"] += count
                entry["files"].append(spec.name)
        reports.append(
            FileReport(
                spec.name,
                file_sample.rows,
                file_sample.header,
                columns,
                (),
                tuple(ignored),
                tuple(warnings),
            )
        )
    unmapped_codes = []
    for (scope, column, value), entry in sorted(codes.items()):
        allowed = canonical_codes(column, scope)
        files = tuple(entry["files"])
        unmapped_codes.append(
            UnmappedCode(
                scope=scope,
                column=column,
                value=value,
                count=entry["count"],
                files=files,
                proposal=_best(code_votes.get((column, value)), files, allowed),
                choices=allowed,
            )
        )
    read = {report.file for report in reports}
    return Unmapped(
        files=tuple(reports),
        unknown_headers=tuple(unknown),
        missing_columns=tuple(missing),
        unmapped_codes=tuple(unmapped_codes),
        absent=tuple(name for name in COUNTER_FILES if name not in read),
        others=sample.others,
    )


def _code_scope(column: str, file: str) -> str:
    """ "" where every file with the column takes the same codes, else the one file."""
    lists = {
        column_codes(candidate)
        for spec in SPECS.values()
        for candidate in spec.columns
        if candidate.name == column
    }
    return "" if len(lists) == 1 else file


def _header_votes(profile: ImportProfile) -> dict[str, Counter]:
    """How other profiles name each header: {header: Counter({(file, column): rows})}."""
    votes: dict[str, Counter] = {}
    rows = ColumnAlias.objects.exclude(profile=profile).values_list("file", "header", "column")
    for file, header, column in rows:
        votes.setdefault(header, Counter())[file, column] += 1
    return votes


def _code_votes(profile: ImportProfile) -> dict[tuple[str, str], Counter]:
    """How other profiles map each code: {(column, source): Counter({(file, target): rows})}."""
    votes: dict[tuple[str, str], Counter] = {}
    rows = CodeMapping.objects.exclude(profile=profile).values_list(
        "file", "column", "source", "target"
    )
    for file, column, source, target in rows:
        votes.setdefault((column, source), Counter())[file, target] += 1
    return votes


def _best(votes: Counter | None, files: tuple[str, ...], allowed) -> str:
    """The answer other profiles give most in these files (rows for the file first, then rows
    for every file), among the allowed answers; "" when none does."""
    for scopes in (files, ("",)):
        tally: Counter = Counter()
        for (file, answer), count in (votes or {}).items():
            if file in scopes and answer in allowed:
                tally[answer] += count
        if tally:
            return min(tally.items(), key=lambda item: (-item[1], item[0]))[0]
    return ""


# -- writing ----------------------------------------------------------------------------------


def profile_setup_rows(
    *, profile: ImportProfile, sample: DaySample, answers: SetupAnswers
) -> tuple[list[PlannedAlias], list[PlannedCode]]:
    """The aliases and code mappings the answers make. A header given the same column in
    every file of the sample it is unknown in becomes one alias for every file, unless it is
    a canonical column's name (which must keep its meaning elsewhere) or the profile already
    has an every-file alias for it; otherwise one alias per file."""
    profile = _with_rows(profile)
    every_file = {alias.header for alias in profile.aliases.all() if not alias.file}
    canonical = set(canonical_columns())
    by_header: dict[str, dict[str, str]] = {}
    for (file, header), column in answers.headers.items():
        by_header.setdefault(header, {})[file] = column
    aliases = []
    for header, per_file in sorted(by_header.items()):
        chosen = {column for column in per_file.values() if column}
        if not chosen:
            continue
        ignored_somewhere = "" in per_file.values() or any(
            ignored == header for _file, ignored in sample.ignored
        )
        if len(chosen) == 1 and not ignored_somewhere and header not in canonical | every_file:
            column = chosen.pop()
            answered = tuple((file, header) for file in sorted(per_file))
            aliases.append(PlannedAlias("", header, column, answered))
            continue
        aliases += [
            PlannedAlias(file, header, column, ((file, header),))
            for file, column in sorted(per_file.items())
            if column
        ]
    codes = [
        PlannedCode(scope, column, value, target)
        for (scope, column, value), target in sorted(answers.codes.items())
        if target
    ]
    return aliases, codes


@transaction.atomic
def profile_setup_apply(
    *, profile: ImportProfile, sample: DaySample, answers: SetupAnswers
) -> SetupSaved:
    """Write the answers as the profile's aliases and code mappings, all or none; saving the
    same answers twice changes nothing."""
    ImportProfile.objects.select_for_update().filter(pk=profile.pk).first()
    aliases, codes = profile_setup_rows(profile=profile, sample=sample, answers=answers)
    for alias in aliases:
        ColumnAlias.objects.update_or_create(
            profile=profile, file=alias.file, header=alias.header, defaults={"column": alias.column}
        )
    for code in codes:
        CodeMapping.objects.update_or_create(
            profile=profile,
            file=code.file,
            column=code.column,
            source=code.source,
            defaults={"target": code.target},
        )
    return SetupSaved(aliases=len(aliases), codes=len(codes))


# -- shared -----------------------------------------------------------------------------------


def _with_rows(profile: ImportProfile) -> ImportProfile:
    """The profile with its aliases and codes fetched once for every file read."""
    return ImportProfile.objects.prefetch_related("aliases", "codes").get(pk=profile.pk)


def _layout(spec: FileSpec, header: list[str], profile: ImportProfile):
    """The import's own mapping of a header onto the spec (customers.etl.sources.layout_for),
    asked without refusing a missing required column: set-up lists those instead."""
    optional = dataclasses.replace(
        spec, columns=tuple(dataclasses.replace(c, required=False) for c in spec.columns)
    )
    return layout_for(optional, header, profile, spec.filename)
