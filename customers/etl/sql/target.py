"""The INSERT of a file's rows into its target table, shared by the checked path and the
one-pass load: the spec's value templates filled in (specs.FileSpec says what they may
name), master rows left out when unchanged, and the ON CONFLICT rule of the file.
"""

import datetime

from ..specs import FileSpec
from .dialect import EtlDialect


class Target:
    def __init__(
        self, dialect: EtlDialect, spec: FileSpec, day: datetime.date, *, late: bool, checked: str
    ):
        self.dialect = dialect
        self.spec = spec
        self.day = day
        # A late day (later days already loaded) adds master rows but never overwrites them.
        self.late = late
        self.checked = checked

    def fill(self, template: str, *, columns: dict[str, str], refs: dict[str, str]) -> str:
        """A spec template with its file values (`columns`) and looked-up values (`refs`)."""
        return template.format(
            c=columns,
            r=refs,
            day=self.dialect.day(self.day),
            now="CURRENT_TIMESTAMP",
            checked=f"{self.checked} k",
            target=self.spec.table,
        )

    def insert(
        self,
        source: str,
        *,
        columns: dict[str, str],
        refs: dict[str, str],
        insert_only: bool,
        into: str | None = None,
    ) -> str:
        """INSERT of the target's values computed over `source`, into the target or the
        table `into` shaped like it; `insert_only` when no row of theirs can exist yet."""
        targets = list(self.spec.values)
        values = ", ".join(
            f"{self.fill(self.spec.values[t], columns=columns, refs=refs)} AS v{i}"
            for i, t in enumerate(targets)
        )
        rows = f"SELECT {values} {source}"
        if not insert_only and self.spec.master and not self.late:
            # Most of a daily full master is what the table already holds: leave those rows
            # out before the upsert, which would lock (and log) each one to find that out.
            keys = " AND ".join(f"x.{t} = v.v{targets.index(t)}" for t in self.spec.conflict)
            compared = self._compared()
            changed = self.dialect.differs(
                ", ".join(f"x.{t}" for t in compared),
                ", ".join(f"v.v{targets.index(t)}" for t in compared),
            )
            rows = (
                f"SELECT * FROM ({rows}) v WHERE NOT EXISTS "
                f"(SELECT 1 FROM {self.spec.table} x WHERE {keys} AND NOT {changed})"
            )
        return f"INSERT INTO {into or self.spec.table} ({', '.join(targets)}) {rows}" + (
            self._on_conflict(insert_only)
        )

    def _compared(self) -> list[str]:
        """The master columns whose change rewrites a row (not the bookkeeping ones, nor
        those with their own update rule)."""
        skipped = ("as_of", "updated_at", *self.spec.conflict, *self.spec.update_sql)
        return [t for t in self.spec.values if t not in skipped]

    def _on_conflict(self, insert_only: bool) -> str:
        if insert_only:
            return ""
        head = f" ON CONFLICT ({', '.join(self.spec.conflict)}) "
        if self.spec.master and self.late:
            return head + "DO NOTHING"
        table = self.spec.table
        updated = [t for t in self.spec.values if t not in self.spec.conflict]
        updates = ", ".join(
            f"{target} = "
            + (
                self.spec.update_sql[target].format(target=table)
                if target in self.spec.update_sql
                else f"excluded.{target}"
            )
            for target in updated
        )
        if not self.spec.master:
            return head + f"DO UPDATE SET {updates}"
        # Master data: rewrite only rows that changed (most of a daily full master does not).
        compared = self._compared()
        differs = self.dialect.differs(
            ", ".join(f"{table}.{t}" for t in compared),
            ", ".join(f"excluded.{t}" for t in compared),
        )
        return head + f"DO UPDATE SET {updates} WHERE {differs}"
