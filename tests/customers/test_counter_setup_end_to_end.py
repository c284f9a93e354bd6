"""A new counter set up in Django admin alone: an administrator describes a tab-delimited GBK
counter with Chinese headers and its own codes only through the admin's HTTP forms (the add
form with inline rows, the set-up from a sample day, the copy action, the change form), two
days are imported with it, and the figures people read are the ones computed by hand."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analytics.models import CustomerDay
from analytics.services import metrics_compute_stale
from customers.models import (
    ColumnAlias,
    Customer,
    CustomerFigures,
    ImportProfile,
    ImportRun,
    RunStatus,
)
from customers.services import counter_day_import
from customers.services.profiles import import_profile_copy
from tests.crm.factories import UserFactory

from .counter_files import base_day, write_day
from .profile_layout import rewrite_for_profile

pytestmark = pytest.mark.django_db
ADMIN = "/admin/customers/importprofile/"


@pytest.fixture
def admin_client(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def vendor_days(tmp_path: Path) -> list[Path]:
    """Two days as the vendor's counter writes them: tab-delimited GBK, Chinese headers, its
    own codes, compact dates, thousands separators, and a header (成交编号) and a code (买入)
    that no profile shipped with the CRM knows."""
    first = base_day("2026-03-02")
    second = base_day("2026-03-03")
    second["balances"][0][2] = "1234567.89"  # F001, written as 1,234,567.89
    second["positions"][1][3] = "2000"  # F002 000001, no market value: 2000 x close
    second["positions"][1][6] = ""
    second["quotes"][1][2] = "11.25"
    second["customers"][1][14] = "1"  # 李四 frozen (冻结)
    writer = import_profile_copy(profile=ImportProfile.objects.get(name="jz-gbk-example"))
    writer.delimiter = "tab"
    writer.save()
    ColumnAlias.objects.create(profile=writer, file="trades", header="成交编号", column="serial_no")
    writer.codes.filter(column="side", target="B").update(source="买入")
    folders = [
        rewrite_for_profile(
            write_day(tmp_path / "canonical", name, rows), tmp_path / "vendor" / name, writer
        )
        for name, rows in (("20260302", first), ("20260303", second))
    ]
    writer.delete()  # what the vendor writes must be learnt by the admin, not by this test
    return folders


def change_form_data(response) -> dict:
    """Every field of an admin change page as the browser would send it back unchanged."""
    context = response.context
    data = {}
    forms = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms += formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


def test_an_admin_sets_a_new_counter_up_in_admin_alone_and_its_figures_are_right(
    admin_client, tmp_path
):
    day_one, day_two = vendor_days(tmp_path)

    # 1. The add form, with the one header and code the admin knows from the vendor's manual.
    response = admin_client.post(
        f"{ADMIN}add/",
        {
            "name": "vendor-tab",
            "description": "某柜台：制表符分隔的 GBK 文件",
            "encoding": "gbk",
            "delimiter": "tab",
            "other_delimiter": "",
            "date_format": "YYYYMMDD",
            "thousands_separator": ",",
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-file": "trades",
            "aliases-0-header": "成交编号",
            "aliases-0-column": "serial_no",
            "codes-TOTAL_FORMS": "1",
            "codes-INITIAL_FORMS": "0",
            "codes-0-file": "",
            "codes-0-column": "side",
            "codes-0-source": "买入",
            "codes-0-target": "B",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    profile = ImportProfile.objects.get(name="vendor-tab")
    assert profile.delimiter_character == "\t"

    # 2. The set-up from a sample day: the rest is proposed from the shipped example.
    sample = [SimpleUploadedFile(path.name, path.read_bytes()) for path in day_one.iterdir()]
    response = admin_client.post(f"{ADMIN}{profile.pk}/setup/", {"upload": sample})
    assert response.status_code == 200
    unmapped = response.context["unmapped"]
    assert not [item for item in unmapped.unknown_headers if not item.proposal]
    assert not [item for item in unmapped.unmapped_codes if not item.proposal]
    form = response.context["form"]
    answers = {name: form[name].value() or "" for name in form.fields}
    response = admin_client.post(f"{ADMIN}{profile.pk}/setup/save/", answers)
    assert response.status_code == 200
    assert response.context["unmapped"].complete

    # 3. The copy action: the copy is the profile this counter's days are imported with.
    response = admin_client.post(
        ADMIN, {"action": "copy_profiles", "_selected_action": [str(profile.pk)]}
    )
    assert response.status_code == 302
    counter = ImportProfile.objects.get(name="vendor-tab-copy")
    assert counter.aliases.count() == profile.aliases.count() > 50
    assert counter.codes.count() == profile.codes.count() > 20

    # 4. The first day imports whole; a dry run of the second finds a code the sample lacked.
    run = counter_day_import(folder=day_one, profile=counter)
    assert (run.status, run.rows_rejected) == (RunStatus.LOADED, 0), run.error
    second = [SimpleUploadedFile(path.name, path.read_bytes()) for path in day_two.iterdir()]
    response = admin_client.post(
        f"{ADMIN}{counter.pk}/dry-run/", {"upload": second, "business_day": "2026-03-03"}
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    report = response.context["result"]
    assert report.refused == ""
    (customers,) = [result for result in report.files if result.file == "customers"]
    assert [(r.column, r.rows) for r in customers.reasons] == [("status", 1)]
    assert "冻结" in customers.reasons[0].raw
    assert not ImportRun.objects.filter(business_date="2026-03-03").exists()

    # 5. Saved again through admin, with that code added: the delimiter and every row survive.
    page = admin_client.get(f"{ADMIN}{counter.pk}/change/")
    data = change_form_data(page)
    assert data["delimiter"] == "tab"
    total = int(data["codes-TOTAL_FORMS"])
    extra = next(
        index
        for index in range(total)
        if not data.get(f"codes-{index}-id") and not data.get(f"codes-{index}-source")
    )
    data.update(
        {
            f"codes-{extra}-file": "customers",
            f"codes-{extra}-column": "status",
            f"codes-{extra}-source": "冻结",
            f"codes-{extra}-target": "1",
        }
    )
    codes_before, aliases_before = counter.codes.count(), counter.aliases.count()
    response = admin_client.post(f"{ADMIN}{counter.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    counter.refresh_from_db()
    assert counter.delimiter_character == "\t"
    assert (counter.codes.count(), counter.aliases.count()) == (codes_before + 1, aliases_before)

    # 6. The second day now imports whole; importing it again changes nothing.
    for _ in range(2):
        run = counter_day_import(folder=day_two, profile=counter)
        assert (run.status, run.rows_rejected) == (RunStatus.LOADED, 0), run.error
    metrics_compute_stale()

    # 7. The figures, computed by hand from the two days.
    c001 = CustomerFigures.objects.get(customer__cust_no="C001")
    assert c001.as_of == datetime.date(2026, 3, 3)
    assert c001.cash == Decimal("1234567.89")
    assert c001.market_value == Decimal("150000.00")
    assert c001.liabilities == Decimal("50120.50")  # 50,000 financing + 120.50 interest
    assert c001.total_assets == Decimal("1384567.89")
    c002 = CustomerFigures.objects.get(customer__cust_no="C002")
    assert c002.market_value == Decimal("22500.00")  # 2,000 x 11.25
    assert c002.total_assets == Decimal("27500.50")
    assert Customer.objects.get(cust_no="C002").status == "1"
    day = CustomerDay.objects.get(business_date="2026-03-03", customer__cust_no="C001")
    assert day.commission == Decimal("37.50")
    assert day.net_commission == Decimal("29.38")  # less 5.12 handling and 3.00 regulatory
    assert day.net_inflow == Decimal("200000.00")
    assert CustomerDay.objects.get(
        business_date="2026-03-03", customer__cust_no="C002"
    ).net_commission == Decimal("4.71")
    assert ImportRun.objects.filter(profile=counter, status=RunStatus.LOADED).count() == 3
