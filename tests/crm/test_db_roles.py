"""The application runs as a database role that reads and writes rows but alters, truncates
and disables nothing, and appends to the audit log without changing it; the nightly import
and the metrics still do all they need to as that role, new partitions included
(PostgreSQL: `manage.py grant_app_role`, crm/migrations/0005).

The tests act as the role with SET ROLE, which takes its privileges and nothing of the
superuser who runs the suite."""

import datetime
import io
from contextlib import contextmanager

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from analytics.services import metrics_compute_day
from crm.models import AuditEntry
from crm.services import audit_record
from customers.models import RunStatus, Trade
from customers.services import counter_day_import
from customers.services.partitions import fact_partitions_merge
from tests.customers.counter_files import base_day, write_day
from tests.customers.test_partitioning import partitions_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's"),
]

REFUSED = "permission denied|must be owner"


@pytest.fixture
def app_role(db):
    """The application's role of this test database (role names are the cluster's)."""
    name = f"{connection.settings_dict['NAME']}_app"[:63]
    call_command("grant_app_role", name, stdout=io.StringIO())
    return name


@contextmanager
def acting_as(role: str):
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def refused(sql: str) -> None:
    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_the_application_role_appends_to_the_audit_log(app_role, org):
    with acting_as(app_role):
        entry = audit_record(actor=org.broker.user, action="customer.view")
        assert AuditEntry.objects.get(pk=entry.pk).action == "customer.view"


def test_the_application_role_cannot_change_empty_or_disarm_the_audit_log(app_role, org):
    entry = audit_record(actor=org.broker.user, action="customer.view")
    with acting_as(app_role):
        refused(f"UPDATE crm_auditentry SET action = 'nothing' WHERE id = {entry.pk}")
        refused(f"DELETE FROM crm_auditentry WHERE id = {entry.pk}")
        refused("TRUNCATE crm_auditentry")
        refused("ALTER TABLE crm_auditentry DISABLE TRIGGER ALL")
        refused("ALTER TABLE crm_auditentry DISABLE TRIGGER crm_auditentry_append_only")
        refused("DROP TRIGGER crm_auditentry_append_only ON crm_auditentry")
        refused("DROP TABLE crm_auditentry")
    assert AuditEntry.objects.get(pk=entry.pk).action == "customer.view"


def test_the_application_role_alters_and_truncates_no_other_table(app_role, org):
    with acting_as(app_role):
        refused("TRUNCATE customers_customer")
        refused("ALTER TABLE customers_customer ADD COLUMN secret text")
        refused("DROP TABLE customers_trade")
        refused("CREATE TABLE crm_scratch (id integer)")
        # Rows, though, it reads and writes.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE customers_customer SET name = name")
            assert cursor.rowcount == 6


def test_the_import_and_the_metrics_run_as_the_application_role(app_role, tmp_path):
    with acting_as(app_role):
        run = counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
        assert run.status == RunStatus.LOADED, run.error
        assert Trade.objects.count() == 2
        assert metrics_compute_day(day=datetime.date(2026, 3, 2)) > 0


def test_the_application_role_imports_a_new_day_into_a_partition_and_merges_a_month(
    app_role, tmp_path
):
    call_command("partition_facts", stdout=io.StringIO())  # the owner, once
    with acting_as(app_role):
        run = counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
        assert run.status == RunStatus.LOADED, run.error
        assert partitions_of("customers_trade") == ["customers_trade_20260302"]
        # The checked path (a reject) covers its day with an empty partition first.
        day = base_day("2026-03-03")
        day["trades"][1][8] = "NaN"
        rejected = counter_day_import(folder=write_day(tmp_path, "20260303", day))
        assert rejected.status == RunStatus.LOADED_WITH_REJECTS, rejected.error
        assert "customers_trade_20260303" in partitions_of("customers_trade")
        assert metrics_compute_day(day=datetime.date(2026, 3, 2)) > 0

        with translation.override("en"):
            said = fact_partitions_merge(today=datetime.date(2026, 4, 1))
        assert any(line.startswith("customers_trade: 2 day partitions") for line in said)
        assert partitions_of("customers_trade") == ["customers_trade_202603"]
        assert Trade.objects.count() == 3


def test_the_partition_functions_touch_only_partitions_of_partitioned_tables(app_role):
    call_command("partition_facts", stdout=io.StringIO())
    with acting_as(app_role):
        for sql in (
            "SELECT crm_fact_partition_create('crm_auditentry', 'crm_auditentry_202603')",
            "SELECT crm_fact_partition_create('customers_trade', 'crm_auditentry')",
            (
                "SELECT crm_fact_partition_attach('customers_trade', 'customers_trade_x', "
                "'2026-03-01', '2026-04-01')"
            ),
            "SELECT crm_table_analyze('pg_authid')",
        ):
            with (
                pytest.raises(DatabaseError, match="is not"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
        # The helpers inside them are the owner's alone.
        refused("SELECT crm_fact_partition_index('customers_trade', 'customers_trade_202603')")


def test_granting_again_takes_back_what_the_role_should_not_hold(app_role):
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT UPDATE, DELETE, TRUNCATE ON crm_auditentry TO "{app_role}"')
    call_command("grant_app_role", app_role, stdout=io.StringIO())
    with acting_as(app_role):
        refused("UPDATE crm_auditentry SET action = 'nothing'")
        refused("TRUNCATE crm_auditentry")


def test_it_refuses_to_make_the_owner_or_a_superuser_the_application_role(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
    with pytest.raises(CommandError, match=r"owner|superuser"):
        call_command("grant_app_role", owner, stdout=io.StringIO())


# Committed, for a connection of its own to see; serialized_rollback, as the suite's other
# transactional tests, puts back what the migrations ship.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_application_role_signs_in_over_a_connection_of_its_own():
    settings = connection.settings_dict
    role = f"{settings['NAME']}_login"[:63]
    call_command("grant_app_role", role, stdout=io.StringIO())
    try:
        own = psycopg2.connect(
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            dbname=settings["NAME"],
            user=role,
        )
        try:
            with own, own.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO crm_auditentry (at, action, object_type, object_id, details) "
                    "VALUES (now(), 'login.failed', '', '', '{}') RETURNING id"
                )
                (entry,) = cursor.fetchone()
            with pytest.raises(psycopg2.errors.InsufficientPrivilege), own, own.cursor() as cursor:
                cursor.execute("DELETE FROM crm_auditentry WHERE id = %s", [entry])
        finally:
            own.close()
        assert AuditEntry.objects.filter(pk=entry).exists()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


def test_the_import_refreshes_the_statistics_of_the_day_as_the_application_role(app_role, tmp_path):
    call_command("partition_facts", stdout=io.StringIO())
    with acting_as(app_role):
        run = counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
        assert run.status == RunStatus.LOADED, run.error
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'customers_trade_20260302'")
        assert cursor.fetchone()[0] > 0
