import pytest
from django.core.management import call_command
from django.db import connection

from customers.models import RunStatus, Trade
from customers.services import counter_day_import

from .counter_files import base_day, write_day

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's"),
]


def partitions_of(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY 1",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def test_it_partitions_the_fact_tables_by_month_keeping_their_rows(tmp_path):
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    call_command("partition_facts", "--months-ahead", "1", stdout=None)
    assert "customers_trade_202603" in partitions_of("customers_trade")
    assert "customers_trade_default" in partitions_of("customers_trade")
    assert "customers_dailyposition_202603" in partitions_of("customers_dailyposition")
    assert Trade.objects.count() == 2


def test_it_imports_into_partitioned_tables_and_can_run_again(tmp_path):
    call_command("partition_facts", "--months-ahead", "1")
    call_command("partition_facts", "--months-ahead", "1")
    run = counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    assert run.status == RunStatus.LOADED, run.error
    again = counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    assert again.status == RunStatus.LOADED
    assert Trade.objects.count() == 2
