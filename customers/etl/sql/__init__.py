"""SQL that checks a staged counter file and loads it, built from its FileSpec.

One builder serves PostgreSQL and SQLite; where they differ is said by the dialect. Every
identifier comes from the specs; every value that comes from a profile is quoted by
crm.sql.literal. Nothing here executes SQL (customers/etl/loader.py does).

- dialect.py: what the import adds to crm.sql.Dialect (staging table, fence, typing)
- normalise.py: how a file maps onto its spec (Layout), and its values normalised once
- rules.py: each rule of a row, as exact reject reasons, cheap check and one-pass predicate
- target.py: the INSERT into the target table, its templates filled, its ON CONFLICT
- checked.py: the checked path: check every row, keep the rejects, upsert the good rows
- one_pass.py: the one-pass load, for a file with nothing to reject (PostgreSQL)
- statements.py: FileSql, every statement the loader asks for one file
"""

from .dialect import EtlDialect
from .normalise import Layout
from .statements import FileSql

__all__ = ["EtlDialect", "FileSql", "Layout"]
