"""Never recommended (不主动推荐): a product is proactively offered only to a customer it
suits, and every road that offers one asks the same function (products.suitability's
offerable_customers and offerable_products). Each road is tried with a customer the product
does not suit for each reason the check knows: the target-list selector campaigns call, the
target-list page and its export, and the 360 page's suggestions."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from products import suitability
from products.models import Product, ProductStatus
from products.selectors import customer as customer_selectors
from products.selectors import targets as target_selectors
from products.selectors.targets import product_target_customers
from products.suitability import Reason, verdict_for
from tests.products.data import EN, product_make, suitable

pytestmark = pytest.mark.django_db

PRODUCT = "NR001"


def expired(customer):
    customer.risk_assessed_on = timezone.localdate() - datetime.timedelta(days=3000)


def missing(customer):
    customer.risk_assessed_on = None


def too_cautious(customer):
    customer.risk_level = "C2"  # the product is R3


def lowest(customer):
    customer.risk_level = "C1"
    customer.lowest_category = True


def short_horizon(customer):
    customer.invest_horizon = "short"  # the product is medium


def other_varieties(customer):
    customer.invest_varieties = "equity;fixed_income;private_fund"  # not "fund"


def no_level(customer):
    customer.risk_level = ""


# Each way a customer can be unsuited to the product (an R3 public fund of medium horizon),
# with the reason the check gives.
UNSUITED = {
    "risk level": (too_cautious, Reason.RISK_LEVEL),
    "lowest category": (lowest, Reason.LOWEST_CATEGORY),
    "assessment expired": (expired, Reason.ASSESSMENT_EXPIRED),
    "assessment missing": (missing, Reason.ASSESSMENT_MISSING),
    "no risk level": (no_level, Reason.ASSESSMENT_MISSING),
    "horizon": (short_horizon, Reason.HORIZON),
    "variety": (other_varieties, Reason.VARIETY),
}


@pytest.fixture
def book(org):
    """The broker's customer, who suits the product, and the teammate's, made unsuited by
    each test; both with consent and the assets to buy it."""
    suitable(org.broker_customer)
    suitable(org.teammate_customer)
    return org


def unsuit(customer, way) -> None:
    way(customer)
    customer.save()


def unsuited_made(book, why: str):
    """The product, and the teammate's customer made unsuited to it `why`, as the check's own
    verdict says."""
    way, reason = UNSUITED[why]
    product = product_make(PRODUCT, "R3")
    unsuited = book.teammate_customer
    unsuit(unsuited, way)
    assert reason in verdict_for(unsuited, product).reasons
    return product, unsuited


def target_page(client, user, code=PRODUCT) -> str:
    client.force_login(user)
    response = client.get(f"/products/{code}/targets/", **EN)
    assert response.status_code == 200
    return response.content.decode()


def target_export(client, user, code=PRODUCT) -> list[str]:
    client.force_login(user)
    response = client.get(f"/products/{code}/targets.csv", **EN)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]]


def suggested_codes(client, user, customer) -> list[str]:
    """The product codes the 360 page's suitability panel suggests."""
    client.force_login(user)
    response = client.get(f"/customers/{customer.cust_no}/", **EN)
    assert response.status_code == 200
    html = response.content.decode()
    table = re.search(r'class="table suitable-products".*?</table>', html, re.S)
    if table is None:
        assert (
            "No product on sale suits the customer." in html
            or "risk assessment is done again" in html
        )
        return []
    return re.findall(r'<span class="mono">([^<]+)</span>', table.group(0))


@pytest.mark.parametrize("why", list(UNSUITED))
def test_an_unsuited_customer_is_on_no_target_list_of_any_road(book, client, why):
    product, unsuited = unsuited_made(book, why)
    today = timezone.localdate()
    for user in (book.head_office.user, book.team_lead.user, book.teammate.user):
        assert unsuited.cust_no not in product_target_customers(
            product, user, today=today
        ).values_list("cust_no", flat=True)
        assert unsuited.cust_no not in target_page(client, user)
        assert unsuited.cust_no not in target_export(client, user)
    # The suited customer is there on every road: the roads do list customers.
    assert book.broker_customer.cust_no in target_page(client, book.head_office.user)
    assert target_export(client, book.head_office.user) == [book.broker_customer.cust_no]


@pytest.mark.parametrize("why", list(UNSUITED))
def test_the_360_page_never_suggests_a_product_that_does_not_suit(book, client, why):
    _product, unsuited = unsuited_made(book, why)
    for user in (book.head_office.user, book.teammate.user):
        assert PRODUCT not in suggested_codes(client, user, unsuited)
    # The suited customer is suggested it: the panel does suggest.
    assert PRODUCT in suggested_codes(client, book.head_office.user, book.broker_customer)


def test_a_professional_only_product_is_offered_to_no_ordinary_investor(book, client):
    product_make(PRODUCT, "R3", professional_only=True)
    professional = book.lead_customer
    suitable(professional)
    professional.investor_class = "professional"
    professional.professional_class = "B"
    professional.save()
    user = book.head_office.user
    assert target_export(client, user) == [professional.cust_no]
    assert PRODUCT not in suggested_codes(client, user, book.broker_customer)
    assert PRODUCT in suggested_codes(client, user, professional)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": ProductStatus.DRAFT},
        {"status": ProductStatus.CLOSED},
        {"sale_starts_on": datetime.date(2099, 1, 1)},
    ],
)
def test_a_product_not_on_sale_is_offered_on_no_road(book, client, fields):
    product_make(PRODUCT, "R3", **fields)
    user = book.head_office.user
    assert "not on sale today" in target_page(client, user)
    assert target_export(client, user) == []
    assert PRODUCT not in suggested_codes(client, user, book.broker_customer)
    # The road was tried: the panel that would have suggested it is on the page.
    page = client.get(f"/customers/{book.broker_customer.cust_no}/", **EN).content.decode()
    assert 'id="suitability-panel"' in page


def test_every_road_asks_the_one_function(book, client, monkeypatch):
    """Each road refuses everybody once offerable_customers / offerable_products do: none
    has a filter of its own that would still let a customer or a product through."""
    product_make(PRODUCT, "R3")
    user = book.head_office.user
    calls = []

    def nobody(product, customers, **kwargs):
        calls.append("customers")
        return customers.none()

    def nothing(customer, products, **kwargs):
        calls.append("products")
        return products.none()

    assert target_export(client, user) == ["A0001", "A0002"]
    monkeypatch.setattr(target_selectors, "offerable_customers", nobody)
    monkeypatch.setattr(customer_selectors, "offerable_products", nothing)
    assert not product_target_customers(
        Product.objects.get(code=PRODUCT), user, today=timezone.localdate()
    ).exists()
    assert "A0001" not in target_page(client, user)
    assert target_export(client, user) == []
    assert suggested_codes(client, user, book.broker_customer) == []
    assert calls.count("customers") == 3 and "products" in calls
    # And they are the suitability module's own functions, not copies.
    monkeypatch.undo()
    assert target_selectors.offerable_customers is suitability.offerable_customers
    assert customer_selectors.offerable_products is suitability.offerable_products
