"""The nightly import against the contract of shared/COUNTER_EXPORTS.md, rule by rule.

These run on SQLite and on PostgreSQL (CI runs the suite on both), so the COPY path and the
portable path are held to the same behaviour.
"""

import csv
import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from crm.models import Branch, Role, Staff, Team
from customers.models import (
    CapitalAccount,
    CashFlow,
    Customer,
    DailyBalance,
    DailyCredit,
    DailyPosition,
    ImportReject,
    ImportRun,
    RunStatus,
    ShareholderAccount,
    Trade,
)
from customers.services import counter_corrections_import, counter_day_import
from customers.services import counter_pending_import as import_pending
from products.models import Quote, Security

from .counter_files import HEADERS, base_day, csv_text, write_day

pytestmark = pytest.mark.django_db

DAY = "20260302"


NATURAL_KEYS = {
    "Branch": ("code",),
    "Team": ("branch__code", "name"),
    "Staff": ("staff_code",),
    "Security": ("market", "sec_code"),
    "Customer": ("cust_no",),
    "CapitalAccount": ("fund_account",),
    "User": ("username",),
}


def snapshot_of_business_data() -> dict:
    """Every business row, comparable across loads: relations by natural key, not by id."""
    models = (
        Branch,
        Team,
        Staff,
        Security,
        Quote,
        Customer,
        CapitalAccount,
        ShareholderAccount,
        DailyBalance,
        DailyPosition,
        Trade,
        CashFlow,
        DailyCredit,
    )
    data = {}
    for model in models:
        fields = []
        for field in model._meta.concrete_fields:
            if field.name in ("id", "updated_at"):
                continue
            if field.is_relation:
                keys = NATURAL_KEYS[field.related_model.__name__]
                fields += [f"{field.name}__{key}" for key in keys]
            else:
                fields.append(field.name)
        data[model.__name__] = sorted(
            tuple(str(value) for value in row) for row in model.objects.values_list(*fields)
        )
    return data


def rejects_of(run) -> list[tuple]:
    return list(
        ImportReject.objects.filter(run=run)
        .order_by("file", "line_no")
        .values_list("file", "line_no", "column", "reason")
    )


def test_it_loads_a_clean_day_into_every_table(tmp_path):
    run = counter_day_import(folder=write_day(tmp_path, DAY, base_day()))
    assert run.status == RunStatus.LOADED, run.error
    assert run.rows_rejected == 0
    assert Customer.objects.count() == 2
    customer = Customer.objects.get(cust_no="C001")
    assert customer.manager.staff_code == "S01"
    assert customer.branch.code == "0101"
    assert customer.birth_date == datetime.date(1990, 3, 7)
    assert customer.marketing_consent is True
    assert customer.as_of == datetime.date(2026, 3, 2)
    trade = Trade.objects.get(serial_no="T0001")
    assert trade.commission == Decimal("37.50")
    assert trade.net_amount == Decimal("-150047.12")
    assert trade.security.sec_code == "600519"
    assert DailyBalance.objects.get(account__fund_account="F002").balance == Decimal("5000.50")
    assert DailyCredit.objects.get().maintenance_ratio == Decimal("4.0000")
    assert CashFlow.objects.count() == 3
    assert ShareholderAccount.objects.get(holder_account="0000000002").open_date is None
    assert Security.objects.get(sec_code="000001").sec_code == "000001"
    assert run.files.count() == 12


def test_it_computes_market_value_from_the_close_when_the_file_has_none(tmp_path):
    counter_day_import(folder=write_day(tmp_path, DAY, base_day()))
    position = DailyPosition.objects.get(account__fund_account="F002")
    assert position.market_value == Decimal("10500.00")


def test_it_maps_staff_roles_and_creates_their_teams(tmp_path):
    counter_day_import(folder=write_day(tmp_path, DAY, base_day()))
    manager = Staff.objects.get(staff_code="S01")
    assert manager.role == Role.CUSTOMER_MANAGER
    assert manager.team.name == "财富一组"
    assert manager.team.branch.code == "0101"
    assert Staff.objects.get(staff_code="S02").team is None


def test_it_keeps_a_role_refined_in_the_crm_until_the_counter_changes_it(tmp_path):
    counter_day_import(folder=write_day(tmp_path, DAY, base_day()))
    Staff.objects.filter(staff_code="S01").update(role=Role.TEAM_LEAD)
    counter_day_import(folder=write_day(tmp_path, "20260303", base_day("2026-03-03")))
    assert Staff.objects.get(staff_code="S01").role == Role.TEAM_LEAD
    promoted = base_day("2026-03-04")
    promoted["staff"][0][3] = "branch_head"
    counter_day_import(folder=write_day(tmp_path, "20260304", promoted))
    assert Staff.objects.get(staff_code="S01").role == Role.BRANCH_MANAGER


OUT_OF_RANGE = "date out of range: before 1900 or later than the business day allows"


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "reason"),
    [
        ("customers", 0, 1, "", "required value missing"),
        ("trades", 1, 9, "5,00x", "not a number"),
        ("trades", 0, 1, "2026-02-30", "not a valid date in the profile's date format"),
        ("customers", 1, 13, "2019/09/09", "not a valid date in the profile's date format"),
        ("trades", 1, 5, "X", "unknown code"),
        ("trades", 1, 2, "F999", "unknown fund account"),
        ("capital_accounts", 1, 1, "C999", "unknown customer"),
        ("customers", 1, 11, "9999", "unknown branch"),
        ("customers", 1, 12, "S99", "unknown staff code"),
        ("positions", 1, 4, "5e3", "not a number"),
        # Values PostgreSQL's casts would take, which the contract does not.
        ("trades", 1, 8, "NaN", "not a number"),
        ("trades", 1, 8, "Infinity", "not a number"),
        ("trades", 1, 8, "1_000", "not a number"),
        ("trades", 0, 1, "2026-03-2Z", "not a valid date in the profile's date format"),
        ("trades", 0, 1, "20260302", "not a valid date in the profile's date format"),
        ("cash_flows", 0, 1, "March 2 2026", "not a valid date in the profile's date format"),
        # A real day, but not one the counter can mean (year 1 is 1 BC on PostgreSQL).
        ("trades", 0, 1, "0001-01-01", OUT_OF_RANGE),
        ("cash_flows", 0, 1, "2026-03-10", OUT_OF_RANGE),
        ("customers", 1, 6, "1899-12-31", OUT_OF_RANGE),
        ("customers", 1, 13, "2026-03-03", OUT_OF_RANGE),
        ("customers", 1, 16, "9999-12-31", OUT_OF_RANGE),
        ("securities", 1, 1, "1", "value in the wrong format"),
        ("customers", 0, 7, "138001380001", "value in the wrong format"),
    ],
)
def test_it_rejects_a_bad_row_alone_with_its_line_column_reason_and_text(
    tmp_path, file, row, column, value, reason
):
    rows = base_day()
    rows[file][row][column] = value
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    assert run.status == RunStatus.LOADED_WITH_REJECTS, run.error
    reject = ImportReject.objects.get(run=run, file=file)
    assert reject.line_no == row + 2  # the header is line 1
    assert reject.column == HEADERS[file][column]
    assert reject.reason == reason
    assert next(csv.reader([reject.raw]))[column] == value
    assert run.files.get(file=file).rows_rejected == 1
    assert run.files.get(file=file).rows_loaded == len(rows[file]) - 1


def test_it_loads_the_rest_of_a_file_with_rejects(tmp_path):
    rows = base_day()
    rows["trades"][0][6] = "many"
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    assert list(Trade.objects.values_list("serial_no", flat=True)) == ["T0002"]
    assert run.rows_rejected == 1
    assert run.rows_loaded == run.rows_read - 1


def test_it_rejects_a_repeated_key_and_keeps_the_first(tmp_path):
    rows = base_day()
    duplicate = list(rows["trades"][1])
    duplicate[9] = "99.00"
    rows["trades"].append(duplicate)
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    assert rejects_of(run) == [
        (
            "trades",
            4,
            "trade_date,serial_no",
            "duplicate key: an earlier line of the file has the same key",
        )
    ]
    assert Trade.objects.get(serial_no="T0002").commission == Decimal("5.00")


def test_it_rejects_a_line_with_the_wrong_number_of_fields(tmp_path):
    rows = base_day()
    text = csv_text(HEADERS["trades"], rows["trades"]) + "T0003,2026-03-02,F001\n"
    rows["trades"].append(["placeholder"])  # counted by the manifest
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows, raw={"trades": text.encode()}))
    assert rejects_of(run) == [("trades", 4, "", "wrong number of fields on the line")]
    assert ImportReject.objects.get(run=run).raw == "T0003,2026-03-02,F001"
    assert Trade.objects.count() == 2


def test_it_ignores_unknown_columns_and_reports_them_once(tmp_path):
    rows = base_day()
    headers = {"branches": ["branch_code", "name", "region", "fax"]}
    for row in rows["branches"]:
        row.append("0571-1234")
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows, headers=headers))
    assert run.status == RunStatus.LOADED
    assert run.files.get(file="branches").ignored_columns == ["fax"]


def test_it_reads_a_file_with_a_byte_order_mark(tmp_path):
    rows = base_day()
    data = b"\xef\xbb\xbf" + csv_text(HEADERS["branches"], rows["branches"]).encode()
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows, raw={"branches": data}))
    assert run.status == RunStatus.LOADED, run.error
    assert Branch.objects.get().code == "0101"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("missing_column", "customers.csv: required column missing: cust_no"),
        ("undecodable", "customers.csv: cannot be decoded"),
        ("checksum", "trades.csv: checksum does not match the manifest"),
        ("row_count", "trades.csv: row count does not match the manifest (5 announced)"),
        ("not_delivered", "cash_flows.csv: listed in the manifest but not delivered"),
    ],
)
def test_it_refuses_the_whole_day_naming_the_file_and_the_cause(tmp_path, change, message):
    rows = base_day()
    options = {}
    if change == "missing_column":
        options["headers"] = {"customers": ["customer_id", *HEADERS["customers"][1:]]}
    elif change == "undecodable":
        data = csv_text(HEADERS["customers"], rows["customers"]).encode("gbk")
        options["raw"] = {"customers": data}
    elif change == "checksum":
        options["manifest_overrides"] = {"trades": (2, "0" * 64)}
    folder = write_day(tmp_path, DAY, rows, **options)
    if change == "row_count":
        data = (folder / "trades.csv").read_bytes()
        _rewrite_manifest(folder, "trades.csv", rows=5, data=data)
    if change == "not_delivered":
        (folder / "cash_flows.csv").unlink()
    run = counter_day_import(folder=folder)
    assert run.status == RunStatus.REFUSED
    assert run.error.startswith(message)
    assert run.rows_loaded == 0
    assert Branch.objects.count() == 0  # not even the files before the refused one
    assert Customer.objects.count() == 0
    assert ImportReject.objects.count() == 0


def test_it_refuses_an_undecodable_file_whose_line_count_differs_from_the_manifest(tmp_path):
    rows = base_day()
    data = csv_text(HEADERS["trades"], rows["trades"]).encode() + b"\xff\xfe\n"
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows, raw={"trades": data}))
    assert run.status == RunStatus.REFUSED
    assert run.error.startswith("trades.csv: cannot be decoded as utf-8")


def _rewrite_manifest(folder, name, *, rows, data):
    import hashlib

    lines = (folder / "manifest.csv").read_text().splitlines()
    digest = hashlib.sha256(data).hexdigest()
    fixed = [lines[0]] + [
        f"{name},{rows},{digest}" if line.startswith(name + ",") else line for line in lines[1:]
    ]
    (folder / "manifest.csv").write_text("\n".join(fixed) + "\n")


def test_it_does_not_import_a_day_without_a_manifest(tmp_path):
    folder = write_day(tmp_path, DAY, base_day())
    (folder / "manifest.csv").unlink()
    assert import_pending(root=tmp_path) == []
    run = counter_day_import(folder=folder)
    assert run.status == RunStatus.REFUSED
    assert "manifest.csv: missing" in run.error


def test_it_gives_the_same_database_when_a_day_is_loaded_twice(tmp_path):
    folder = write_day(tmp_path, DAY, base_day())
    counter_day_import(folder=folder)
    once = snapshot_of_business_data()
    second = counter_day_import(folder=folder)
    assert second.status == RunStatus.LOADED
    assert snapshot_of_business_data() == once


def test_it_replaces_snapshots_and_corrects_flows_on_a_redelivery(tmp_path):
    counter_day_import(folder=write_day(tmp_path / "first", DAY, base_day()))
    other_day = write_day(tmp_path / "first", "20260303", base_day("2026-03-03"))
    counter_day_import(folder=other_day)
    corrected = base_day()
    del corrected["positions"][1]  # a position absent from the snapshot is zero
    corrected["positions"][0][3] = "200"
    corrected["trades"][0][9] = "40.00"  # same serial, corrected commission
    corrected["trades"].append(
        [
            "T0009",
            "2026-03-02",
            "F002",
            "SZ",
            "000001",
            "B",
            "100",
            "10.00",
            "1000.00",
            "5.00",
            "0",
            "0.01",
            "0.03",
            "0.02",
            "-1005.06",
            "phone",
        ]
    )
    run = counter_day_import(folder=write_day(tmp_path / "again", DAY, corrected))
    assert run.status == RunStatus.LOADED
    day = datetime.date(2026, 3, 2)
    positions = DailyPosition.objects.filter(business_date=day)
    assert [(p.account.fund_account, p.quantity) for p in positions] == [("F001", 200)]
    assert Trade.objects.get(trade_date=day, serial_no="T0001").commission == Decimal("40.00")
    assert Trade.objects.filter(trade_date=day).count() == 3
    # The other day is untouched.
    assert DailyPosition.objects.filter(business_date=datetime.date(2026, 3, 3)).count() == 2


def test_a_next_day_rewrites_only_the_master_rows_that_changed(tmp_path):
    counter_day_import(folder=write_day(tmp_path, DAY, base_day()))
    nextday = base_day("2026-03-03")
    nextday["customers"][0][1] = "张三丰"
    run = counter_day_import(folder=write_day(tmp_path, "20260303", nextday))
    assert run.status == RunStatus.LOADED, run.error
    changed, unchanged = Customer.objects.get(cust_no="C001"), Customer.objects.get(cust_no="C002")
    assert (changed.name, changed.as_of) == ("张三丰", datetime.date(2026, 3, 3))
    assert unchanged.as_of == datetime.date(2026, 3, 2)  # not rewritten: as of its last change


def test_it_loads_a_late_day_without_overwriting_newer_master_data(tmp_path):
    newer = base_day("2026-03-03")
    newer["customers"][0][1] = "张三丰"
    counter_day_import(folder=write_day(tmp_path, "20260303", newer))
    late = counter_day_import(folder=write_day(tmp_path, DAY, base_day()))
    assert late.status == RunStatus.LOADED
    assert late.late is True
    assert Customer.objects.get(cust_no="C001").name == "张三丰"
    assert Customer.objects.get(cust_no="C001").as_of == datetime.date(2026, 3, 3)
    assert Trade.objects.filter(trade_date=datetime.date(2026, 3, 2)).count() == 2


def test_it_imports_pending_days_in_date_order_and_again_when_redelivered(tmp_path):
    write_day(tmp_path, "20260303", base_day("2026-03-03"))
    write_day(tmp_path, DAY, base_day())
    (tmp_path / "20260304").mkdir()  # no manifest yet: not complete
    runs = import_pending(root=tmp_path)
    assert [run.business_date.day for run in runs] == [2, 3]
    assert import_pending(root=tmp_path) == []
    redelivered = base_day()
    redelivered["balances"][0][2] = "99.00"
    write_day(tmp_path, DAY, redelivered)
    again = import_pending(root=tmp_path)
    assert [run.business_date.day for run in again] == [2]
    assert DailyBalance.objects.get(
        business_date=datetime.date(2026, 3, 2), account__fund_account="F001"
    ).balance == Decimal("99.00")


def test_it_reimports_corrected_rejects_and_retires_them(tmp_path):
    rows = base_day()
    rows["trades"][1][5] = "X"
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    reject = ImportReject.objects.get(run=run)
    fixed = reject.raw.replace(",X,", ",S,")
    upload = tmp_path / "fixed.csv"
    upload.write_text(run.files.get(file="trades").header + "\n" + fixed + "\n")
    correction = counter_corrections_import(run=run, file="trades", upload=upload)
    assert correction.status == RunStatus.LOADED, correction.error
    assert correction.rows_loaded == 1
    assert Trade.objects.get(serial_no="T0002").side == "S"
    reject.refresh_from_db()
    assert reject.resolved_by == correction
    # The correction touched only the given rows: the day's snapshots are intact.
    assert DailyPosition.objects.count() == 2


def test_it_records_each_run_with_per_file_counts(tmp_path):
    rows = base_day()
    rows["cash_flows"][2][4] = "lots"
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    run.refresh_from_db()
    assert run.finished_at is not None
    assert run.files.get(file="cash_flows").rows_read == 3
    assert run.files.get(file="cash_flows").rows_rejected == 1
    assert run.rows_read == sum(f.rows_read for f in run.files.all())
    assert ImportRun.objects.count() == 1


def test_the_command_imports_a_folder_and_fails_on_a_refused_day(tmp_path, capsys):
    write_day(tmp_path, DAY, base_day())
    call_command("import_counter", str(tmp_path), language="en")
    assert "1 day: " in capsys.readouterr().out
    bad = base_day("2026-03-03")
    folder = write_day(tmp_path, "20260303", bad, manifest_overrides={"trades": (9, "0" * 64)})
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=r"trades\.csv: checksum"):
        call_command("import_counter", str(tmp_path), "--day", folder.name, language="en")


def test_it_accepts_valid_values_the_quick_check_cannot_vouch_for(tmp_path):
    rows = base_day()
    rows["customers"][0][13] = "2016-02-29"  # a leap day, past the 28th
    # Longer than the quick check vouches for, yet a valid amount (fifteen significant
    # digits: SQLite keeps decimals as doubles).
    rows["balances"][0][2] = "+000000123456789.50"
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    assert run.status == RunStatus.LOADED, rejects_of(run)
    assert Customer.objects.get(cust_no="C001").open_date == datetime.date(2016, 2, 29)
    balance = DailyBalance.objects.get(account__fund_account="F001").balance
    assert balance == Decimal("123456789.50")


@pytest.mark.parametrize(
    ("file", "column", "name", "value"),
    [
        ("balances", 2, "balance", "1234567890123456789.00"),  # 19 digits; money holds 18
        ("trades", 7, "price", "123456789012345"),  # 15 digits; a price holds 14
    ],
)
def test_it_rejects_a_number_too_large_for_its_column(tmp_path, file, column, name, value):
    rows = base_day()
    rows[file][0][column] = value
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    assert run.status == RunStatus.LOADED_WITH_REJECTS, run.error
    assert rejects_of(run) == [(file, 2, name, "number too large for its column")]


def test_a_line_with_a_nul_character_is_rejected_alone(tmp_path):
    rows = base_day()
    text = csv_text(HEADERS["trades"], rows["trades"]).encode()
    data = text.replace(rows["trades"][0][-1].encode(), b"mob\x00ile", 1)
    assert data != text
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows, raw={"trades": data}))
    assert run.status == RunStatus.LOADED_WITH_REJECTS, run.error
    (reject,) = ImportReject.objects.filter(run=run)
    assert (reject.file, reject.line_no) == ("trades", 2)
    assert reject.reason.startswith("a NUL character on the line")
    assert reject.raw.endswith(",mob\ufffdile")
    assert Trade.objects.count() == len(rows["trades"]) - 1
