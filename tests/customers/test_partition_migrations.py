"""A migration that adds or removes a column still applies once the fact tables are
partitioned (PostgreSQL): Django's own AddField and RemoveField, run as a throwaway
migration of the customers app over `customers_trade` with monthly and day partitions that
hold rows, and the import and the month merge still work around them.

Everything runs inside the test's transaction (PostgreSQL rolls DDL back), so the
partitioning and the probe columns end with the test even when it fails half-way."""

import datetime
from decimal import Decimal

import pytest
from django.db import NotSupportedError, connection, migrations, models
from django.db.migrations.loader import MigrationLoader

from customers.models import RunStatus
from customers.services import counter_day_import
from customers.services.partitions import fact_partitions_merge, fact_tables_partition

from .counter_files import base_day, write_day
from .test_import import snapshot_of_business_data
from .test_partitioning import indexes_of, partitions_of, rows_in

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's"),
]

TABLE = "customers_trade"


class Schema:
    """The customers app's migration state, changed by throwaway migrations applied to the
    database as `manage.py migrate` applies a real one (same operations, same SQL)."""

    def __init__(self):
        self.state = MigrationLoader(connection).project_state()

    def migrate(self, *operations) -> None:
        migration = migrations.Migration("9999_probe", "customers")
        migration.operations = list(operations)
        with connection.schema_editor(atomic=True) as editor:
            self.state = migration.apply(self.state, editor)

    def model(self, name: str):
        """The model as the migrations now know it (with the probe column, say)."""
        return self.state.apps.get_model("customers", name)


def holding_the_column(column: str) -> dict[str, tuple[bool, bool]]:
    """The fact table and partitions that have `column`: name -> (NOT NULL, has a default)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attnotnull, a.atthasdef FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attname = %s AND NOT a.attisdropped AND (c.oid = %s::regclass "
            "OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass))",
            [column, TABLE, TABLE],
        )
        return {name: (not_null, has_default) for name, not_null, has_default in cursor}


def column_values(column: str, partition: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {partition} ORDER BY serial_no")
        return [value for (value,) in cursor.fetchall()]


def import_day(tmp_path, day: str) -> None:
    folder = write_day(tmp_path / day, day.replace("-", ""), base_day(day))
    run = counter_day_import(folder=folder)
    assert run.status == RunStatus.LOADED, run.error


@pytest.fixture
def partitioned(tmp_path):
    """`customers_trade` partitioned, with a monthly partition (March, merged from two day
    partitions) and a day partition (1 April), two trades a day."""
    fact_tables_partition()
    for day in ("2026-03-02", "2026-03-03"):
        import_day(tmp_path, day)
    fact_partitions_merge(today=datetime.date(2026, 4, 1))
    import_day(tmp_path, "2026-04-01")
    assert partitions_of(TABLE) == ["customers_trade_202603", "customers_trade_20260401"]
    return Schema()


def copy_of_a_trade(model, day: datetime.date, serial_no: str, **values):
    """A new trade of `day` like the first one of that day, through the migrated model."""
    trade = model.objects.filter(trade_date=day).order_by("serial_no").first()
    trade.serial_no = serial_no
    for name, value in values.items():
        setattr(trade, name, value)
    trade.save(force_insert=True)


def test_an_added_column_reaches_every_partition_and_goes_again(partitioned, tmp_path):
    before = snapshot_of_business_data()
    partitioned.migrate(
        migrations.AddField(
            "trade",
            "probe_note",
            models.CharField(max_length=20, null=True, blank=True, db_index=True),
        )
    )
    parent_and_partitions = {TABLE, *partitions_of(TABLE)}
    assert holding_the_column("probe_note") == dict.fromkeys(parent_and_partitions, (False, False))
    # The index made on the parent is made on every partition too.
    for partition in partitions_of(TABLE):
        assert "btree (probe_note)" in indexes_of(partition)
    assert snapshot_of_business_data() == before
    assert column_values("probe_note", "customers_trade_202603") == [None] * 4

    trade = partitioned.model("Trade")
    copy_of_a_trade(trade, datetime.date(2026, 3, 2), "N1", probe_note="into March")
    copy_of_a_trade(trade, datetime.date(2026, 4, 1), "N2", probe_note="into 1 April")
    assert "into March" in column_values("probe_note", "customers_trade_202603")
    assert "into 1 April" in column_values("probe_note", "customers_trade_20260401")

    # A day imported afterwards gets a partition with the column and its index, and the
    # merge of its month keeps what the day partitions held in it.
    import_day(tmp_path, "2026-04-02")
    assert "btree (probe_note)" in indexes_of("customers_trade_20260402")
    fact_partitions_merge(today=datetime.date(2026, 5, 1))
    assert partitions_of(TABLE) == ["customers_trade_202603", "customers_trade_202604"]
    assert "btree (probe_note)" in indexes_of("customers_trade_202604")
    assert rows_in("customers_trade_202604") == 5
    assert sorted(column_values("probe_note", "customers_trade_202604"), key=str) == [
        None,
        None,
        None,
        None,
        "into 1 April",
    ]

    partitioned.migrate(migrations.RemoveField("trade", "probe_note"))
    assert holding_the_column("probe_note") == {}
    assert rows_in(TABLE) == 10
    for partition in partitions_of(TABLE):
        assert "btree (probe_note)" not in indexes_of(partition)
    import_day(tmp_path, "2026-05-04")  # a day partition shaped like the table again
    assert rows_in("customers_trade_20260504") == 2
    assert holding_the_column("probe_note") == {}


def test_a_not_null_column_with_a_default_fills_the_old_rows_of_every_partition(partitioned):
    before = snapshot_of_business_data()
    # Django adds the column with the default as a database default, which fills the rows
    # already there, then drops that default: the model supplies it from then on.
    partitioned.migrate(
        migrations.AddField(
            "trade",
            "probe_rebate",
            models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("1.50")),
        )
    )
    parent_and_partitions = {TABLE, *partitions_of(TABLE)}
    assert holding_the_column("probe_rebate") == dict.fromkeys(parent_and_partitions, (True, False))
    assert snapshot_of_business_data() == before
    for partition in partitions_of(TABLE):
        assert column_values("probe_rebate", partition) == [Decimal("1.50")] * rows_in(partition)

    trade = partitioned.model("Trade")
    copy_of_a_trade(trade, datetime.date(2026, 4, 1), "N1")  # the model's default
    copy_of_a_trade(trade, datetime.date(2026, 3, 2), "N2", probe_rebate=Decimal("7"))
    assert Decimal("7.00") in column_values("probe_rebate", "customers_trade_202603")
    assert column_values("probe_rebate", "customers_trade_20260401") == [Decimal("1.50")] * 3

    partitioned.migrate(migrations.RemoveField("trade", "probe_rebate"))
    assert holding_the_column("probe_rebate") == {}
    assert rows_in(TABLE) == 8


def test_a_unique_column_without_the_date_is_refused_on_a_partitioned_table(partitioned):
    # PostgreSQL can only enforce uniqueness per partition: a unique key must include the
    # date the table is partitioned on (as every fact table's primary key does).
    with pytest.raises(NotSupportedError, match="must include all partitioning columns"):
        partitioned.migrate(
            migrations.AddField(
                "trade", "probe_ref", models.CharField(max_length=20, null=True, unique=True)
            )
        )
    assert holding_the_column("probe_ref") == {}
