"""`FileSql`: every statement the loader runs for one file, and what it needs to know to
choose among them. It stages the file and cleans up itself, and hands the rest to the
one-pass load (one_pass.py) and the checked path (checked.py), built over the same
normalised rows (normalise.py) and the same rules (rules.py).
"""

import datetime

from crm.sql import literal

from .checked import CheckedPath
from .dialect import EtlDialect
from .normalise import Layout, Normalising
from .one_pass import OnePass
from .rules import FileRules
from .target import Target


class FileSql:
    """The statements that check one staged file and load its good rows."""

    def __init__(self, dialect: EtlDialect, layout: Layout, day: datetime.date, *, late: bool):
        self.dialect = dialect
        self._layout = layout
        self._spec = spec = layout.spec
        self._day = day
        self._staging = f"stg_{spec.name}"
        checked, duplicates = f"chk_{spec.name}", f"dup_{spec.name}"
        self._tables = (self._staging, checked, duplicates)
        normalising = Normalising(dialect, layout, self._staging, day)
        target = Target(dialect, spec, day, late=late, checked=checked)
        # The spec's further checks read the normalised values and the looked-up ones.
        untyped = {
            "columns": {c.name: f"n.{c.name}" for c in spec.columns},
            "refs": {r.alias: f"r_{r.alias}.{r.value}" for r in spec.references},
        }
        checks = [
            (target.fill(condition, **untyped), column, reason)
            for condition, column, reason in spec.checks
        ]
        rules = FileRules(spec, dialect, day, checks)
        self._one_pass = OnePass(normalising, rules, target, day=day, late=late)
        self._checked = CheckedPath(
            normalising,
            rules,
            target,
            staging=self._staging,
            checked=checked,
            duplicates=duplicates,
        )

    @property
    def table(self) -> str:
        """The file's target table."""
        return self._spec.table

    @property
    def postgres(self) -> bool:
        return self.dialect.postgres

    # -- staging ------------------------------------------------------------------------
    def create_staging(self) -> list[str]:
        return [*self.drop(), self.dialect.staging_table(self._staging, self._layout.width)]

    def drop(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {name}" for name in self._tables]

    def copy_statement(self, encoding: str) -> str:
        """PostgreSQL COPY of the file's bytes, header skipped, into the staging table."""
        columns = ", ".join(f"c{i}" for i in range(self._layout.width))
        pg_encoding = {"utf-8": "UTF8", "gbk": "GBK", "gb18030": "GB18030"}[encoding]
        return (
            f"COPY {self._staging} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true, "
            f"DELIMITER {literal(self._layout.delimiter)}, NULL '', "
            f"ENCODING {literal(pg_encoding)})"
        )

    def insert_staging(self) -> str:
        """The portable path: rows parsed by Python's csv module, inserted in batches."""
        columns = ", ".join(f"c{i}" for i in range(self._layout.width))
        marks = ", ".join(["%s"] * (self._layout.width + 1))
        return f"INSERT INTO {self._staging} (line_no, {columns}) VALUES ({marks})"

    def insert_unstaged_rejects(self) -> str:
        """The lines that could not be staged, as rejects without a column: parameters
        (run id, line, reason, raw text)."""
        return (
            'INSERT INTO customers_importreject (run_id, file, line_no, "column", reason, raw)'
            f" VALUES (%s, {literal(self._spec.name)}, %s, '', %s, %s)"
        )

    def analyse_staging(self) -> str | None:
        """PostgreSQL's statistics of the staged rows, for the checked path's joins."""
        return f"ANALYZE {self._staging}" if self.postgres else None

    def delete_snapshot(self) -> str | None:
        if not self._spec.snapshot_column:
            return None
        return (
            f"DELETE FROM {self._spec.table} "
            f"WHERE {self._spec.snapshot_column} = {self.dialect.day(self._day)}"
        )

    # -- the one-pass load (one_pass.py) ------------------------------------------------
    @property
    def loads_in_one_pass(self) -> bool:
        """Whether `one_pass_load` may be tried."""
        return self._one_pass.possible

    @property
    def one_pass_counts_first(self) -> bool:
        return self._one_pass.counts_first

    def one_pass_count(self) -> str:
        return self._one_pass.count()

    def one_pass_load(self, *, insert_only: bool = False, into: str | None = None) -> str:
        return self._one_pass.load(insert_only=insert_only, into=into)

    def existing_rows_for_the_day(self) -> str | None:
        return self._one_pass.existing_rows_for_the_day()

    # -- the checked path (checked.py) --------------------------------------------------
    def create_duplicates(self) -> str:
        return self._checked.create_duplicates()

    def create_checked(self) -> str:
        return self._checked.create_checked()

    def insert_rejects(self, run_id: int, line_offset: int = 1) -> str:
        return self._checked.insert_rejects(run_id, line_offset)

    def before_load(self) -> str | None:
        return self._checked.before_load()

    def good_row_days(self) -> str | None:
        return self._checked.good_row_days()

    def existing_rows_for_the_file_days(self) -> str | None:
        return self._checked.existing_rows_for_the_file_days()

    def upsert(self, *, insert_only: bool = False) -> str:
        return self._checked.upsert(insert_only=insert_only)
