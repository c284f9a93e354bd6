"""Customer search by any part of the name (customers/filters/lists.py, `_name_match`), indexed on
PostgreSQL; SQLite reads the demo's few thousand names without an index.

- a pg_trgm GIN index on UPPER(name), which Django's `icontains` compares: it serves terms of
  three characters or more (pg_trgm is a trusted extension: the schema owner who migrates may
  create it; the application role needs nothing more than its rows);
- a GIN index on the name's single characters and pairs of adjacent characters
  (customer_name_grams), for the one- and two-character terms pg_trgm cannot serve (it takes
  no trigram from inside so short a pattern): a surname (王), most Chinese personal names
  (张伟), many a part of a company name (宏和).

At 1,000,000 customers a two-character term took 280-600 ms as a scan of the table and takes
2-5 ms by the second index; the two build in 3 s and 14 s.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION customer_name_grams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT ARRAY(
        SELECT DISTINCT pg_catalog.substr(pg_catalog.upper(name), i, n)
        FROM pg_catalog.generate_series(1, pg_catalog.char_length(name)) AS i,
             (VALUES (1), (2)) AS lengths (n)
        WHERE i + n - 1 <= pg_catalog.char_length(name)
    )
$$
"""
CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    FUNCTION,
    (
        "CREATE INDEX IF NOT EXISTS customer_name_trgm_idx ON customers_customer"
        " USING gin (upper(name) gin_trgm_ops)"
    ),
    (
        "CREATE INDEX IF NOT EXISTS customer_name_grams_idx ON customers_customer"
        " USING gin (customer_name_grams(name))"
    ),
)
DROP = (
    "DROP INDEX IF EXISTS customer_name_grams_idx",
    "DROP INDEX IF EXISTS customer_name_trgm_idx",
    "DROP FUNCTION IF EXISTS customer_name_grams(text)",
)


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0015_dates_from_1900")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
