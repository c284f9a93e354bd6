"""Set-up of an import profile from a sample day, and the dry run of a day, in Django admin:
driven through the admin's HTTP forms as a superuser would."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from customers.models import (
    ColumnAlias,
    Customer,
    ImportProfile,
    ImportReject,
    ImportRun,
    RunStatus,
    Trade,
)
from customers.services import counter_day_import
from customers.services.profiles import import_profile_copy
from tests.crm.factories import UserFactory

from .counter_files import base_day, write_day
from .profile_layout import rewrite_for_profile

pytestmark = pytest.mark.django_db
DAY = "20260302"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    """Uploads go to a temporary folder under DATA_DIR, which the tests look into."""
    settings.DATA_DIR = tmp_path / "data"
    settings.IMPORT_ROOT = tmp_path / "imports"


@pytest.fixture
def vendor_day(tmp_path) -> Path:
    """A tab-delimited GBK day with Chinese headers: the shipped example's layout, but with a
    trades header (成交编号) and a side code (买入) that no profile knows."""
    canonical = write_day(tmp_path / "canonical", DAY, base_day())
    writer = import_profile_copy(
        profile=ImportProfile.objects.get(name="jz-gbk-example"), name="vendor-writer"
    )
    writer.delimiter = "tab"
    writer.save()
    ColumnAlias.objects.create(profile=writer, file="trades", header="成交编号", column="serial_no")
    writer.codes.filter(column="side", target="B").update(source="买入")
    folder = rewrite_for_profile(canonical, tmp_path / "vendor" / DAY, writer)
    writer.delete()  # its knowledge must not come back as proposals
    return folder


def profile_url(profile: ImportProfile, page: str) -> str:
    return f"/admin/customers/importprofile/{profile.pk}/{page}/"


def uploads(folder: Path) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(path.name, path.read_bytes()) for path in sorted(folder.iterdir())]


def zipped(folder: Path, *, inside: str | None = None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{inside}/{path.name}" if inside else path.name)
    return SimpleUploadedFile("day.zip", buffer.getvalue(), content_type="application/zip")


def create_vendor_profile(admin_client: Client) -> ImportProfile:
    """An empty profile for the vendor, added through the admin's add form."""
    response = admin_client.post(
        "/admin/customers/importprofile/add/",
        {
            "name": "vendor-tab",
            "description": "",
            "encoding": "gbk",
            "delimiter": "tab",
            "other_delimiter": "",
            "date_format": "YYYYMMDD",
            "thousands_separator": ",",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "codes-TOTAL_FORMS": "0",
            "codes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportProfile.objects.get(name="vendor-tab")


def answers(response, **chosen) -> dict:
    """The answers form as the page offers it (proposals preselected), with `chosen` answers
    given by (file or scope, header or column, value) labels: {"trades.csv: 成交编号": ...}."""
    form = response.context["form"]
    data = {"sample": form["sample"].value()}
    for name, field in form.fields.items():
        if name != "sample":
            data[name] = chosen.get(field.label, form[name].value() or "")
    return data


def unknown_headers(response) -> dict[tuple[str, str], str]:
    return {
        (item.file, item.header): item.proposal
        for item in response.context["unmapped"].unknown_headers
    }


def unmapped_codes(response) -> dict[tuple[str, str], tuple[int, str]]:
    return {
        (item.column, item.value): (item.count, item.proposal)
        for item in response.context["unmapped"].unmapped_codes
    }


def leftover_uploads(settings) -> list[Path]:
    folder = Path(settings.DATA_DIR) / "uploads"
    return list(folder.iterdir()) if folder.exists() else []


# -- set-up from a sample day -----------------------------------------------------------------


def test_it_links_set_up_and_dry_run_from_the_profile_change_page(admin_client):
    profile = ImportProfile.objects.get(name="canonical")
    page = admin_client.get(profile_url(profile, "change")).content.decode()
    assert profile_url(profile, "setup") in page
    assert profile_url(profile, "dry-run") in page


def test_it_sets_a_tab_delimited_gbk_profile_up_from_an_uploaded_day_so_that_it_imports(
    admin_client, vendor_day, settings
):
    profile = create_vendor_profile(admin_client)
    assert admin_client.get(profile_url(profile, "setup")).status_code == 200

    response = admin_client.post(profile_url(profile, "setup"), {"upload": uploads(vendor_day)})

    assert response.status_code == 200
    assert leftover_uploads(settings) == []
    headers = unknown_headers(response)
    # Proposed from the shipped example; the header it does not know has no proposal.
    assert headers["customers", "客户号"] == "cust_no"
    assert headers["staff", "员工姓名"] == "name"
    assert headers["trades", "成交编号"] == ""
    assert ("cash_flows", "流水号") in headers
    codes = unmapped_codes(response)
    assert codes["side", "证券卖出"] == (1, "S")
    assert codes["side", "买入"] == (1, "")
    assert codes["market", "沪A"] == (5, "SH")  # one answer for every file with a market
    assert ("trades", "serial_no") in {
        (item.file, item.column) for item in response.context["unmapped"].missing_columns
    }
    page = response.content.decode()
    assert "成交编号" in page and "买入" in page

    response = admin_client.post(
        profile_url(profile, "setup/save"),
        answers(response, **{"trades.csv: 成交编号": "serial_no", "side: 买入": "B"}),
        **EN,
    )

    assert response.status_code == 200
    unmapped = response.context["unmapped"]
    assert unmapped.complete, (unmapped.unknown_headers, unmapped.unmapped_codes)
    page = response.content.decode()
    assert "Nothing is left to map" in page
    assert profile_url(profile, "dry-run") in page
    assert profile.aliases.get(header="成交编号").column == "serial_no"
    assert profile.aliases.get(header="员工姓名").column == "name"
    # status takes other codes in staff than in customers: mapped per file.
    assert profile.codes.get(file="customers", column="status", source="正常").target == "0"
    assert profile.codes.get(file="staff", column="status", source="在职").target == "active"
    assert profile.codes.get(file="", column="side", source="买入").target == "B"
    assert profile.codes.get(file="", column="market", source="沪A").target == "SH"

    run = counter_day_import(folder=vendor_day, profile=profile)

    assert run.status == RunStatus.LOADED, run.error
    assert Trade.objects.get(serial_no="T0001").side == "B"
    assert Customer.objects.get(cust_no="C001").status == "0"


def test_a_copy_of_the_example_lists_only_what_the_example_does_not_know(admin_client, vendor_day):
    example = ImportProfile.objects.get(name="jz-gbk-example")
    admin_client.post(
        "/admin/customers/importprofile/",
        {"action": "copy_profiles", "_selected_action": [example.pk]},
    )
    profile = ImportProfile.objects.get(name="jz-gbk-example-copy")
    profile.delimiter = "tab"
    profile.save()

    response = admin_client.post(profile_url(profile, "setup"), {"upload": [zipped(vendor_day)]})

    assert unknown_headers(response) == {("trades", "成交编号"): ""}
    assert unmapped_codes(response) == {("side", "买入"): (1, "")}


def test_it_reads_a_day_folder_under_the_import_root(admin_client, vendor_day, settings):
    day = write_day(Path(settings.IMPORT_ROOT), DAY, base_day())
    profile = ImportProfile.objects.get(name="canonical")
    page = admin_client.get(profile_url(profile, "setup")).content.decode()
    assert f'value="{DAY}"' in page

    response = admin_client.post(profile_url(profile, "setup"), {"folder": DAY}, **EN)

    assert response.context["unmapped"].complete
    assert day.exists()  # the counter's own folder is read, never removed
    assert "Nothing is left to map" in response.content.decode()


def test_it_says_which_delimiter_seems_right_when_the_header_does_not_split(
    admin_client, vendor_day
):
    profile = import_profile_copy(profile=ImportProfile.objects.get(name="jz-gbk-example"))
    assert profile.delimiter == "comma"

    response = admin_client.post(
        profile_url(profile, "setup"), {"upload": uploads(vendor_day)}, **EN
    )

    problems = {file: str(note) for file, note in response.context["unmapped"].problems}
    assert "1 column found; the header holds tabs: is the delimiter right?" in problems["trades"]
    assert "the header holds tabs" in response.content.decode()
    assert unknown_headers(response) == {}


def test_it_says_which_encoding_seems_right_for_a_file_that_does_not_decode(admin_client):
    profile = ImportProfile.objects.get(name="jz-gbk-example")
    header = "流水号,成交日期,资金账号,市场,证券代码,业务名称\n"

    response = admin_client.post(
        profile_url(profile, "setup"),
        {
            "upload": [
                SimpleUploadedFile("trades.csv", header.encode("utf-8")),
                SimpleUploadedFile("quotes.csv", b"\xff\xfe\xfa,\x80\n"),
            ]
        },
        **EN,
    )

    assert response.status_code == 200
    problems = {file: str(note) for file, note in response.context["unmapped"].problems}
    assert "UTF-8" in problems["trades"]
    assert "cannot be decoded as gbk" in problems["quotes"]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Choose a day folder or upload the day&#x27;s files"),
        ([SimpleUploadedFile("notes.txt", b"hello")], "Upload .csv files, or one .zip"),
        ([SimpleUploadedFile("day.zip", b"not a zip")], "not a readable .zip file"),
        ("zip without csv", "The .zip holds no .csv file."),
        ([SimpleUploadedFile("readme.csv", b"a,b\n1,2\n")], "No counter file in the sample"),
    ],
)
def test_a_bad_upload_gets_a_message_not_an_error(admin_client, settings, upload, message):
    if upload == "zip without csv":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("20260302/readme.txt", "nothing here")
        upload = [SimpleUploadedFile("day.zip", buffer.getvalue())]
    profile = ImportProfile.objects.get(name="canonical")

    response = admin_client.post(
        profile_url(profile, "setup"), {"upload": upload} if upload else {}, follow=True, **EN
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert leftover_uploads(settings) == []


def test_a_code_the_contract_does_not_allow_is_refused_and_nothing_is_saved(
    admin_client, vendor_day
):
    profile = create_vendor_profile(admin_client)
    response = admin_client.post(profile_url(profile, "setup"), {"upload": uploads(vendor_day)})
    data = answers(response, **{"side: 买入": "buy"})

    response = admin_client.post(profile_url(profile, "setup/save"), data, **EN)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not profile.aliases.exists()
    assert not profile.codes.exists()


def test_two_headers_for_one_column_are_refused(admin_client, vendor_day):
    profile = create_vendor_profile(admin_client)
    response = admin_client.post(profile_url(profile, "setup"), {"upload": uploads(vendor_day)})
    data = answers(response, **{"trades.csv: 成交编号": "trade_date"})  # 成交日期 is proposed so

    response = admin_client.post(profile_url(profile, "setup/save"), data, **EN)

    assert "trade_date is chosen for more than one header of trades.csv" in (
        response.content.decode()
    )
    assert not profile.aliases.exists()


def test_an_altered_sample_is_refused_with_a_message(admin_client):
    profile = ImportProfile.objects.get(name="canonical")

    response = admin_client.post(
        profile_url(profile, "setup/save"), {"sample": "forged"}, follow=True, **EN
    )

    assert response.redirect_chain[-1][0] == profile_url(profile, "setup")
    assert "read it again" in response.content.decode()


def test_an_ignored_header_is_not_listed_again_after_saving(admin_client, tmp_path):
    rows = base_day()
    headers = {"branches": ["branch_code", "name", "region", "备注"]}
    day = write_day(tmp_path, DAY, {"branches": [[*rows["branches"][0], "x"]]}, headers=headers)
    profile = ImportProfile.objects.get(name="canonical")
    response = admin_client.post(profile_url(profile, "setup"), {"upload": uploads(day)})
    assert unknown_headers(response) == {("branches", "备注"): ""}

    response = admin_client.post(profile_url(profile, "setup/save"), answers(response), **EN)

    assert response.context["unmapped"].complete
    assert response.context["unmapped"].files[0].ignored == ("备注",)
    assert not ColumnAlias.objects.filter(profile=profile).exists()


def test_set_up_needs_the_permission_to_change_profiles(client, admin_client):
    profile = ImportProfile.objects.get(name="canonical")
    client.force_login(UserFactory(username="clerk", is_staff=True))
    assert client.get(profile_url(profile, "setup")).status_code == 403
    assert client.get(profile_url(profile, "dry-run")).status_code == 403
    assert Client().get(profile_url(profile, "setup")).status_code == 302  # to the login


# -- dry run ----------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Trade, Customer, ImportRun, ImportReject)
    }


def test_the_dry_run_reports_rejects_and_writes_nothing(admin_client, settings):
    rows = base_day()
    rows["trades"][1][5] = "X"  # an unknown side
    write_day(Path(settings.IMPORT_ROOT), DAY, rows)
    profile = ImportProfile.objects.get(name="canonical")
    before = row_counts()

    response = admin_client.post(profile_url(profile, "dry-run"), {"folder": DAY}, **EN)

    assert response.status_code == 200
    assert row_counts() == before
    result = response.context["result"]
    assert result.refused == ""
    trades = next(file for file in result.files if file.file == "trades")
    assert (trades.rows_read, trades.rows_loaded, trades.rows_rejected) == (2, 1, 1)
    [reason] = trades.reasons
    assert (reason.column, reason.rows, reason.line_no) == ("side", 1, 3)
    page = response.content.decode()
    assert "unknown code" in page and "T0002" in page
    assert "Nothing was written" in page


def test_the_dry_run_reports_what_would_refuse_the_day(admin_client, settings, tmp_path):
    rows = base_day()
    del rows["balances"]
    day = write_day(tmp_path, DAY, rows)
    profile = ImportProfile.objects.get(name="canonical")
    before = row_counts()

    response = admin_client.post(
        profile_url(profile, "dry-run"), {"upload": [zipped(day, inside=DAY)]}, **EN
    )

    assert response.status_code == 200
    assert row_counts() == before
    result = response.context["result"]
    assert result.business_date.isoformat() == "2026-03-02"  # from the zip's folder name
    assert "balances" in result.refused
    assert "The import would refuse the day" in response.content.decode()
    assert leftover_uploads(settings) == []


def test_the_dry_run_of_uploaded_files_needs_their_business_day(admin_client, tmp_path):
    day = write_day(tmp_path, DAY, base_day())
    profile = ImportProfile.objects.get(name="canonical")

    response = admin_client.post(profile_url(profile, "dry-run"), {"upload": uploads(day)}, **EN)
    assert "Give the business day" in response.content.decode()
    assert response.context["result"] is None

    response = admin_client.post(
        profile_url(profile, "dry-run"),
        {"upload": uploads(day), "business_day": "2026-03-02"},
        **EN,
    )
    result = response.context["result"]
    assert result.refused == "", result.refused
    assert sum(file.rows_loaded for file in result.files) > 0
    assert ImportRun.objects.count() == 0
