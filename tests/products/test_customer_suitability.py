"""The suitability panel of the customer 360 page: the profile with its category, expiry and
warnings; the suitable products (only what suits and is on sale, ranked, at most five); the
holdings whose risk exceeds the customer's level; the checks and confirmations on record;
and a fixed number of queries whatever the customer's history."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from products.models import CheckPurpose, ProductStatus, Security, SuitabilityRule
from products.selectors.customer import over_risk_holdings, suggested_products
from products.services.checks import confirmation_record, suitability_check_record
from products.suitability import permitted_levels
from tests.products.data import (
    DAY,
    EN,
    figures_give,
    position_make,
    product_make,
    profiled,
    sale_make,
)

pytestmark = pytest.mark.django_db


def holding_make(customer, code: str, risk: str | None, value: str, *, day=DAY) -> Security:
    """A position of `value` on `day` in security `code`, a product of `risk` (none if None)."""
    security, _ = Security.objects.get_or_create(
        market="SH", sec_code=code, defaults={"name": f"证券{code}", "sec_type": "fund"}
    )
    if risk is not None:
        product_make(f"F{code}", risk, security=security, name=f"基金{code}")
    position_make(customer, security, day=day, value=value)
    return security


@pytest.fixture
def customer(org):
    """The broker's customer: C3, assessed a year ago, long horizon, every variety, with
    figures of 500,000 total assets on DAY."""
    customer = profiled(org.broker_customer)
    figures_give(customer, "500000")
    return customer


def panel(client, org, customer=None) -> str:
    client.force_login(org.broker.user)
    response = client.get(f"/customers/{(customer or org.broker_customer).cust_no}/", **EN)
    assert response.status_code == 200
    body = response.content.decode()
    start = body.index('id="suitability-panel"')
    return body[start : body.index("</section>", start)]


def section(html: str, heading: str) -> str:
    start = html.index(heading)
    end = html.find("<h3>", start + len(heading))
    return html[start : end if end != -1 else None]


def test_it_shows_the_profile_with_the_levels_it_may_buy(client, org, customer):
    html = panel(client, org, customer)
    assert "C3 balanced" in html
    assert "R1 · R2 · R3" in html
    expires = customer.risk_assessed_on + datetime.timedelta(days=730)
    assert f"valid until {expires:%Y-%m-%d}" in html
    assert "expired" not in html and "expires within 30 days" not in html


def test_it_warns_of_an_assessment_expiring_within_30_days_and_of_an_expired_one(
    client, org, customer
):
    customer.risk_assessed_on = timezone.localdate() - datetime.timedelta(days=720)
    customer.save()
    assert "expires within 30 days" in panel(client, org, customer)
    customer.risk_assessed_on = timezone.localdate() - datetime.timedelta(days=731)
    customer.save()
    html = panel(client, org, customer)
    assert "expired: reassess before any sale" in html
    # An expired assessment suits nothing: nothing is suggested, and the panel says why.
    product_make("P-R1", "R1")
    assert "risk assessment is done again" in panel(client, org, customer)


def test_it_marks_the_lowest_category_and_a_professional_treated_as_ordinary(client, org, customer):
    customer.risk_level = "C1"
    customer.lowest_category = True
    customer.save()
    html = panel(client, org, customer)
    assert "Lowest category (within C1)" in html
    assert "Lowest category: nothing above R1" in html
    customer.lowest_category = False
    customer.investor_class = "professional"
    customer.professional_class = "B"
    customer.treated_as_ordinary = True
    customer.risk_level = "C4"
    customer.save()
    html = panel(client, org, customer)
    assert "C4 aggressive" in html and "treated as an ordinary investor" in html
    assert "B: institutions and individuals" in html


def test_it_suggests_at_most_five_products_that_suit_and_are_on_sale_in_the_ranked_order(
    client, org, customer
):
    # Suitable and on sale: three R3 (the highest the customer may buy), two R2, two R1.
    product_make("A-R1", "R1")
    product_make("B-R2", "R2")
    product_make("C-R3", "R3", minimum_investment=Decimal("1000000"))  # not covered
    product_make("D-R3", "R3")
    product_make("E-R1", "R1", kind="bond", variety="fixed_income")  # a kind bought before
    product_make("F-R2", "R2", minimum_investment=Decimal("600000"))
    product_make("G-R3", "R3", minimum_investment=Decimal("100000"))
    # Never suggested: above the customer's level, not on sale, outside the window.
    product_make("X-R4", "R4")
    product_make("X-DRAFT", "R1", status=ProductStatus.DRAFT)
    product_make("X-OVER", "R1", sale_ends_on=timezone.localdate() - datetime.timedelta(days=1))
    bond = product_make("X-BOND", "R1", kind="bond", status=ProductStatus.CLOSED)
    check, _ = suitability_check_record(
        customer=customer, product=bond, actor=None, purpose=CheckPurpose.SALE_IMPORT
    )
    sale_make(customer, bond, amount="1000", check=check)
    ranked = suggested_products(customer, today=timezone.localdate(), permitted=permitted_levels())
    # The bond (a kind bought before); the R3s, covered first, the lowest minimum first; then
    # the R1 and R2 covered, by code.
    expected = ["E-R1", "D-R3", "G-R3", "C-R3", "A-R1"]
    assert [product.code for product in ranked] == expected
    html = section(panel(client, org, customer), "Suitable products")
    assert [html.index(code) for code in expected] == sorted(html.index(c) for c in expected)
    assert not any(code in html for code in ("X-R4", "X-DRAFT", "X-OVER", "X-BOND", "B-R2", "F-R2"))


def test_it_lists_the_holdings_whose_risk_exceeds_the_customers_level(client, org, customer):
    holding_make(customer, "510001", "R5", "30000")
    holding_make(customer, "510002", "R4", "80000")
    holding_make(customer, "510003", "R3", "90000")  # within the level
    holding_make(customer, "600519", None, "150000")  # a stock, no product
    # An older day's position above the level is not a holding any more.
    holding_make(customer, "510004", "R5", "1000", day=DAY - datetime.timedelta(days=1))
    html = section(panel(client, org, customer), "Holdings above the customer")
    assert "510002" in html and "510001" in html
    assert html.index("510002") < html.index("510001")  # by market value
    assert "510003" not in html and "600519" not in html and "510004" not in html
    # A rule changed in admin changes what exceeds the level.
    SuitabilityRule.objects.filter(category="C3", product_risk="R4").update(permitted=True)
    holdings = over_risk_holdings(customer, permitted=permitted_levels(), as_of=DAY)
    assert [position.security.sec_code for position in holdings] == ["510001"]


def test_it_says_when_no_holding_exceeds_the_level(client, org, customer):
    holding_make(customer, "510003", "R3", "90000")
    assert "No holding exceeds the customer" in panel(client, org, customer)


def test_it_shows_the_checks_and_confirmations_on_record(client, org, customer):
    product = product_make("P-R5", "R5")
    check, _ = suitability_check_record(
        customer=customer,
        product=product,
        actor=org.broker.user,
        purpose=CheckPurpose.CUSTOMER_REQUEST,
    )
    confirmation_record(
        check=check, actor=org.broker.user, warning_text="warning", recording_ref="REC-77"
    )
    html = section(panel(client, org, customer), "Checks on record")
    assert "P-R5" in html and "Mismatch" in html
    assert "The product&#x27;s risk level is above the customer&#x27;s risk tolerance" in html
    # Who checked, by the name colleagues know them by, not their login.
    assert "REC-77" in html and org.broker.name in html
    assert org.broker.user.get_username() not in html
    assert "Check a product" in panel(client, org, customer)


def test_the_panel_costs_the_same_queries_whatever_the_customers_history(
    client, org, customer, django_assert_max_num_queries
):
    product_make("P-R1", "R1")
    holding_make(customer, "510001", "R5", "30000")

    def page_queries() -> int:
        client.force_login(org.broker.user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/customers/{customer.cust_no}/").status_code == 200
        return len(queries)

    few = page_queries()
    products = [product_make(f"P{n:03d}", "R2") for n in range(30)]
    for n, product in enumerate(products):
        check, _ = suitability_check_record(
            customer=customer, product=product, actor=org.broker.user, purpose="enquiry"
        )
        sale_make(customer, product, amount="1000", check=check)
        holding_make(customer, f"52{n:04d}", "R4", "1000")
    assert page_queries() == few
    with django_assert_max_num_queries(few):
        client.get(f"/customers/{customer.cust_no}/")
