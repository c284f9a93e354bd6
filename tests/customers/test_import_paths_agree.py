"""The one-pass load and the checked path are built from the same rules (customers/etl/sql/
rules.py): for any file, valid or broken, loading it the way the import does (one pass
first, on PostgreSQL) gives exactly what the checked path alone gives, the same rows loaded
and the same rejects (line, column, reason, raw text)."""

import contextlib
import datetime
from unittest import mock

import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.etl.loader import load_file
from customers.etl.sources import layout_for, python_encoding, read_header
from customers.etl.specs import SPECS
from customers.etl.sql import FileSql
from customers.models import (
    Channel,
    Customer,
    CustomerStatus,
    ImportProfile,
    ImportReject,
    ImportRun,
    Trade,
)
from customers.services import counter_day_import

from .counter_files import HEADERS, base_day, csv_text, write_day
from .profile_layout import _header, _value

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the one-pass load is PostgreSQL's"
    ),
]

DAY = datetime.date(2026, 3, 3)  # the day after base_day(), whose master data is loaded
EXAMPLES = settings(max_examples=30, deadline=None, derandomize=True)

MONEY = ["100", "1500.00", "-150047.12", "+5", ".5", "0", "0.0001", "  37.50 "]
BAD_MONEY = ["NaN", "1e5", "abc", "1 0", "12345678901234567890", "--1", "0x10", "   "]
DATES = ["2026-03-03", "2026-03-02", "2026-02-28", "2024-02-29", "2026-03-10"]
BAD_DATES = ["2026-02-30", "2026-13-01", "2025-02-29", "03/03/2026", "2026-3-3", " 2026-03-03"]
BAD_DATES += ["2026-03-11", "1899-12-31", "0001-01-01", "20260303", ""]

TRADES = {
    "serial_no": ([f"T{n:04}" for n in range(1, 40)], ["T" * 33, "", " T0001"]),
    "trade_date": (DATES, BAD_DATES),
    "fund_account": (["F001", "F002", "F003"], ["F999", " F001", "F001 ", "", "F" * 33]),
    "market": (["SH"], ["XX", " SH", "sh", ""]),
    "sec_code": (["600519"], ["000001", "60051", "6005190", "60051a", ""]),
    "side": (["B", "S", "RS", "IPO", "DIV"], ["X", " B", "b", ""]),
    "quantity": (MONEY, [*BAD_MONEY, ""]),
    "price": (MONEY, [*BAD_MONEY, "123456789012345", ""]),
    "amount": (MONEY, [*BAD_MONEY, ""]),
    "commission": (MONEY, [*BAD_MONEY, ""]),
    "stamp_tax": ([*MONEY, ""], BAD_MONEY),
    "transfer_fee": ([*MONEY, ""], BAD_MONEY),
    "handling_fee": ([*MONEY, ""], BAD_MONEY),
    "regulatory_fee": ([*MONEY, ""], BAD_MONEY),
    "net_amount": (MONEY, [*BAD_MONEY, ""]),
    "channel": ([*Channel.values, ""], ["fax", " mobile", "MOBILE"]),
}
CODES = {  # valid values of the customers' coded columns, and bad ones
    "cust_type": (["0", "1"], ["2", " 0", ""]),
    "gender": (["M", "F", ""], ["X", "m"]),
    "status": (CustomerStatus.values, ["9", " 0", ""]),
    "risk_level": (["C1", "C3", "C5", ""], ["C6", "c1"]),
    "investor_class": (["ordinary", "professional", ""], ["pro"]),
    "invest_horizon": (["short", "medium", "long", ""], ["forever"]),
    "marketing_consent": (["Y", "N", ""], ["y", "X", " Y"]),
}
CUSTOMERS = {
    "cust_no": ([f"C{n:03}" for n in range(1, 30)], ["", "C" * 33, " C001"]),
    "name": (["张三", "李四", "王" * 40, "Zhang San"], ["", "张" * 101, "   "]),
    "id_type": (["0", "1", ""], ["12345"]),
    "id_no": (["110101199003071234", ""], ["1101****1234", "1" * 33]),
    "birth_date": (["1990-03-07", "2000-02-29", ""], BAD_DATES),
    "mobile": (["13800138000", ""], ["1380013800", "138001380001", "1380013800a"]),
    "email": (["a@b.cn", ""], ["a***@b.cn"]),
    "address": (["杭州市西湖区", ""], ["杭州*"]),
    "occupation": (["", "教师"], ["职" * 101]),
    "branch_code": (["0101"], ["9999", " 0101", "", "0" * 17]),
    "manager_code": (["S01", "S02", ""], ["S99", " S01"]),
    "open_date": (["2015-06-01", "2026-03-03"], BAD_DATES),
    "risk_assessed_on": (["2025-01-10", ""], BAD_DATES),
    "invest_varieties": (["equity;fund", ""], ["x" * 201]),
    **CODES,
}
COLUMNS = {"trades": TRADES, "customers": CUSTOMERS}


@st.composite
def counter_file(draw, name: str) -> list[list[str]]:
    """Rows of the file, most of them valid; a broken row has one or two values from the
    bad ones, and a row may come again (a duplicate key)."""
    columns = COLUMNS[name]
    header = HEADERS[name]
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        row = [draw(st.sampled_from(columns[column][0])) for column in header]
        for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 2]))):
            column = draw(st.sampled_from(header))
            row[header.index(column)] = draw(st.sampled_from(columns[column][1]))
        rows.append(row)
    if draw(st.integers(0, 5)) == 0:
        rows.insert(draw(st.integers(0, len(rows))), list(draw(st.sampled_from(rows))))
    return rows


def write_file(folder, name: str, rows: list[list[str]], profile: ImportProfile):
    """The file in the profile's layout (headers, codes, date format, separators)."""
    spec = SPECS[name]
    header = [_header(profile, name, column) for column in HEADERS[name]]
    written = []
    for row in rows:
        cells = []
        for column, value in zip(HEADERS[name], row, strict=True):
            try:
                cells.append(_value(profile, spec, column, value))
            except ValueError:  # not a number the profile's writer can group: as it is
                cells.append(value)
        written.append(cells)
    path = folder / spec.filename
    text = csv_text(header, written, delimiter=profile.delimiter_character)
    path.write_bytes(text.encode(profile.encoding))
    return path


def load(path, name: str, profile: ImportProfile, *, one_pass: bool):
    """Load the file in a transaction rolled back afterwards; what it loaded and rejected."""
    spec = SPECS[name]
    model = {"trades": Trade, "customers": Customer}[name]
    checked_only = mock.patch.object(
        FileSql, "loads_in_one_pass", new_callable=mock.PropertyMock, return_value=False
    )
    with transaction.atomic():
        run = ImportRun.objects.create(business_date=DAY, profile=profile, source=str(path))
        encoding = python_encoding(profile)
        header = read_header(path, encoding, profile.delimiter_character)
        layout, _ = layout_for(spec, header, profile, path.name)
        with contextlib.nullcontext() if one_pass else checked_only:
            outcome = load_file(
                path=path,
                layout=layout,
                encoding=encoding,
                day=DAY,
                run_id=run.pk,
                replace_snapshot=True,
                late=False,
            )
        rows = sorted(
            tuple(sorted((k, str(v)) for k, v in row.items() if k not in ("id", "updated_at")))
            for row in model.objects.values()
        )
        rejects = sorted(
            ImportReject.objects.filter(run=run).values_list("line_no", "column", "reason", "raw")
        )
        transaction.set_rollback(True)
    counts = (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected)
    return (counts, rows, rejects), outcome.one_pass


@pytest.fixture
def loaded_day(tmp_path):
    """The master data the generated files refer to (branch 0101, staff S01 and S02,
    accounts F001 to F003, security SH 600519)."""
    run = counter_day_import(folder=write_day(tmp_path / "base", "20260302", base_day()))
    assert run.status == "loaded", run.error
    return tmp_path


@pytest.mark.parametrize(
    ("name", "profile_name"),
    [("trades", "canonical"), ("trades", "jz-gbk-example"), ("customers", "canonical")],
)
def test_one_pass_and_checked_path_load_the_same_rows_and_keep_the_same_rejects(
    loaded_day, name, profile_name
):
    profile = ImportProfile.objects.get(name=profile_name)
    roads = {"one pass": 0, "checked": 0}

    @EXAMPLES
    @given(rows=counter_file(name))
    def loads_alike(rows):
        folder = loaded_day / "generated"
        folder.mkdir(exist_ok=True)
        path = write_file(folder, name, rows, profile)
        as_imported, took_one_pass = load(path, name, profile, one_pass=True)
        checked, _ = load(path, name, profile, one_pass=False)
        assert as_imported == checked
        roads["one pass" if took_one_pass else "checked"] += 1

    loads_alike()
    # Both roads were taken: clean files in one pass, the others through the checked path.
    assert roads["one pass"] and roads["checked"], roads
