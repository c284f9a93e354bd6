"""The database keeps the audit log append-only: no UPDATE, no DELETE, and no TRUNCATE,
even by a role that holds the TRUNCATE privilege (PostgreSQL)."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from crm.models import AuditEntry
from crm.services import audit_record

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="database triggers are PostgreSQL's"
    ),
]


@pytest.fixture
def truncating_role():
    """A role that may truncate the audit table (a superuser may disable any trigger, so the
    trigger lets one through: the test suite's flush between transactional tests runs as one)."""
    name = f"{connection.settings_dict['NAME']}_truncater"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}"')
        cursor.execute(f'GRANT SELECT, TRUNCATE ON crm_auditentry TO "{name}"')
    return name


def truncate_as(role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign-key check pending
        cursor.execute(f'SET ROLE "{role}"')
        try:
            with transaction.atomic():
                cursor.execute("TRUNCATE crm_auditentry")
        finally:
            cursor.execute("RESET ROLE")


def test_it_refuses_truncate(truncating_role):
    audit_record(actor=None, action="export")
    with pytest.raises(DatabaseError, match="append-only"):
        truncate_as(truncating_role)
    assert AuditEntry.objects.filter(action="export").exists()


def test_the_truncate_guard_is_reversible(truncating_role):
    executor = MigrationExecutor(connection)
    executor.migrate([("crm", "0003_import_fields")])
    try:
        audit_record(actor=None, action="export")
        truncate_as(truncating_role)  # without the guard it empties the table
        assert not AuditEntry.objects.exists()
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes("crm"))
    audit_record(actor=None, action="export")
    with pytest.raises(DatabaseError, match="append-only"):
        truncate_as(truncating_role)
