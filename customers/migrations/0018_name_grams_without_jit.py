"""customer_name_grams (0016) runs its query once for every name an import writes, to keep
the index of name characters; where PostgreSQL judged the import's statement worth JIT
compiling, it compiled that little query again for every row (3.6 ms a name: the first day
of 200,000 customers had not loaded after 35 minutes). The function now runs with JIT off;
what it returns, and the index, are unchanged.
"""

from django.db import migrations

OFF = "ALTER FUNCTION customer_name_grams(text) SET jit = off"
ON = "ALTER FUNCTION customer_name_grams(text) RESET jit"


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0017_name_pinyin")]

    operations = [migrations.RunPython(_run(OFF), _run(ON))]
