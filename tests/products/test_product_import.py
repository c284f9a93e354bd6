"""The import of a product list (products/services/library.py, the admin's import page): a
good file creates or updates by code in one go; a file with any bad row is refused whole
with a report of each problem and nothing written; a file that is not a spreadsheet is
refused naming the file and why."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crm.models import AuditEntry
from products.models import Product, Security
from products.services.library import ProductFileRefused, product_list_import
from tests.products.data import wealth_make

pytestmark = pytest.mark.django_db

ENGLISH_HEADER = (
    "code,name,kind,issuer,risk level,horizon,variety,minimum investment,sale start,sale end,"
    "status,fee rate,professional only"
)
IMPORT_URL = "/admin/products/product/import/"


def csv_file(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def existing_product(**fields) -> Product:
    return wealth_make(**{"code": "WM001", "name": "稳健理财一号", **fields})


def table() -> list[tuple]:
    """Every product as stored, to compare before and after a refused file."""
    return list(Product.objects.order_by("code").values_list())


def test_it_creates_products_from_a_csv_with_english_columns_and_codes():
    content = csv_file(
        ENGLISH_HEADER,
        "WM001,稳健理财一号,wealth,华夏理财,R2,short,fixed_income,10000,2026-01-01,2026-12-31,"
        "on_sale,0.005,no",
        "PF009,私募成长九号,private_fund,某某资本,R5,long,equity,1000000,,,draft,1.5%,yes",
    )

    report = product_list_import(file_name="list.csv", content=content)

    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    wealth = Product.objects.get(code="WM001")
    assert wealth.issuer == "华夏理财"
    assert wealth.minimum_investment == Decimal("10000")
    assert wealth.sale_starts_on == datetime.date(2026, 1, 1)
    assert wealth.sale_ends_on == datetime.date(2026, 12, 31)
    assert wealth.fee_rate == Decimal("0.005")
    assert wealth.professional_only is False
    private = Product.objects.get(code="PF009")
    assert (private.risk_level, private.horizon, private.variety) == ("R5", "long", "equity")
    assert private.fee_rate == Decimal("0.015")
    assert private.professional_only is True
    assert private.sale_starts_on is None


def test_it_reads_a_workbook_with_chinese_and_english_columns_and_labels():
    """Chinese headers beside English ones, choices by their Chinese or English names, dates
    and numbers as the workbook types them."""
    rows = [
        [
            "产品代码",
            "产品名称",
            "产品类型",
            "风险等级",
            "投资期限",
            "investment variety",
            "起购金额",
            "销售开始日",
            "Sale ends on",
            "状态",
            "销售费率",
            "仅限专业投资者",
        ],
        [
            "510300.SH",
            "沪深300ETF",
            "公募基金",
            "R3 中风险",
            "中期",
            "Funds",
            100,
            datetime.date(2026, 2, 1),
            datetime.datetime(2026, 8, 31),
            "在售",
            0.0015,
            "否",
        ],
        [
            "BD2026",
            "国债2026",
            "Bond",
            "R1 low risk",
            "Long term",
            "固定收益",
            1000.5,
            "2026/03/01",
            None,
            "On sale",
            "0.1%",
            "是",
        ],
    ]

    report = product_list_import(file_name="产品清单.xlsx", content=workbook(rows))

    assert report.created == 2
    fund = Product.objects.get(code="510300.SH")
    assert (fund.kind, fund.risk_level, fund.horizon, fund.variety) == (
        "public_fund",
        "R3",
        "medium",
        "fund",
    )
    assert fund.sale_starts_on == datetime.date(2026, 2, 1)
    assert fund.sale_ends_on == datetime.date(2026, 8, 31)
    assert (fund.status, fund.fee_rate, fund.professional_only) == (
        "on_sale",
        Decimal("0.0015"),
        False,
    )
    bond = Product.objects.get(code="BD2026")
    assert (bond.kind, bond.risk_level, bond.horizon, bond.variety) == (
        "bond",
        "R1",
        "long",
        "fixed_income",
    )
    assert bond.minimum_investment == Decimal("1000.50")
    assert bond.fee_rate == Decimal("0.001")
    assert bond.professional_only is True


def test_it_updates_by_code_and_counts_what_did_not_change():
    existing_product(code="WM001", name="旧名字")
    existing_product(code="WM002", name="不变")
    content = csv_file(
        "code,name,kind,risk level,horizon,variety",
        "WM001,新名字,wealth,R3,short,fixed_income",
        "WM002,不变,wealth,R2,short,fixed_income",
        "WM003,新产品,wealth,R2,short,fixed_income",
    )

    report = product_list_import(file_name="list.csv", content=content)

    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    updated = Product.objects.get(code="WM001")
    assert (updated.name, updated.risk_level) == ("新名字", "R3")
    # Columns the file does not have keep their values.
    assert updated.status == "on_sale"


def test_a_blank_optional_cell_leaves_an_existing_value_as_it_is():
    existing_product(code="WM001", issuer="华夏理财", sale_ends_on=datetime.date(2026, 12, 31))
    content = csv_file(
        "code,name,kind,issuer,risk level,horizon,variety,sale end",
        "WM001,稳健理财一号,wealth,,R2,short,fixed_income,",
    )

    product_list_import(file_name="list.csv", content=content)

    product = Product.objects.get(code="WM001")
    assert product.issuer == "华夏理财"
    assert product.sale_ends_on == datetime.date(2026, 12, 31)


def test_a_file_with_one_bad_row_is_refused_whole_and_the_table_stays_as_it_was():
    existing_product(code="WM001", name="旧名字")
    before = table()
    content = csv_file(
        "code,name,kind,risk level,horizon,variety,minimum investment,sale start,sale end",
        "WM001,新名字,wealth,R3,short,fixed_income,100,,",
        "WM002,好产品,wealth,R2,short,fixed_income,100,,",
        "WM003,坏产品,gadget,R9,forever,fixed_income,-5,2026-13-01,",
        "WM004,窗口颠倒,wealth,R2,short,fixed_income,0,2026-06-01,2026-01-01",
    )

    with translation.override("en"), pytest.raises(ProductFileRefused) as refused:
        product_list_import(file_name="list.csv", content=content)

    assert table() == before
    assert "list.csv" in str(refused.value)
    problems = {(p.row, p.column) for p in refused.value.problems}
    assert problems == {
        (4, "kind"),
        (4, "risk level"),
        (4, "horizon"),
        (4, "minimum investment"),
        (4, "sale start"),
        (5, "sale end"),
    }
    reasons = {(p.row, p.column): p.reason for p in refused.value.problems}
    assert "gadget" in reasons[(4, "kind")]
    assert "2026-06-01" in reasons[(5, "sale end")]


def test_a_code_twice_in_one_file_is_refused_naming_the_first_row():
    content = csv_file(
        "code,name,kind,risk level,horizon,variety",
        "WM001,一,wealth,R2,short,fixed_income",
        "WM001,二,wealth,R2,short,fixed_income",
    )

    with translation.override("en"), pytest.raises(ProductFileRefused) as refused:
        product_list_import(file_name="list.csv", content=content)

    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (3, "code")
    assert "row 2" in problem.reason
    assert not Product.objects.exists()


def test_an_empty_required_cell_and_a_code_with_spaces_are_problems_of_their_row():
    content = csv_file(
        "code,name,kind,risk level,horizon,variety",
        "WM 001,,wealth,R2,short,fixed_income",
    )

    with pytest.raises(ProductFileRefused) as refused:
        product_list_import(file_name="list.csv", content=content)

    assert {(p.row, p.column) for p in refused.value.problems} == {(2, "code"), (2, "name")}


def test_a_header_without_a_required_column_or_with_an_unknown_one_is_refused():
    content = csv_file("code,name,kind,horizon,variety,colour", "WM001,一,wealth,short,fund,red")

    with translation.override("en"), pytest.raises(ProductFileRefused) as refused:
        product_list_import(file_name="list.csv", content=content)

    message = str(refused.value)
    assert "list.csv" in message
    assert "risk level" in message
    assert "colour" in message
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "cause"),
    [
        ("prices.pdf", b"%PDF-1.4", "not a spreadsheet"),
        ("list.xls", b"\xd0\xcf\x11\xe0", "Excel 97"),
        ("list.xlsx", b"this is no workbook", "cannot be read as an .xlsx workbook"),
        ("list.csv", b"code,name\x00\x01", "binary"),
        ("list.csv", b"", "no header row"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused_naming_the_file_and_why(name, content, cause):
    with translation.override("en"), pytest.raises(ProductFileRefused) as refused:
        product_list_import(file_name=name, content=content)

    assert name in str(refused.value)
    assert cause in str(refused.value)


def test_it_reads_a_csv_that_chinese_excel_saved_in_gb18030():
    content = (
        "产品代码,产品名称,产品类型,风险等级,投资期限,投资品种\n"
        "WM001,稳健一号,理财产品,R2,短期,固定收益\n"
    )

    product_list_import(file_name="list.csv", content=content.encode("gb18030"))

    product = Product.objects.get(code="WM001")
    assert (product.name, product.horizon, product.variety) == ("稳健一号", "short", "fixed_income")


def test_the_import_links_products_to_securities_and_is_audited(org):
    Security.objects.create(market="SH", sec_code="510300", name="沪深300ETF", sec_type="fund")
    content = csv_file(
        "code,name,kind,risk level,horizon,variety",
        "510300,沪深300ETF,public_fund,R3,medium,fund",
    )

    report = product_list_import(file_name="list.csv", content=content, actor=org.admin.user)

    assert report.linked == 1
    assert Product.objects.get(code="510300").security.sec_code == "510300"
    entry = AuditEntry.objects.get(action="products.import")
    assert entry.actor == org.admin.user
    assert entry.details == {"file": "list.csv", "created": 1, "updated": 0, "unchanged": 0}


# -- the admin's page ---------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, org):
    user = org.admin.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_the_changelist_offers_the_import(admin_client):
    body = admin_client.get("/admin/products/product/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{IMPORT_URL}"' in body


def test_the_admin_page_imports_a_good_file_and_reports_the_counts(admin_client):
    existing_product(code="WM001", name="旧名字")
    upload = SimpleUploadedFile(
        "list.csv",
        csv_file(
            "code,name,kind,risk level,horizon,variety",
            "WM001,新名字,wealth,R2,short,fixed_income",
            "WM002,二号,wealth,R2,short,fixed_income",
        ),
    )

    response = admin_client.post(
        IMPORT_URL, {"file": upload}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )

    assert response.redirect_chain[-1][0] == "/admin/products/product/"
    body = response.content.decode()
    assert "Imported list.csv: 1 products created, 1 updated, 0 unchanged" in body
    assert Product.objects.get(code="WM001").name == "新名字"


def test_the_admin_page_lists_every_problem_of_a_refused_file(admin_client):
    upload = SimpleUploadedFile(
        "list.csv",
        csv_file(
            "code,name,kind,risk level,horizon,variety",
            "WM001,一号,wealth,R2,short,fixed_income",
            "WM002,二号,wealth,R7,short,fixed_income",
        ),
    )

    response = admin_client.post(IMPORT_URL, {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    body = response.content.decode()
    assert "list.csv was not imported: 1 problem, nothing written." in body
    assert "<td>3</td><td>risk level</td><td>“R7” is not one of the choices.</td>" in body
    assert not Product.objects.exists()


def test_the_admin_page_names_a_file_that_is_not_a_spreadsheet(admin_client):
    upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n")

    response = admin_client.post(IMPORT_URL, {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")

    assert "photo.png is not a spreadsheet" in response.content.decode()


def test_the_import_page_is_for_the_admin_site_s_staff_only(client, org):
    client.force_login(org.head_office.user)

    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_s_form_refuses_a_code_the_import_would_refuse(admin_client):
    form = {
        "code": "WM 001",
        "name": "稳健理财",
        "kind": "wealth",
        "risk_level": "R2",
        "horizon": "short",
        "variety": "fixed_income",
        "status": "draft",
        "minimum_investment": "0",
        "fee_rate": "0",
    }

    response = admin_client.post("/admin/products/product/add/", form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "is not a product code" in response.content.decode()
    assert not Product.objects.exists()
