"""On PostgreSQL the database also refuses TRUNCATE of the audit log, which the row-level
trigger of 0002 does not see. A superuser may truncate: it could disable any trigger anyway,
and the test suite's flush between transactional tests runs as one. The application's role
holds no TRUNCATE privilege at all (`manage.py grant_app_role`)."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION crm_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'crm_auditentry is append-only';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER crm_auditentry_no_truncate
    BEFORE TRUNCATE ON crm_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION crm_audit_no_truncate();
"""
ALLOW = """
DROP TRIGGER IF EXISTS crm_auditentry_no_truncate ON crm_auditentry;
DROP FUNCTION IF EXISTS crm_audit_no_truncate();
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_import_fields")]

    operations = [migrations.RunPython(forbid, allow)]
