"""`import_product_sales FILE`: each row gets a check (purpose SALE_IMPORT); prohibited rows
and mismatches without a confirmation's recording reference are rejected, with their reasons
in a report next to the file; the others are recorded, with the confirmation where given;
importing the file again adds nothing; the accepted rows are written together or not at
all."""

import csv
import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from products.models import (
    CheckPurpose,
    CheckResult,
    ProductSale,
    SaleSource,
    SuitabilityCheck,
    SuitabilityConfirmation,
)
from products.services.sales import IMPORT_COLUMNS, sales_import_report_path
from tests.products.data import product_make, profiled

pytestmark = pytest.mark.django_db

SOLD_ON = "2026-03-02"


@pytest.fixture
def book(org):
    """The broker's customer C3 (assessed on 2025-06-01, long horizon, every variety), the
    teammate's customer in the lowest category, and products R1, R3 and R4."""
    assessed_on = datetime.date(2025, 6, 1)
    profiled(org.broker_customer, risk_assessed_on=assessed_on)
    profiled(
        org.teammate_customer, risk_level="C1", risk_assessed_on=assessed_on, lowest_category=True
    )
    for code, risk in (("F-R1", "R1"), ("F-R3", "R3"), ("F-R4", "R4")):
        product_make(code, risk, fee_rate=Decimal("0.01"))
    return org


def row(ref, cust_no="A0001", product="F-R1", **fields) -> dict:
    return {
        "external_ref": ref,
        "cust_no": cust_no,
        "product_code": product,
        "amount": "10000",
        "fee": "",
        "sold_on": SOLD_ON,
        "staff_code": "BROKER",
        "channel": "branch",
        "confirmation_recording_ref": "",
        "confirmation_warning": "",
        **fields,
    }


def write(tmp_path, rows, name="sales.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=IMPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(path, language="en") -> str:
    out = io.StringIO()
    call_command("import_product_sales", str(path), language=language, stdout=out)
    return out.getvalue()


def report_of(path) -> dict[str, str]:
    with sales_import_report_path(path).open(encoding="utf-8-sig", newline="") as report:
        return {line["external_ref"]: line["reasons"] for line in csv.DictReader(report)}


ROWS = [
    row("S1"),  # suitable
    row("S2", product="F-R3", fee="7.5"),  # suitable, with its fee
    row("S3", cust_no="A0002", product="F-R3"),  # prohibited: lowest category and R3
    row("S4", product="F-R4"),  # mismatch without a confirmation
    row("S5", product="F-R4", confirmation_recording_ref="REC-5", confirmation_warning="已提示"),
    row("S6", cust_no="NOBODY"),
    row("S7", amount="ten"),
    row("S8", channel="pigeon", staff_code="NOSUCH"),
    row("S1"),  # the same sale twice in the file
]


def test_it_records_the_suitable_and_confirmed_rows_and_rejects_the_others(tmp_path, book):
    path = write(tmp_path, ROWS)
    printed = run(path)
    assert "3 created, 1 duplicates, 5 rejected" in printed
    assert str(sales_import_report_path(path)) in printed
    sales = {sale.external_ref: sale for sale in ProductSale.objects.select_related("staff")}
    assert sorted(sales) == ["S1", "S2", "S5"]
    assert sales["S1"].fee == Decimal("100.00")  # 10,000 at 1 %
    assert sales["S2"].fee == Decimal("7.50")
    assert sales["S1"].source == SaleSource.IMPORTED
    assert sales["S1"].staff == book.broker
    assert sales["S1"].sold_on == datetime.date(2026, 3, 2)
    assert sales["S1"].suitability_check.purpose == CheckPurpose.SALE_IMPORT
    confirmed = sales["S5"].suitability_check
    assert confirmed.result == CheckResult.MISMATCH
    confirmation = SuitabilityConfirmation.objects.get(suitability_check=confirmed)
    assert (confirmation.recording_ref, confirmation.warning_text) == ("REC-5", "已提示")
    # Every row that could be checked was: the prohibited and the unconfirmed ones too.
    assert SuitabilityCheck.objects.filter(purpose=CheckPurpose.SALE_IMPORT).count() == 5
    reasons = report_of(path)
    assert sorted(reasons) == ["S3", "S4", "S6", "S7", "S8"]
    assert "Prohibited" in reasons["S3"] and "Lowest-category" in reasons["S3"]
    assert "without a confirmation" in reasons["S4"] and "risk level" in reasons["S4"]
    assert "No customer NOBODY." in reasons["S6"]
    assert "amount is not a number" in reasons["S7"]
    assert "No member of staff NOSUCH." in reasons["S8"] and "channel" in reasons["S8"]


def test_importing_the_file_again_adds_nothing(tmp_path, book):
    path = write(tmp_path, ROWS)
    run(path)
    sales = ProductSale.objects.count()
    printed = run(path)
    assert "0 created, 4 duplicates, 5 rejected" in printed
    assert ProductSale.objects.count() == sales


def test_a_clean_file_leaves_no_report_and_removes_an_earlier_one(tmp_path, book):
    path = write(tmp_path, [row("S3", cust_no="A0002", product="F-R3")])
    run(path)
    assert sales_import_report_path(path).exists()
    write(tmp_path, [row("S1")])
    assert "1 created, 0 duplicates, 0 rejected" in run(path)
    assert not sales_import_report_path(path).exists()


def test_the_accepted_rows_are_written_together_or_not_at_all(tmp_path, book):
    path = write(tmp_path, [row("S1"), row("S2", product="F-R3"), row("S3", cust_no="A0002")])
    real = ProductSale.objects.create

    def fail_second(**fields):
        if fields["external_ref"] == "S2":
            raise RuntimeError("the database went away")
        return real(**fields)

    with (
        mock.patch.object(ProductSale.objects, "create", side_effect=fail_second),
        pytest.raises(RuntimeError),
    ):
        run(path)
    assert not ProductSale.objects.exists()
    assert not SuitabilityCheck.objects.exists()
    assert not sales_import_report_path(path).exists()


def test_a_file_without_the_columns_is_refused(tmp_path, book):
    path = tmp_path / "sales.csv"
    path.write_text("ref,customer\nS1,A0001\n", encoding="utf-8")
    with pytest.raises(CommandError, match="lacks the columns"):
        run(path)
    with pytest.raises(CommandError, match="No file"):
        run(tmp_path / "missing.csv")
    assert not ProductSale.objects.exists()


def test_it_speaks_the_settings_language_unless_asked(tmp_path, book, monkeypatch):
    """Each line it prints is said in the language active then: the settings' (zh-hans) by
    default, English with --language en."""
    monkeypatch.delenv("LANGUAGE", raising=False)
    path = write(tmp_path, [row("S1")])
    spoken = mock.patch(
        "products.management.commands.import_product_sales._",
        side_effect=lambda text: f"[{translation.get_language()}]",
    )
    with spoken:
        out = io.StringIO()
        call_command("import_product_sales", str(path), stdout=out)
        assert out.getvalue().split() == ["[zh-hans]"]
        out = io.StringIO()
        call_command("import_product_sales", str(path), language="en", stdout=out)
        assert out.getvalue().split() == ["[en]"]


def test_values_the_columns_cannot_hold_are_rejected_rows_not_a_failed_import(tmp_path, book):
    path = write(
        tmp_path,
        [
            row("S1", amount="1e30"),
            row("S2", amount="10.005"),
            row("S3", fee="-1"),
            row("R" * 65),
            row("S5", product="F-R4", confirmation_recording_ref="x" * 201),
            row("S6"),
        ],
    )
    assert "1 created, 0 duplicates, 5 rejected" in run(path)
    assert list(ProductSale.objects.values_list("external_ref", flat=True)) == ["S6"]
    reasons = report_of(path)
    assert "in cents" in reasons["S1"] and "in cents" in reasons["S2"]
    assert "fee" in reasons["S3"]
    assert "too long" in reasons["R" * 65] and "too long" in reasons["S5"]
