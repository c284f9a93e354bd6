"""SQL text that PostgreSQL and SQLite read alike: string literals and the few expressions
whose spelling differs between the two. Every app that writes set-based SQL (the import,
the metrics, the customer figures) builds its statements with these; nothing here runs SQL.
"""

import datetime
from dataclasses import dataclass


def literal(value: str) -> str:
    """A SQL string literal (standard-conforming strings on both databases)."""
    if "\x00" in value:
        raise ValueError("NUL characters cannot be stored")
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Dialect:
    """The database a statement is written for: `Dialect(connection.vendor)`."""

    vendor: str

    @property
    def postgres(self) -> bool:
        return self.vendor == "postgresql"

    def matches(self, expr: str, pattern: str) -> str:
        """True where the text matches the regular expression."""
        if self.postgres:
            return f"{expr} ~ {literal(pattern)}"
        return f"{expr} REGEXP {literal(pattern)}"

    def day(self, day: datetime.date) -> str:
        """A date constant (SQLite keeps dates as ISO text)."""
        text = literal(day.isoformat())
        return f"CAST({text} AS date)" if self.postgres else text

    def differs(self, left: str, right: str) -> str:
        """Null-safe "the row values differ"."""
        operator = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        return f"({left}) {operator} ({right})"
