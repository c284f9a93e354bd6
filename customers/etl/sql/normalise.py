"""How a delivered file maps onto its spec (`Layout`), and its staged text normalised once
per value: trimmed, codes mapped to the canonical ones, thousands separators dropped, dates
rewritten as ISO text; and the rows they reference. Both the checked path and the one-pass
load read the rows this gives.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from crm.sql import literal

from ..specs import Column, FileSpec, Reference
from .dialect import EtlDialect


@dataclass(frozen=True)
class Layout:
    """How one delivered file maps onto its spec under a profile."""

    spec: FileSpec
    positions: dict[str, int]  # canonical column -> position in the file
    width: int  # number of columns in the file
    date_format: str  # a DateFormat value
    thousands_separator: str
    codes: dict[str, dict[str, str]]  # canonical column -> {code in file: canonical code}
    delimiter: str


class Normalising:
    """The normalised value of each column of a staged row `s`, the rows as `n`, and the
    rows they reference as `r_<alias>`."""

    def __init__(self, dialect: EtlDialect, layout: Layout, staging: str, day: datetime.date):
        self.dialect = dialect
        self.layout = layout
        self.staging = staging
        self.day = day

    def value(self, column: Column, *, trim: bool = True, as_cast: bool = False) -> str:
        """The column's value. `trim=False` leaves padding for a rule that fails a padded
        or blank value itself; `as_cast` leaves a number as it stands for a cast that takes
        the spaces a trim would (both for the one-pass load, see rules.Rule)."""
        position = self.layout.positions.get(column.name)
        if position is None:
            return "NULL"
        raw = f"s.c{position}"
        mapping = self.layout.codes.get(column.name)
        separator = self.layout.thousands_separator
        if as_cast and not mapping:
            return f"replace({raw}, {literal(separator)}, '')" if separator else raw
        if trim:
            # trim() is dear on a million rows; most values need none.
            expr = (
                f"(CASE WHEN {raw} LIKE ' %' OR {raw} LIKE '% ' OR {raw} = '' "
                f"THEN NULLIF(trim({raw}), '') ELSE {raw} END)"
            )
        else:
            expr = raw
        if mapping:
            cases = " ".join(
                f"WHEN {literal(src)} THEN {literal(dst)}" for src, dst in sorted(mapping.items())
            )
            expr = f"(CASE {expr} {cases} ELSE {expr} END)"
        if column.kind == "decimal" and separator:
            expr = f"replace({expr}, {literal(separator)}, '')"
        if column.kind == "date":
            expr = self._iso_date(expr)
        return expr

    def rows(self, value=None) -> str:
        """The staged rows with every value normalised once (by `value`, a function of the
        column, `self.value` unless given), under the fence, as `n`."""
        value = value or self.value
        normalised = ", ".join(
            f"{value(column)} AS {column.name}" for column in self.layout.spec.columns
        )
        return f"(SELECT s.line_no, {normalised} FROM {self.staging} s{self.dialect.fence}) n"

    def reference_joins(
        self, key_rules: Callable[[Reference], list[str]] | None = None
    ) -> list[str]:
        """LEFT JOINs of the spec's references; `key_rules` gives for a reference the rules
        the referenced rows must keep to be looked at (the one-pass load's, see there)."""
        joins = []
        for ref in self.layout.spec.references:
            alias = f"r_{ref.alias}"
            conditions = " AND ".join(
                f"{alias}.{target} = {self._source(source)}" for target, source in ref.on
            )
            table = ref.table
            if key_rules and (rules := key_rules(ref)):
                table = f"(SELECT * FROM {ref.table} WHERE {' AND '.join(rules)})"
            joins.append(f"LEFT JOIN {table} {alias} ON {conditions}")
        return joins

    def _source(self, source: str) -> str:
        """A reference's `on` value (specs.Reference)."""
        if source == "day":
            return self.dialect.day(self.day)
        if source.startswith("ref:"):
            return f"r_{source[4:]}.id"
        return f"n.{source}"

    def _iso_date(self, expr: str) -> str:
        date_format = self.layout.date_format
        if date_format == "YYYYMMDD":
            return (
                f"(CASE WHEN {self.dialect.matches(expr, '^[0-9]{8}$')} THEN substr({expr}, 1, 4)"
                f" || '-' || substr({expr}, 5, 2) || '-' || substr({expr}, 7, 2)"
                f" ELSE {expr} END)"
            )
        if date_format == "YYYY/MM/DD":
            return f"replace({expr}, '/', '-')"
        return expr
