"""A product's target list: the customers it suits in the viewer's scope, with marketing
consent, assets covering the minimum, not holding it and never having bought it, ranked by
the documented propensity score; the page with the score's parts, its masked and audited
export, and nobody for a product not on sale."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import AuditEntry
from customers.models import CashFlow
from products.models import ProductStatus, Security
from products.selectors.targets import product_target_customers
from products.services.compliance import compliance_run
from tests.products.data import (
    DAY,
    EN,
    account_of,
    broker_customer_make,
    position_make,
    product_make,
    sale_make,
    suitable,
)

pytestmark = pytest.mark.django_db


def numbers(queryset) -> list[str]:
    return list(queryset.values_list("cust_no", flat=True))


@pytest.fixture
def book(org):
    """The broker's, the teammate's and the other branch's customers, all suitable for an
    R3 fund, with 500,000, 800,000 and 900,000 of assets."""
    suitable(org.broker_customer, assets="500000")
    suitable(org.teammate_customer, assets="800000")
    suitable(org.other_customer, assets="900000")
    return org


def test_it_ranks_the_customers_the_product_suits_by_assets_for_head_office(book):
    product = product_make()
    targets = product_target_customers(product, book.head_office.user, today=timezone.localdate())
    assert numbers(targets) == ["B0001", "A0002", "A0001"]


def test_it_lists_only_the_customers_in_the_users_scope(book):
    product = product_make()
    today = timezone.localdate()
    assert numbers(product_target_customers(product, book.broker.user, today=today)) == ["A0001"]
    branch = product_target_customers(product, book.branch_manager.user, today=today)
    assert numbers(branch) == ["A0002", "A0001"]
    assert numbers(product_target_customers(product, book.other_broker.user, today=today)) == [
        "B0001"
    ]


def test_it_leaves_out_the_customers_the_product_does_not_suit(book):
    # C2 may not buy R3: the broker's customer drops out; the others still suit.
    suitable(book.broker_customer, risk_level="C2")
    product = product_make()
    targets = product_target_customers(product, book.head_office.user, today=timezone.localdate())
    assert numbers(targets) == ["B0001", "A0002"]


def test_it_leaves_out_customers_without_consent_or_below_the_minimum(book):
    suitable(book.broker_customer, consent=False)
    product = product_make(minimum_investment=Decimal("850000"))
    targets = product_target_customers(product, book.head_office.user, today=timezone.localdate())
    assert numbers(targets) == ["B0001"]


def test_it_leaves_out_customers_holding_its_security_on_the_latest_day_or_who_bought_it(book):
    security = Security.objects.create(market="SH", sec_code="510300", name="沪深300ETF")
    product = product_make(security=security)
    position_make(book.other_customer, security)
    # A position of an earlier day is sold since: still a target.
    position_make(book.teammate_customer, security, day=DAY - datetime.timedelta(days=1))
    sale_make(book.broker_customer, product)
    targets = product_target_customers(product, book.head_office.user, today=timezone.localdate())
    assert numbers(targets) == ["A0002"]


def test_the_score_adds_assets_purchases_of_the_same_kind_and_the_recent_net_inflow(book):
    product = product_make()
    # Two earlier purchases of public funds (20 points) by the broker's customer.
    for code in ("P101", "P102"):
        sale_make(book.broker_customer, product_make(code, kind="public_fund"))
    sale_make(book.broker_customer, product_make("P103", kind="bond"))  # another kind
    # 50,000 of net bank inflow within 30 days of the latest business day (10 points).
    account = account_of(book.broker_customer)
    for serial, kind, amount, day in (
        ("CF1", "BANK_IN", "80000", DAY),
        ("CF2", "BANK_OUT", "-30000", DAY - datetime.timedelta(days=29)),
        ("CF3", "BANK_IN", "500000", DAY - datetime.timedelta(days=30)),  # too old
        ("CF4", "DIVIDEND", "9000", DAY),  # not a bank transfer
    ):
        CashFlow.objects.create(
            flow_date=day, serial_no=serial, account=account, biz_type=kind, amount=Decimal(amount)
        )
    compliance_run(today=timezone.localdate())  # the nightly step refreshes the inflow
    today = timezone.localdate()
    broker = product_target_customers(product, book.head_office.user, today=today).get(
        cust_no="A0001"
    )
    assert broker.assets_points == pytest.approx(25.0)
    assert broker.kind_purchases == 2
    assert broker.kind_points == pytest.approx(20.0)
    assert broker.net_inflow_30d == Decimal("50000.00")
    assert broker.inflow_points == pytest.approx(10.0)
    assert broker.score == pytest.approx(55.0)
    targets = product_target_customers(product, book.head_office.user, today=today)
    assert numbers(targets) == ["A0001", "B0001", "A0002"]


def test_an_outflow_earns_no_points_and_assets_are_capped(book):
    suitable(book.other_customer, assets="3000000")
    CashFlow.objects.create(
        flow_date=DAY,
        serial_no="OUT1",
        account=account_of(book.other_customer),
        biz_type="BANK_OUT",
        amount=Decimal("-70000"),
    )
    compliance_run(today=timezone.localdate())
    product = product_make()
    other = product_target_customers(
        product, book.head_office.user, today=timezone.localdate()
    ).get(cust_no="B0001")
    assert (other.assets_points, other.inflow_points) == (50.0, 0.0)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": ProductStatus.SUSPENDED},
        {"sale_ends_on": datetime.date(2020, 1, 1), "sale_starts_on": datetime.date(2019, 1, 1)},
    ],
)
def test_a_product_not_on_sale_lists_nobody_and_its_page_says_so(book, client, fields):
    product = product_make(**fields)
    assert not product_target_customers(
        product, book.head_office.user, today=timezone.localdate()
    ).exists()
    client.force_login(book.head_office.user)
    response = client.get(f"/products/{product.code}/targets/", **EN)
    assert response.status_code == 200
    text = response.content.decode()
    assert "not on sale today" in text
    assert "A0001" not in text and "B0001" not in text


def test_the_page_shows_the_ranked_customers_with_the_scores_parts(book, client):
    product = product_make()
    client.force_login(book.branch_manager.user)
    response = client.get(f"/products/{product.code}/targets/", **EN)
    assert response.status_code == 200
    text = response.content.decode()
    assert text.index("A0002") < text.index("A0001")
    assert "B0001" not in text
    assert "Assets points" in text and "Same-kind points" in text and "Inflow points" in text
    assert "40.0" in text and "25.0" in text  # 800,000 and 500,000 of assets
    assert "propensity score" in text
    assert "2 customers" in text


def test_the_page_costs_a_bounded_number_of_queries(book, client, django_assert_max_num_queries):
    product = product_make()
    for number in range(20):
        customer = broker_customer_make(book, f"A1{number:03d}", f"客户{number}")
        suitable(customer, assets=str(100000 + number))
    client.force_login(book.head_office.user)
    with django_assert_max_num_queries(12):
        response = client.get(f"/products/{product.code}/targets/", **EN)
    assert response.content.decode().count("/customers/A1") == 20


def test_the_page_goes_on_to_the_next_page(book, client, settings):
    product = product_make()
    client.force_login(book.head_office.user)
    response = client.get(f"/products/{product.code}/targets/?page=2", **EN)
    # Three targets fit on page one: page two shows the first one again, not an error.
    assert response.status_code == 200
    assert response.context["page"].number == 1


def test_the_export_masks_personal_data_and_is_audited(book, client):
    book.other_customer.mobile = "13912345678"
    book.other_customer.save()
    product = product_make()
    client.force_login(book.head_office.user)
    response = client.get(f"/products/{product.code}/targets.csv", **EN)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-4:] == ["Score", "Assets points", "Same-kind points", "Inflow points"]
    assert [row[0] for row in rows[1:]] == ["B0001", "A0002", "A0001"]
    assert "13912345678" not in text
    assert rows[1][-4:] == ["45.0", "45.0", "0.0", "0.0"]
    entry = AuditEntry.objects.get(action="product.targets_export")
    assert entry.details == {"product": product.code, "rows": 3, "revealed": False}


def test_the_export_lists_only_the_users_scope(book, client):
    product = product_make()
    client.force_login(book.broker.user)
    response = client.get(f"/products/{product.code}/targets.csv", **EN)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]] == ["A0001"]


def test_an_unknown_product_is_a_404(book, client):
    client.force_login(book.head_office.user)
    assert client.get("/products/NOPE/targets/", **EN).status_code == 404
    assert client.get("/products/NOPE/targets.csv", **EN).status_code == 404
