"""The one-pass load: one INSERT straight from the staged rows into the target, for a file
with nothing to reject (PostgreSQL only). It loads the rows that pass the one-pass forms of
the file's rules (rules.py) and leaves out the others; the loader keeps it only when it
loaded every row, and otherwise takes the file through the checked path (checked.py).
"""

import datetime

from ..specs import Column, Reference
from .normalise import Normalising
from .rules import FileRules, day_text
from .target import Target


class OnePass:
    def __init__(
        self,
        normalising: Normalising,
        rules: FileRules,
        target: Target,
        *,
        day: datetime.date,
        late: bool,
    ):
        self.normalising, self.rules, self.target = normalising, rules, target
        self.dialect = normalising.dialect
        self.spec = normalising.layout.spec
        self.day = day
        self.late = late

    @property
    def possible(self) -> bool:
        """On PostgreSQL, for files that need no step before they load, except master data
        of a late day (its upsert keeps what is there, so a repeated key would not show)."""
        return (
            self.dialect.postgres
            and not self.spec.before_load
            and not (self.spec.master and self.late)
        )

    @property
    def counts_first(self) -> bool:
        """Master data leaves unchanged rows out of its load, so the rows loaded cannot say
        whether a row broke a rule: `count` must vouch for every row first."""
        return self.spec.master

    def load(self, *, insert_only: bool = False, into: str | None = None) -> str:
        """One pass from the staged rows into the target.

        Values that do not parse make the casts fail, and a key given twice fails the unique
        key. The caller runs it under a savepoint and keeps it only when it loaded every
        staged row (for master data, when `count` vouched for every row first). Its rules
        accept no row the checked path would reject.

        `into` names a new, empty table shaped like the target (a day partition still to
        attach, see etl/partitions.py; the caller then loads it `insert_only`, as nothing
        can conflict): it takes the business day's rows only, and leaves a flow's rows of
        other days out.
        """
        return self.target.insert(
            self._source(only_the_day=into is not None),
            columns={c.name: self._typed(f"n.{c.name}", c) for c in self.spec.columns},
            refs={r.alias: f"r_{r.alias}.{r.value}" for r in self.spec.references},
            insert_only=insert_only,
            into=into,
        )

    def count(self) -> str:
        """The rows that pass every rule of the one-pass load, and their distinct keys
        (equal when no key repeats)."""
        return f"SELECT count(*), {self.rules.duplicate_key.distinct_keys} {self._source()}"

    def existing_rows_for_the_day(self) -> str | None:
        """For a flow file: whether the business day already has rows (a row of another day
        that exists makes an insert only fail on the key, and the checked path settles it)."""
        column = self.spec.day_column
        if column is None:
            return None
        return (
            f"SELECT 1 FROM {self.spec.table} WHERE {column} = {self.dialect.day(self.day)} LIMIT 1"
        )

    def _source(self, *, only_the_day: bool = False) -> str:
        joins = " ".join(self.normalising.reference_joins(self._key_rules))
        rules = " AND ".join(self.rules.one_pass_rules())
        if only_the_day and self.spec.day_column:
            rules += f" AND n.{self.spec.day_column} = {day_text(self.day)}"
        rows = self.normalising.rows(self._value)
        return f"FROM {rows} {joins} WHERE {rules}"

    def _value(self, column: Column) -> str:
        return self.normalising.value(column, **self.rules.one_pass_reading(column))

    def _key_rules(self, ref: Reference) -> list[str]:
        """A required reference looks only at rows whose key values pass the rules of the
        file columns they are compared with (rules.Rule.text_only), so that those rules are
        checked once per referenced row, not once per file row."""
        if not ref.reason:
            return []
        return [
            rule
            for target, source in ref.on
            if source in self.rules.vouched_by_reference
            for rule in self.rules.text_rules(source, target)
        ]

    def _typed(self, expr: str, column: Column) -> str:
        """A value typed for the target; a date that is the business day as text (most of
        a day's file) takes the day's constant without being parsed."""
        typed = self.dialect.typed(expr, column)
        if column.kind == "date":
            return (
                f"(CASE WHEN {expr} = {day_text(self.day)} THEN {self.dialect.day(self.day)} "
                f"ELSE {typed} END)"
            )
        return typed
