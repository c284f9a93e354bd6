"""The product library's pages: the list (filters, sort, paging, empty states, a bad
parameter answered with a message), its audited CSV export, and a product's page with every
attribute, its sale window, its security and its sales within the viewer's scope."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import AuditEntry
from products.models import Product, ProductSale, Security
from products.suitability import on_sale_q
from tests.products.data import EN, sale_make, wealth_make

pytestmark = pytest.mark.django_db


product = wealth_make  # the library's products here: R2 wealth, unless a test says otherwise


def sale(customer, item: Product, amount: str) -> ProductSale:
    return sale_make(customer, item, amount=amount, fee=Decimal(amount) / 100)


def codes(response) -> list[str]:
    return [row.record.code for row in response.context["table"].page.object_list]


# -- the list -----------------------------------------------------------------------------------


def test_every_member_of_staff_sees_the_whole_library(client, org):
    product("WM001")
    product("WM002", status="draft")
    for staff in (org.broker, org.other_broker, org.head_office):
        client.force_login(staff.user)
        assert codes(client.get("/products/", **EN)) == ["WM001", "WM002"], staff


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=bond", ["BD001"]),
        ("risk_level=R5", ["PF001"]),
        ("status=draft", ["DR001"]),
        ("horizon=long", ["BD001", "PF001"]),
        ("variety=equity", ["PF001"]),
        ("professional_only=yes", ["PF001"]),
        ("professional_only=no", ["BD001", "DR001", "WM001"]),
        ("on_sale=yes", ["BD001", "PF001"]),
        ("on_sale=no", ["DR001", "WM001"]),
        ("q=华夏", ["BD001"]),
        ("q=pf", ["PF001"]),
        ("q=成长", ["PF001"]),
        ("kind=bond&risk_level=R5", []),
    ],
)
def test_it_filters_the_products(broker, query, expected):
    today = timezone.localdate()
    product("BD001", kind="bond", horizon="long", issuer="华夏基金")
    product(
        "PF001",
        name="私募成长",
        kind="private_fund",
        risk_level="R5",
        horizon="long",
        variety="equity",
        professional_only=True,
    )
    product("DR001", status="draft")
    product("WM001", sale_ends_on=today - datetime.timedelta(days=1))

    assert codes(broker.get(f"/products/?{query}", **EN)) == expected


def test_it_sorts_by_a_column(broker):
    product("A1", name="乙", minimum_investment=Decimal("500"))
    product("A2", name="甲", minimum_investment=Decimal("100"))
    product("A3", name="丙", minimum_investment=Decimal("900"))

    assert codes(broker.get("/products/?sort=-minimum_investment", **EN)) == ["A3", "A1", "A2"]
    assert codes(broker.get("/products/?sort=minimum_investment", **EN)) == ["A2", "A1", "A3"]


def test_it_pages_the_list_and_says_when_a_page_does_not_exist(broker):
    for number in range(1, 56):
        product(f"P{number:03d}")

    second = broker.get("/products/?page=2", **EN)
    assert codes(second)[0] == "P051"
    missing = broker.get("/products/?page=9", **EN)
    assert missing.status_code == 200
    assert "Page 9 does not exist: the list has 2 pages." in missing.content.decode()


@pytest.mark.parametrize(
    "query",
    ["risk_level=R9", "on_sale=maybe", "kind=%00", "q=" + "x" * 500, "page=abc", "sort=%00"],
)
def test_a_bad_parameter_gets_a_message_never_an_error(broker, query):
    product("WM001")

    response = broker.get(f"/products/?{query}", **EN)

    assert response.status_code == 200
    body = response.content.decode()
    if query.startswith(("risk_level", "on_sale", "kind", "q")):
        assert "These filters are not valid: correct them above." in body
        assert 'class="error"' in body
    else:
        assert "<h1>Product library</h1>" in body  # the list's own page, not an error page


def test_an_empty_library_says_how_products_come_in(broker):
    body = broker.get("/products/", **EN).content.decode()
    assert "The product library is empty." in body
    assert "Export CSV" not in body


def test_filters_that_match_nothing_say_so(broker):
    product("WM001")
    body = broker.get("/products/?kind=bond", **EN).content.decode()
    assert "No product matches these filters." in body


def test_the_list_costs_the_same_few_queries_however_many_products(
    broker, django_assert_max_num_queries
):
    for number in range(40):
        product(
            f"P{number:03d}",
            security=Security.objects.create(
                market="SH", sec_code=f"{510000 + number}", name="ETF", sec_type="fund"
            ),
        )
    with django_assert_max_num_queries(12):
        assert broker.get("/products/", **EN).status_code == 200


def test_the_navigation_names_the_library(broker):
    assert (
        ">产品库</a>" in broker.get("/products/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert 'aria-current="page">Products</a>' in broker.get("/products/", **EN).content.decode()


# -- the export ---------------------------------------------------------------------------------


def export_lines(response) -> list[str]:
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_the_export_is_the_filtered_sorted_list_and_is_audited(broker, org):
    product("A1", name="乙", risk_level="R3", fee_rate=Decimal("0.012"))
    product("A2", name="甲", risk_level="R3")
    product("A3", risk_level="R1")

    response = broker.get("/products/export.csv?risk_level=R3&sort=-code", **EN)

    assert response.status_code == 200
    lines = export_lines(response)
    assert lines[0].startswith("Product code,Name,Kind,Issuer,Risk level")
    assert [line.split(",")[0] for line in lines[1:]] == ["A2", "A1"]
    assert ",0.012," in lines[2]
    entry = AuditEntry.objects.get(action="products.export")
    assert entry.actor == org.broker.user
    assert entry.details == {"filters": {"risk_level": "R3", "sort": "-code"}, "rows": 2}


def test_the_export_of_bad_filters_is_refused_with_a_message(broker):
    response = broker.get("/products/export.csv?risk_level=R9", **EN)

    assert response.status_code == 400
    assert "These filters are not valid" in response.content.decode()
    assert not AuditEntry.objects.filter(action="products.export").exists()


def test_an_export_past_the_limit_is_refused_with_a_message(broker, settings):
    settings.CUSTOMER_EXPORT_MAX_ROWS = 1
    product("A1")
    product("A2")

    response = broker.get("/products/export.csv", **EN)

    assert response.status_code == 400
    assert "more than 1 products" in response.content.decode()


def test_the_export_keeps_a_formula_from_running_in_a_spreadsheet(broker):
    product("A1", name="=HYPERLINK(1)")
    assert "'=HYPERLINK(1)" in export_lines(broker.get("/products/export.csv", **EN))[1]


# -- a product's page ---------------------------------------------------------------------------


def test_the_page_shows_every_attribute_and_the_security(broker):
    security = Security.objects.create(
        market="SH", sec_code="510300", name="沪深300ETF", sec_type="fund"
    )
    product(
        "510300.SH",
        name="沪深300ETF",
        kind="public_fund",
        issuer="华泰柏瑞",
        risk_level="R3",
        horizon="medium",
        variety="fund",
        minimum_investment=Decimal("1000"),
        fee_rate=Decimal("0.0015"),
        sale_starts_on=datetime.date(2020, 1, 1),
        security=security,
        description="跟踪沪深300指数",
    )

    body = broker.get("/products/510300.SH/", **EN).content.decode()

    for text in (
        "Public fund",
        "华泰柏瑞",
        "R3 medium risk",
        "Medium term",
        "Funds",
        "1,000.00",
        "0.15%",
        "2020-01-01 – —",
        "On sale",
        '<span class="mono">510300.SH</span> 沪深300ETF',
        "跟踪沪深300指数",
    ):
        assert text in body, text
    assert '<dd class="product-on-sale">Yes</dd>' in body


def test_the_page_says_a_product_outside_its_window_is_not_on_sale(broker):
    product("WM001", sale_starts_on=timezone.localdate() + datetime.timedelta(days=3))
    body = broker.get("/products/WM001/", **EN).content.decode()
    assert '<dd class="product-on-sale">No</dd>' in body


def test_the_sales_shown_are_those_to_customers_in_the_viewer_s_scope(client, org):
    item = product("WM001")
    sale(org.broker_customer, item, "10000")
    sale(org.teammate_customer, item, "20000")
    sale(org.other_customer, item, "40000")
    seen = {
        org.broker: (1, Decimal("10000")),
        org.team_lead: (2, Decimal("30000")),
        org.branch_manager: (2, Decimal("30000")),
        org.other_broker: (1, Decimal("40000")),
        org.head_office: (3, Decimal("70000")),
    }
    for staff, (count, amount) in seen.items():
        client.force_login(staff.user)
        sales = client.get("/products/WM001/", **EN).context["sales"]
        assert (sales.count, sales.amount) == (count, amount), staff


def test_the_page_says_when_no_sale_is_in_the_viewer_s_scope(broker, org):
    sale(org.other_customer, product("WM001"), "40000")
    body = broker.get("/products/WM001/", **EN).content.decode()
    assert "No sale of this product to a customer you see is recorded." in body
    assert "40,000" not in body


def test_the_page_links_to_the_product_s_target_list(broker):
    product("WM001")
    body = broker.get("/products/WM001/", **EN).content.decode()
    assert f'href="{reverse("products:targets", args=["WM001"])}"' in body


def test_an_unknown_product_is_a_404(broker):
    assert broker.get("/products/NOPE/", **EN).status_code == 404


def test_the_page_costs_a_few_queries(broker, org, django_assert_max_num_queries):
    item = product("WM001")
    for customer in (org.broker_customer, org.teammate_customer):
        sale(customer, item, "1000")
    with django_assert_max_num_queries(8):
        assert broker.get("/products/WM001/", **EN).status_code == 200


# -- the rule behind "on sale today" ------------------------------------------------------------


def test_the_on_sale_filter_and_the_product_agree_on_every_window():
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    windows = [
        (None, None),
        (today, today),
        (today + day, None),
        (None, today - day),
        (today - day, today + day),
    ]
    number = 0
    for status in ("on_sale", "draft", "suspended"):
        for starts, ends in windows:
            number += 1
            product(f"W{number:02d}", status=status, sale_starts_on=starts, sale_ends_on=ends)
    selected = set(Product.objects.filter(on_sale_q(today)).values_list("code", flat=True))
    assert selected == {item.code for item in Product.objects.all() if item.on_sale(today)}
    assert len(selected) == 3


@pytest.mark.parametrize("code", ["%00", "X" * 40])
def test_a_code_no_product_can_have_is_a_404(broker, code):
    assert broker.get(f"/products/{code}/", **EN).status_code == 404
