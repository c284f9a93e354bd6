"""The regulation's default matching on risk (证券期货投资者适当性管理办法), shipped as rules
that admins may change: R1 for everyone including the lowest category, R2 for C2 and above,
R3 for C3 and above, R4 for C4 and above, R5 for C5; professional investors every level.

On PostgreSQL the database itself refuses UPDATE, DELETE and TRUNCATE of suitability checks
and confirmations, as it does for the audit log (crm 0002, 0004); a superuser may truncate
(the test suite's flush runs as one), the application's role holds no TRUNCATE privilege.
"""

from django.db import migrations

LEVELS = ("R1", "R2", "R3", "R4", "R5")
# The highest product risk level each category may buy.
HIGHEST = {
    "lowest": "R1",
    "C1": "R1",
    "C2": "R2",
    "C3": "R3",
    "C4": "R4",
    "C5": "R5",
    "pro_a": "R5",
    "pro_b": "R5",
    "pro_c": "R5",
}
TABLES = ("products_suitabilitycheck", "products_suitabilityconfirmation")


def create(apps, schema_editor):
    rule = apps.get_model("products", "SuitabilityRule")
    rule.objects.bulk_create(
        [
            rule(category=category, product_risk=level, permitted=level <= highest)
            for category, highest in HIGHEST.items()
            for level in LEVELS
        ],
        ignore_conflicts=True,
    )


def rules_remove(apps, schema_editor):
    apps.get_model("products", "SuitabilityRule").objects.all().delete()


FUNCTIONS = """
CREATE OR REPLACE FUNCTION products_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION products_no_truncate() RETURNS trigger AS $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGERS = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION products_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION products_no_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            FUNCTIONS + "".join(TRIGGERS.format(table=t) for t in TABLES), params=None
        )


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "".join(DROP.format(table=t) for t in TABLES)
            + "DROP FUNCTION IF EXISTS products_append_only();"
            + "DROP FUNCTION IF EXISTS products_no_truncate();",
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [("products", "0003_library_and_suitability")]

    operations = [
        migrations.RunPython(create, rules_remove),
        migrations.RunPython(forbid, allow),
    ]
