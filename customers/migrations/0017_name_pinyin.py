"""Customer names in pinyin order on PostgreSQL: an ICU collation (zh-u-co-pinyin) that the
list's name ordering uses (customers/tables/lists.py CustomerTable.order_name), and an index in
that order so that a name-sorted page of a large list reads no more than its rows.

SQLite has no ICU collation: there the migration does nothing and names keep SQLite's order.
"""

from django.db import migrations

COLLATION = "zh_pinyin"  # customers/tables/lists.py PINYIN
INDEX = "customer_name_pinyin_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE COLLATION IF NOT EXISTS {COLLATION} (provider = icu, locale = 'zh-u-co-pinyin')"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer "
        f'(name COLLATE "{COLLATION}", cust_no)'
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"DROP COLLATION IF EXISTS {COLLATION}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0016_search_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
