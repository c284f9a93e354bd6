"""The checked path: every staged row checked by the exact rules into a table `k` with its
problem (or none), the rejects kept with their line, column, reason and raw text, and the
good rows upserted. It works on both databases and for every file.
"""

from crm.sql import literal

from .normalise import Normalising
from .rules import FileRules
from .target import Target


class CheckedPath:
    def __init__(
        self,
        normalising: Normalising,
        rules: FileRules,
        target: Target,
        *,
        staging: str,
        checked: str,
        duplicates: str,
    ):
        self.normalising, self.rules, self.target = normalising, rules, target
        self.dialect = normalising.dialect
        self.layout = normalising.layout
        self.spec = self.layout.spec
        self.staging = staging
        self.checked = checked
        self.duplicates = duplicates

    def create_duplicates(self) -> str:
        """The keys repeated within the file, with their first line: usually none, found
        by one hash aggregate rather than a sort of the whole file."""
        keys = [self.normalising.value(self.spec.column(name)) for name in self.spec.key]
        selected = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
        return (
            f"CREATE TEMP TABLE {self.duplicates} AS SELECT {selected}, "
            f"min(s.line_no) AS first_line FROM {self.staging} s "
            f"GROUP BY {', '.join(keys)} HAVING count(*) > 1"
        )

    def create_checked(self) -> str:
        joins = self.normalising.reference_joins()
        refs = [f"r_{ref.alias}.{ref.value} AS r_{ref.alias}" for ref in self.spec.references]
        key_match = " AND ".join(f"d.k{i} = n.{name}" for i, name in enumerate(self.spec.key))
        joins.append(f"LEFT JOIN {self.duplicates} d ON {key_match}")
        # COALESCE stops at the first problem found, so the exact format rules run only
        # for rows the quick check could not vouch for.
        problem = (
            f"COALESCE({_case(self.rules.required_problems())}, "
            f"CASE WHEN NOT ({self.rules.quick_check()}) "
            f"THEN {_case(self.rules.format_problems())} "
            f"END, {_case(self.rules.relation_problems())})"
        )
        selected = ", ".join(["n.*", *refs, f"{problem} AS problem"])
        return (
            f"CREATE TEMP TABLE {self.checked} AS SELECT {selected} "
            f"FROM {self.normalising.rows()} " + " ".join(joins)
        )

    def insert_rejects(self, run_id: int, line_offset: int = 1) -> str:
        """Rejected rows with their line (the header is line 1) and the row as CSV text, cut
        as specs.kept_raw keeps it (the text is built once per row, under the fence)."""
        raw = f" || {literal(self.layout.delimiter)} || ".join(
            self._csv_field(f"s.c{i}") for i in range(self.layout.width)
        )
        rejected = (
            f"SELECT k.line_no + {int(line_offset)} AS line_no, "
            f"{self.dialect.before_part('k.problem', '|')} AS problem_column, "
            f"{self.dialect.after_part('k.problem', '|')} AS reason, {raw} AS raw "
            f"FROM {self.checked} k JOIN {self.staging} s ON s.line_no = k.line_no "
            f"WHERE k.problem IS NOT NULL{self.dialect.fence}"
        )
        return (
            'INSERT INTO customers_importreject (run_id, file, line_no, "column", reason, raw) '
            f"SELECT {int(run_id)}, {literal(self.spec.name)}, r.line_no, r.problem_column, "
            f"r.reason, {self.dialect.kept_raw('r.raw')} FROM ({rejected}) r"
        )

    def _csv_field(self, expr: str) -> str:
        specials = (literal(self.layout.delimiter), "'\"'", self.dialect.newline)
        needs_quotes = " OR ".join(f"replace({expr}, {ch}, '') <> {expr}" for ch in specials)
        return (
            f"(CASE WHEN {expr} IS NULL THEN '' WHEN {needs_quotes} "
            f"""THEN '"' || replace({expr}, '"', '""') || '"' ELSE {expr} END)"""
        )

    def before_load(self) -> str | None:
        if not self.spec.before_load:
            return None
        return self.target.fill(self.spec.before_load, **self._checked_values())

    def good_row_days(self) -> str | None:
        """For a flow file: the days its good rows carry. None for other files, whose rows
        all take the business day."""
        column = self.spec.day_column
        if column is None:
            return None
        typed = self.target.fill("{c[" + column + "]}", **self._checked_values())
        return f"SELECT DISTINCT {typed} FROM {self.checked} k WHERE k.problem IS NULL"

    def existing_rows_for_the_file_days(self) -> str | None:
        """For a flow file: whether any of its days already has rows (else an insert only,
        which skips the conflict checks, is enough)."""
        if (days := self.good_row_days()) is None:
            return None
        return (
            f"SELECT 1 FROM {self.spec.table} t WHERE t.{self.spec.day_column} IN ({days}) LIMIT 1"
        )

    def upsert(self, *, insert_only: bool = False) -> str:
        """The good rows into the target; `insert_only` when no row of theirs can exist yet."""
        return self.target.insert(
            f"FROM {self.checked} k WHERE k.problem IS NULL",
            **self._checked_values(),
            insert_only=insert_only,
        )

    def _checked_values(self) -> dict[str, dict[str, str]]:
        """What a template names, over the checked table `k`, typed for the target."""
        return {
            "columns": {c.name: self.dialect.typed(f"k.{c.name}", c) for c in self.spec.columns},
            "refs": {r.alias: f"k.r_{r.alias}" for r in self.spec.references},
        }


def _case(problems: list[tuple[str, str, str]]) -> str:
    if not problems:
        return "NULL"
    whens = " ".join(
        f"WHEN {condition} THEN {literal(column + '|' + reason)}"
        for condition, column, reason in problems
    )
    return f"CASE {whens} END"
