"""The rules a row of a counter file must keep, each written once, in the three forms the
import needs: the exact reject reasons (which column, why), the cheap check that vouches
for most rows of the checked path, and the predicate of the one-pass load.

A rule of a column kind (number, date, code, length, pattern) yields all three; `FileRules`
puts a file's rules together for the checked path (checked.py) and the one-pass load
(one_pass.py). Every form reads the normalised value (normalise.py); the one-pass forms
accept no value the exact forms reject.
"""

import datetime
from dataclasses import dataclass
from functools import cached_property

from crm.dates import EARLIEST
from crm.sql import literal

from ..specs import (
    BAD_FORMAT,
    DATE_OUT_OF_RANGE,
    DUPLICATE,
    NOT_A_DATE,
    NOT_A_NUMBER,
    NUMBER_TOO_LARGE,
    REQUIRED,
    TOO_LONG,
    UNKNOWN_CODE,
    Column,
    FileSpec,
    Reference,
    column_codes,
)
from .dialect import EtlDialect

NUMBER = "[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)"
DECIMAL_RE = f"^{NUMBER}$"
ISO_DATE_RE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
SAFE_DAY = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"  # a day every month has
# A problem is a condition true for a value that breaks the rule, and its reason.
Problem = tuple[str, str]


def _joined_match(dialect: EtlDialect, texts: list[str], pattern: str) -> str:
    """One regular expression over several values joined by "|" instead of one per value."""
    joined = " || '|' || ".join(texts)
    return dialect.matches(f"({joined})", f"^{pattern}([|]{pattern})*$")


class Rule:
    """One rule of a column. `problems` and `one_pass` read a present value; `quick` may
    see a null. A rule may check the whole row's values of its kind together instead
    (`quick_row`, `one_pass_row`)."""

    # Length and pattern look at the text alone: the one-pass load checks them on a
    # referenced table's key instead of on every file row that must find it.
    text_only = False
    # The one-pass predicate fails a padded or blank value, so the one-pass load need not
    # trim it (the checked path trims, and decides).
    fails_padded = False
    # The one-pass load reads the value as it stands: its cast takes the spaces a trim would.
    read_as_cast = False

    def problems(self, value: str) -> list[Problem]:
        return []

    def quick(self, value: str) -> list[str]:
        return []

    def one_pass(self, value: str) -> list[str]:
        return []


@dataclass(frozen=True)
class DecimalRule(Rule):
    """A number: signs, digits and one point, and few enough digits before the point for
    the target column (`integer_digits`, None when it loads into none)."""

    dialect: EtlDialect
    integer_digits: int | None
    read_as_cast = True

    def problems(self, value: str) -> list[Problem]:
        found = [(f"NOT ({self.dialect.matches(value, DECIMAL_RE)})", NOT_A_NUMBER)]
        if digits := self.integer_digits:
            fits = f"^[+-]?0*[0-9]{{0,{digits}}}([.][0-9]*)?$"
            found.append((f"NOT ({self.dialect.matches(value, fits)})", NUMBER_TOO_LARGE))
        return found

    @staticmethod
    def quick_row(rules: "list[tuple[str, DecimalRule]]", dialect: EtlDialect) -> list[str]:
        """Every number of the row matched as one string, and each kept short enough to fit
        every target column."""
        if not rules:
            return []
        values = [value for value, _ in rules]
        checks = [_joined_match(dialect, [f"COALESCE({v}, '0')" for v in values], NUMBER)]
        fits = min(rule.integer_digits or 18 for _, rule in rules)
        if len(values) == 1:
            return [*checks, f"COALESCE(length({values[0]}), 0) <= {fits}"]
        lengths = ", ".join(f"COALESCE(length({v}), 0)" for v in values)
        longest = f"greatest({lengths})" if dialect.postgres else f"max({lengths})"
        return [*checks, f"{longest} <= {fits}"]

    @staticmethod
    def one_pass_row(rules: "list[tuple[str, DecimalRule]]") -> list[str]:
        """Only signs, digits, points and spaces in every number of the row, so that the cast
        accepts exactly what DECIMAL_RE accepts after a trim (no NaN, Infinity, exponents,
        hex or underscores; an inner space fails it); a number too large fails the cast to
        its column's precision."""
        if not rules:
            return []
        # || of COALESCEd values costs less than concat(), which formats each argument.
        joined = " || ".join(f"COALESCE({value}, '')" for value, _ in rules)
        return [f"({joined}) ~ '^[0-9.+ -]*$'"]


@dataclass(frozen=True)
class DateRule(Rule):
    """An ISO date (once normalised) that names a real day, from 1900 to `days_ahead` after
    the business day."""

    dialect: EtlDialect
    day: datetime.date
    days_ahead: int
    fails_padded = True

    def problems(self, value: str) -> list[Problem]:
        return [
            (f"NOT ({self.dialect.matches(value, ISO_DATE_RE)})", NOT_A_DATE),
            (f"NOT {self.dialect.valid_calendar_date(value)}", NOT_A_DATE),
            (f"NOT {self.in_bounds(value)}", DATE_OUT_OF_RANGE),
        ]

    def one_pass(self, value: str) -> list[str]:
        """The business day as text (what most dates of a day's file hold), or a cast that
        parses and whose round trip (under DateStyle ISO, see the loader) gives exactly
        YYYY-MM-DD back."""
        round_trip = f"CAST(CAST({value} AS date) AS text) = {value}"
        return [
            (
                f"{value} = {day_text(self.day)} OR (octet_length({value}) = 10 AND {round_trip}"
                f" AND {self.in_bounds(value)})"
            )
        ]

    def in_bounds(self, value: str) -> str:
        """A well-formed ISO date text in range (compared as text: the shape is checked
        first, so text order is date order)."""
        latest = self.day + datetime.timedelta(days=self.days_ahead)
        return (
            f"({value} BETWEEN {literal(EARLIEST.isoformat())} AND {literal(latest.isoformat())})"
        )

    @staticmethod
    def quick_row(rules: "list[tuple[str, DateRule]]", dialect: EtlDialect) -> list[str]:
        """Every date of the row matched as one string, up to the 28th (valid in every
        month), and each in range."""
        if not rules:
            return []
        texts = [f"COALESCE({value}, '2000-01-01')" for value, _ in rules]
        return [
            _joined_match(dialect, texts, SAFE_DAY),
            *(f"({value} IS NULL OR {rule.in_bounds(value)})" for value, rule in rules),
        ]


@dataclass(frozen=True)
class CodeRule(Rule):
    """One of the contract's codes (a flag is Y or N), once the profile's codes are mapped."""

    codes: tuple[str, ...]
    fails_padded = True

    def allowed(self, value: str) -> str:
        return f"{value} IN ({', '.join(literal(code) for code in self.codes)})"

    def problems(self, value: str) -> list[Problem]:
        return [(f"NOT ({self.allowed(value)})", UNKNOWN_CODE)]

    def quick(self, value: str) -> list[str]:
        return [f"({value} IS NULL OR {self.allowed(value)})"]

    def one_pass(self, value: str) -> list[str]:
        return [self.allowed(value)]


@dataclass(frozen=True)
class LengthRule(Rule):
    """At most `max_length` characters."""

    max_length: int
    text_only = True

    def problems(self, value: str) -> list[Problem]:
        return [(f"length({value}) > {self.max_length}", TOO_LONG)]

    def quick(self, value: str) -> list[str]:
        return [f"COALESCE(length({value}), 0) <= {self.max_length}"]

    def one_pass(self, value: str) -> list[str]:
        # octet_length is free, length is not; a value short in bytes is short in characters.
        return [
            f"(octet_length({value}) <= {self.max_length} OR length({value}) <= {self.max_length})"
        ]


@dataclass(frozen=True)
class PatternRule(Rule):
    """Matches the column's extra regular expression."""

    dialect: EtlDialect
    pattern: str
    text_only = True

    def problems(self, value: str) -> list[Problem]:
        return [(f"NOT ({self.dialect.matches(value, self.pattern)})", BAD_FORMAT)]

    def quick(self, value: str) -> list[str]:
        return [f"({value} IS NULL OR {self.dialect.matches(value, self.pattern)})"]

    def one_pass(self, value: str) -> list[str]:
        return [self.dialect.matches(value, self.pattern)]


def column_rules(column: Column, spec: FileSpec, dialect: EtlDialect, day: datetime.date):
    """The rules of one column, in the order its problems are reported."""
    rules: list[Rule] = []
    if column.kind == "decimal":
        rules.append(DecimalRule(dialect, spec.integer_digits(column.name)))
    elif column.kind == "date":
        rules.append(DateRule(dialect, day, column.days_ahead))
    elif codes := column_codes(column):
        rules.append(CodeRule(codes))
    if column.max_length:
        rules.append(LengthRule(column.max_length))
    if column.pattern:
        rules.append(PatternRule(dialect, column.pattern))
    return rules


@dataclass(frozen=True)
class ReferenceRule:
    """A row whose key columns are all present must find its referenced row."""

    reference: Reference

    @property
    def problem(self) -> tuple[str, str, str]:
        ref = self.reference
        given = " AND ".join(f"n.{src} IS NOT NULL" for src in ref.file_columns)
        return (f"{given} AND r_{ref.alias}.{ref.value} IS NULL", ref.column, ref.reason)

    @property
    def one_pass(self) -> str:
        return f"NOT ({self.problem[0]})"


@dataclass(frozen=True)
class CheckRule:
    """A further row rule of the spec (`FileSpec.checks`), its condition filled in."""

    condition: str
    column: str
    reason: str

    @property
    def problem(self) -> tuple[str, str, str]:
        return (self.condition, self.column, self.reason)

    @property
    def one_pass(self) -> str:
        return f"NOT COALESCE(({self.condition}), FALSE)"


@dataclass(frozen=True)
class DuplicateKeyRule:
    """The file's key is unique: a later line with a key already seen is rejected. The
    checked path finds the repeats in a table `d` of them (checked.py); the one-pass load
    counts distinct keys or fails on the target's unique key."""

    key: tuple[str, ...]

    @property
    def problem(self) -> tuple[str, str, str]:
        return (
            "d.first_line IS NOT NULL AND n.line_no > d.first_line",
            ",".join(self.key),
            DUPLICATE,
        )

    @property
    def distinct_keys(self) -> str:
        keys = ", ".join(f"n.{name}" for name in self.key)
        return f"count(DISTINCT ({keys}))" if len(self.key) > 1 else f"count(DISTINCT {keys})"


def day_text(day: datetime.date) -> str:
    """The business day as the file writes it once normalised."""
    return literal(day.isoformat())


class FileRules:
    """Every rule of one file over its normalised rows `n` (and their reference joins
    `r_<alias>`), put together for each road that needs them."""

    def __init__(
        self,
        spec: FileSpec,
        dialect: EtlDialect,
        day: datetime.date,
        checks: list[tuple[str, str, str]],
    ):
        self.spec = spec
        self.dialect = dialect
        self.columns = [
            (column, column_rules(column, spec, dialect, day)) for column in spec.columns
        ]
        self._rules_of = {column.name: rules for column, rules in self.columns}
        self.references = [ReferenceRule(ref) for ref in spec.references if ref.reason]
        self.checks = [CheckRule(*check) for check in checks]
        self.duplicate_key = DuplicateKeyRule(spec.key)

    # -- the checked path ---------------------------------------------------------------
    def required_problems(self) -> list[tuple[str, str, str]]:
        return [(f"n.{name} IS NULL", name, REQUIRED) for name in self.spec.required_columns]

    def format_problems(self) -> list[tuple[str, str, str]]:
        """Each column's problems, in column order. Only rows that fail `quick_check` are
        taken through these: they are exact, and they name the column."""
        return [
            (f"n.{column.name} IS NOT NULL AND {condition}", column.name, reason)
            for column, rules in self.columns
            for rule in rules
            for condition, reason in rule.problems(f"n.{column.name}")
        ]

    def quick_check(self) -> str:
        """True for a row whose every value is well formed, in a few cheap expressions. A
        row it cannot vouch for is not rejected: it goes through `format_problems`."""
        checks = [
            *DecimalRule.quick_row(self._of_kind(DecimalRule), self.dialect),
            *DateRule.quick_row(self._of_kind(DateRule), self.dialect),
        ]
        for column, rules in self.columns:
            checks += [check for rule in rules for check in rule.quick(f"n.{column.name}")]
        return " AND ".join(checks) or "TRUE"

    def relation_problems(self) -> list[tuple[str, str, str]]:
        """What a row must find: its references, the spec's further checks, a key of its own."""
        return [
            *(rule.problem for rule in self.references),
            *(rule.problem for rule in self.checks),
            self.duplicate_key.problem,
        ]

    # -- the one-pass load --------------------------------------------------------------
    @cached_property
    def vouched_by_reference(self) -> set[str]:
        """File columns that are keys of a reference a row must find (or be left out)."""
        return {src for rule in self.references for src in rule.reference.file_columns}

    def one_pass_reading(self, column: Column) -> dict[str, bool]:
        """How the one-pass load normalises the column (Normalising.value's arguments)."""
        rules = self._rules_of[column.name]
        if any(rule.read_as_cast for rule in rules):
            return {"as_cast": True}
        if any(rule.fails_padded for rule in rules) or column.name in self.vouched_by_reference:
            # A padded or blank value fails what follows (the code list, the date round
            # trip, the reference lookup), and the checked path trims it.
            return {"trim": False}
        return {}

    def one_pass_rules(self) -> list[str]:
        """The rules of the checked path in forms that are cheap on a million rows."""
        found = [f"n.{name} IS NOT NULL" for name in self.spec.required_columns]
        for column, rules in self.columns:
            value = f"n.{column.name}"
            found += [
                f"({value} IS NULL OR {predicate})"
                for rule in rules
                if not rule.text_only
                for predicate in rule.one_pass(value)
            ]
            if column.name not in self.vouched_by_reference and (
                text := self.text_rules(column.name, value)
            ):
                found.append(f"({value} IS NULL OR ({' AND '.join(text)}))")
        found += DecimalRule.one_pass_row(self._of_kind(DecimalRule))
        found += [rule.one_pass for rule in self.references]
        found += [rule.one_pass for rule in self.checks]
        return found

    def text_rules(self, name: str, value: str) -> list[str]:
        """The one-pass forms of the column's rules on its text alone, over `value` (a file
        value, or the key column of the referenced table it must find)."""
        return [
            predicate
            for rule in self._rules_of[name]
            if rule.text_only
            for predicate in rule.one_pass(value)
        ]

    def _of_kind(self, kind: type) -> list:
        return [
            (f"n.{column.name}", rule)
            for column, rules in self.columns
            for rule in rules
            if isinstance(rule, kind)
        ]
