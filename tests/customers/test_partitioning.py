import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from crm.tasks import nightly_pipeline
from customers.etl.partitions import FACT_TABLES
from customers.etl.sql import FileSql
from customers.models import ImportReject, RunStatus, Trade
from customers.services import counter_day_import

from .counter_files import HEADERS, base_day, csv_text, write_day
from .test_import import snapshot_of_business_data
from .test_import_one_pass import import_saying

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
    assert "customers_trade_default" not in partitions_of("customers_trade")
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


def indexes_of(table: str) -> set[str]:
    """The index definitions of a table, with its own name taken out."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass",
            [table],
        )
        return {row[0].split(" USING ")[1] for row in cursor.fetchall()}


def rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def test_a_new_day_gets_a_partition_of_its_own_filled_in_one_pass(tmp_path):
    call_command("partition_facts")
    run, one_pass = import_saying(write_day(tmp_path, "20260302", base_day()))
    assert run.status == RunStatus.LOADED, run.error
    assert {"trades", "cash_flows", "positions"} <= one_pass
    for table in FACT_TABLES:
        assert partitions_of(table) == [f"{table}_20260302"]
    assert rows_in("customers_trade_20260302") == 2
    # The day partition carries the key and the account index, as the monthly ones do.
    assert indexes_of("customers_trade_20260302") == {
        "btree (trade_date, serial_no)",
        "btree (account_id, trade_date)",
    }


def test_a_day_partition_holds_what_the_checked_path_loads(tmp_path, monkeypatch):
    call_command("partition_facts")
    counter_day_import(folder=write_day(tmp_path / "one_pass", "20260302", base_day()))
    into_day_partitions = snapshot_of_business_data()
    # The same day again, every file through the checked path into the existing partitions:
    # it rewrites the snapshots and upserts the flows, so any value loaded wrong changes.
    monkeypatch.setattr(FileSql, "loads_in_one_pass", property(lambda self: False))
    run = counter_day_import(folder=write_day(tmp_path / "checked", "20260302", base_day()))
    assert run.status == RunStatus.LOADED, run.error
    assert snapshot_of_business_data() == into_day_partitions


def test_a_day_with_a_reject_gets_its_partition_through_the_checked_path(tmp_path):
    call_command("partition_facts")
    rows = base_day()
    rows["trades"][1][8] = "NaN"
    run, one_pass = import_saying(write_day(tmp_path, "20260302", rows))
    assert run.status == RunStatus.LOADED_WITH_REJECTS, run.error
    assert "trades" not in one_pass
    assert rows_in("customers_trade_20260302") == 1
    assert ImportReject.objects.get(run=run).reason.startswith("not a number")


def test_a_day_loaded_again_is_rewritten_in_its_partition(tmp_path):
    call_command("partition_facts")
    counter_day_import(folder=write_day(tmp_path / "first", "20260302", base_day()))
    first = snapshot_of_business_data()
    again = counter_day_import(folder=write_day(tmp_path / "again", "20260302", base_day()))
    assert again.status == RunStatus.LOADED, again.error
    assert snapshot_of_business_data() == first
    assert [p for p in partitions_of("customers_trade") if "2026" in p] == [
        "customers_trade_20260302"
    ]


def test_a_trade_of_another_day_sends_the_file_the_checked_way(tmp_path):
    call_command("partition_facts")
    rows = base_day()
    rows["trades"][1][1] = "2026-02-27"  # a late trade of the day before
    run, one_pass = import_saying(write_day(tmp_path, "20260302", rows))
    assert run.status == RunStatus.LOADED, run.error
    assert "trades" not in one_pass
    # The checked path gives the day before a partition too, for the trade it carries.
    assert rows_in("customers_trade_20260302") == 1
    assert rows_in("customers_trade_20260227") == 1


def test_partition_facts_merges_the_days_of_a_finished_month(tmp_path):
    call_command("partition_facts")
    for day in ("2026-03-02", "2026-03-03"):
        folder = write_day(tmp_path / day, day.replace("-", ""), base_day(day))
        assert counter_day_import(folder=folder).status == RunStatus.LOADED
    before = snapshot_of_business_data()
    out = io.StringIO()
    call_command("partition_facts", stdout=out, language="en")
    assert "customers_trade: 2 day partitions of 2026-03 merged, 4 rows" in out.getvalue()
    assert [p for p in partitions_of("customers_trade") if "2026" in p] == [
        "customers_trade_202603"
    ]
    assert indexes_of("customers_trade_202603") == {
        "btree (trade_date, serial_no)",
        "btree (account_id, trade_date)",
    }
    assert snapshot_of_business_data() == before
    # A late delivery of that month now loads into the monthly partition.
    late_day = write_day(tmp_path / "late", "20260304", base_day("2026-03-04"))
    late = counter_day_import(folder=late_day)
    assert late.status == RunStatus.LOADED, late.error
    assert rows_in("customers_trade_202603") == 6


def test_the_nightly_pipeline_merges_the_days_of_a_finished_month(settings, tmp_path):
    call_command("partition_facts")
    settings.IMPORT_ROOT = tmp_path
    write_day(tmp_path, "20260302", base_day())
    with translation.override("en"):  # what the merge says, in English
        result = nightly_pipeline.apply().get()
    assert len(result["runs"]) == 1
    assert "customers_trade: 1 day partitions of 2026-03 merged, 2 rows" in result["merged"]
    assert partitions_of("customers_trade") == ["customers_trade_202603"]
    again = nightly_pipeline.apply().get()
    # (Its tiers and segments step is tests/crm/test_pipeline.py's.)
    assert {key: again[key] for key in ("runs", "metrics_days", "merged")} == {
        "runs": [],
        "metrics_days": [],
        "merged": [],
    }


def test_a_row_of_a_day_no_partition_takes_sends_a_reload_the_checked_way(tmp_path):
    call_command("partition_facts")
    counter_day_import(folder=write_day(tmp_path / "first", "20260302", base_day()))
    rows = base_day()
    rows["trades"][1][1] = "2026-02-27"  # the day is covered now, the day before is not
    run, one_pass = import_saying(write_day(tmp_path / "again", "20260302", rows))
    assert run.status == RunStatus.LOADED, run.error
    assert "trades" not in one_pass
    assert rows_in("customers_trade_20260227") == 1
    assert Trade.objects.filter(trade_date=datetime.date(2026, 3, 2)).count() == 2


def test_a_refused_day_leaves_no_partition_behind(tmp_path):
    call_command("partition_facts")
    rows = base_day()
    assert list(rows)[-1] == "credit_accounts"  # refused after the trades were loaded
    good = csv_text(HEADERS["credit_accounts"], rows["credit_accounts"]).encode()
    bad = good[:-1] + b"\xff\n"  # a byte UTF-8 cannot decode at the end of the last row
    run = counter_day_import(
        folder=write_day(tmp_path, "20260302", rows, raw={"credit_accounts": bad})
    )
    assert run.status == RunStatus.REFUSED
    assert run.error.startswith("credit_accounts.csv: cannot be decoded")
    for table in FACT_TABLES:
        assert partitions_of(table) == []
