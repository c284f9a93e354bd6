"""The one-pass load of counter files on PostgreSQL (FileSql.one_pass_load):
taken when a file has nothing to reject, left for the checked path as soon as one row
breaks a rule, and loading exactly what the checked path loads."""

import pytest
from django.db import connection
from django.utils import translation

from customers.etl.specs import SPECS
from customers.etl.sql import FileSql
from customers.models import ImportReject, RunStatus, Trade
from customers.services import counter_day_import

from .counter_files import base_day, write_day
from .test_import import snapshot_of_business_data

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the one-pass load is PostgreSQL's"
    ),
]

DAY = "20260302"
# Every file but staff, whose load first creates the teams it names.
ONE_PASS_FILES = tuple(name for name in SPECS if name != "staff")


def import_saying(folder) -> tuple:
    said = []
    with translation.override("en"):  # the progress lines, in English
        run = counter_day_import(folder=folder, progress=said.append)
    one_pass = {message.split(".csv:")[0] for message in said if message.endswith("(one pass)")}
    return run, one_pass


def test_a_clean_day_loads_every_file_but_staff_in_one_pass(tmp_path):
    run, one_pass = import_saying(write_day(tmp_path, DAY, base_day()))
    assert run.status == RunStatus.LOADED, run.error
    assert one_pass == set(ONE_PASS_FILES)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda rows: rows["trades"][1].__setitem__(2, "F999"), "unknown fund account"),
        (lambda rows: rows["trades"][1].__setitem__(8, "NaN"), "not a number"),
        (lambda rows: rows["trades"].append(list(rows["trades"][1])), "duplicate key"),
        (lambda rows: rows["trades"][1].__setitem__(1, "0001-01-01"), "date out of range"),
    ],
)
def test_a_file_with_a_row_to_reject_goes_the_checked_way(tmp_path, change, reason):
    rows = base_day()
    change(rows)
    run, one_pass = import_saying(write_day(tmp_path, DAY, rows))
    assert run.status == RunStatus.LOADED_WITH_REJECTS, run.error
    assert "trades" not in one_pass
    assert one_pass == set(ONE_PASS_FILES) - {"trades"}
    (reject,) = ImportReject.objects.filter(run=run)
    assert reject.reason.startswith(reason)


def test_the_one_pass_load_gives_what_the_checked_path_gives(tmp_path, monkeypatch):
    counter_day_import(folder=write_day(tmp_path / "one_pass", DAY, base_day()))
    loaded_in_one_pass = snapshot_of_business_data()
    # Load the same day again, every file through the checked path: it deletes and rewrites
    # the snapshots and upserts the flows, so any value the one-pass load got wrong changes.
    monkeypatch.setattr(FileSql, "loads_in_one_pass", property(lambda self: False))
    run, one_pass = import_saying(write_day(tmp_path / "checked", DAY, base_day()))
    assert run.status == RunStatus.LOADED and not one_pass
    assert snapshot_of_business_data() == loaded_in_one_pass


def test_a_redelivered_flow_file_upserts_in_one_pass(tmp_path):
    counter_day_import(folder=write_day(tmp_path / "first", DAY, base_day()))
    rows = base_day()
    rows["trades"][0][9] = "7.77"  # commission corrected
    run, one_pass = import_saying(write_day(tmp_path / "again", DAY, rows))
    assert run.status == RunStatus.LOADED, run.error
    assert "trades" in one_pass
    assert str(Trade.objects.get(serial_no=rows["trades"][0][0]).commission) == "7.77"


def test_padded_money_loads_in_one_pass_and_blank_money_is_rejected(tmp_path):
    rows = base_day()
    rows["trades"][0][9] = "  37.50 "
    run, one_pass = import_saying(write_day(tmp_path / "padded", DAY, rows))
    assert run.status == RunStatus.LOADED, run.error
    assert "trades" in one_pass
    assert str(Trade.objects.get(serial_no=rows["trades"][0][0]).commission) == "37.50"
    nextday = base_day("2026-03-03")
    nextday["trades"][0][9] = "   "
    run, one_pass = import_saying(write_day(tmp_path / "blank", "20260303", nextday))
    assert "trades" not in one_pass
    (reject,) = ImportReject.objects.filter(run=run)
    assert (reject.column, reject.reason) == ("commission", "required value missing")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda rows: rows["customers"].append(list(rows["customers"][0])), "duplicate key"),
        (lambda rows: rows["customers"][1].__setitem__(11, "9999"), "unknown branch"),
        (lambda rows: rows["customers"][1].__setitem__(6, "0001-01-01"), "date out of range"),
    ],
)
def test_master_data_with_a_row_to_reject_goes_the_checked_way(tmp_path, change, reason):
    counter_day_import(folder=write_day(tmp_path, DAY, base_day()))  # rows already there
    rows = base_day("2026-03-03")
    change(rows)
    run, one_pass = import_saying(write_day(tmp_path, "20260303", rows))
    assert run.status == RunStatus.LOADED_WITH_REJECTS, run.error
    assert "customers" not in one_pass
    (reject,) = ImportReject.objects.filter(run=run)
    assert (reject.file, reject.reason[: len(reason)]) == ("customers", reason)


def test_padded_codes_dates_and_keys_are_trimmed_by_the_checked_path(tmp_path):
    rows = base_day()
    rows["trades"][0][1] = " " + rows["trades"][0][1]  # trade date
    rows["trades"][0][2] = "F001 "  # fund account
    rows["trades"][0][5] = " B"  # side
    run, one_pass = import_saying(write_day(tmp_path, DAY, rows))
    assert run.status == RunStatus.LOADED, run.error
    assert "trades" not in one_pass
    trade = Trade.objects.get(serial_no=rows["trades"][0][0])
    assert (str(trade.trade_date), trade.account.fund_account, trade.side) == (
        "2026-03-02",
        "F001",
        "B",
    )
