"""On PostgreSQL the database itself refuses UPDATE and DELETE of audit entries."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION crm_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'crm_auditentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER crm_auditentry_append_only
    BEFORE UPDATE OR DELETE ON crm_auditentry
    FOR EACH ROW EXECUTE FUNCTION crm_audit_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS crm_auditentry_append_only ON crm_auditentry;
DROP FUNCTION IF EXISTS crm_audit_append_only();
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [migrations.RunPython(forbid, allow)]
