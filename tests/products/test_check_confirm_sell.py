"""The check / confirm / sell path of the 360 page's suitability panel, end to end through the
pages: a prohibited product is refused whatever is posted; a mismatch at the customer's own
request is sold only after the special risk warning is confirmed, and the sale rests on that
check; a mismatch found on a staff enquiry is never confirmed or sold; a suitable product
goes straight to the sale. With htmx and without, bad values are messages, never a 500."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import AuditEntry
from products.models import (
    CheckPurpose,
    CheckResult,
    Product,
    ProductSale,
    SuitabilityCheck,
    SuitabilityConfirmation,
)
from products.services.checks import risk_warning_text
from products.views_customer import verdict_of
from tests.products import data
from tests.products.data import EN, profiled

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", **EN}
PLAIN = EN


def product_make(code: str, risk: str, **fields) -> Product:
    """data.product_make, with a fee rate of 1.5% unless `fields` say otherwise."""
    return data.product_make(code, risk, **{"fee_rate": Decimal("0.015"), **fields})


@pytest.fixture
def customer(org):
    """The broker's customer: C3, assessed a year ago, long horizon, every variety."""
    return profiled(org.broker_customer)


def url(customer, action: str, check: SuitabilityCheck | int | None = None) -> str:
    """products:customer-check, -confirm or -sale of the customer (and the check)."""
    if check is None:
        return reverse(f"products:customer-{action}", args=[customer.cust_no])
    pk = check if isinstance(check, int) else check.pk
    return reverse(f"products:customer-{action}", args=[customer.cust_no, pk])


def check_post(client, customer, code: str, purpose: str, amount: str = "", **headers):
    data = {"product": code, "purpose": purpose, "amount": amount}
    return client.post(url(customer, "check"), data, **(headers or HTMX))


def sale_data(**fields) -> dict:
    return {
        "amount": "100000",
        "sold_on": timezone.localdate().isoformat(),
        "channel": "branch",
        "fee": "",
        **fields,
    }


def text(response) -> str:
    return response.content.decode()


def test_it_refuses_a_lowest_category_investor_an_r3_product_whatever_is_posted(broker, customer):
    customer.lowest_category = True
    customer.risk_level = "C1"
    customer.save()
    product_make("P-R3", "R3")
    response = check_post(broker, customer, "P-R3", CheckPurpose.CUSTOMER_REQUEST)
    assert response.status_code == 200
    body = text(response)
    assert "Prohibited: this product cannot be sold to the customer" in body
    assert "Lowest-category investors may buy only R1 products" in body
    assert "Record the confirmation" not in body and "Record the sale" not in body
    check = SuitabilityCheck.objects.get()
    assert check.result == CheckResult.PROHIBITED
    confirm = broker.post(url(customer, "confirm", check), {"confirmed": "on"}, **HTMX)
    assert confirm.status_code == 200
    assert "no confirmation can allow the sale" in text(confirm)
    sale = broker.post(url(customer, "sale", check), sale_data(), **HTMX)
    assert sale.status_code == 200
    assert "prohibits this sale" in text(sale)
    assert not SuitabilityConfirmation.objects.exists()
    assert not ProductSale.objects.exists()


def test_it_sells_a_mismatch_the_customer_asked_for_once_the_warning_is_confirmed(
    broker, org, customer
):
    product_make("P-R4", "R4")
    response = check_post(broker, customer, "P-R4", CheckPurpose.CUSTOMER_REQUEST, "200000")
    body = text(response)
    assert "The product&#x27;s risk level is above the customer&#x27;s risk tolerance" in body
    assert "Special risk warning" in body
    assert "Record the confirmation" in body and "Record the sale" not in body
    check = SuitabilityCheck.objects.get()
    assert check.result == CheckResult.MISMATCH

    # Not yet confirmed: no sale.
    early = broker.post(url(customer, "sale", check), sale_data(), **HTMX)
    assert "has not confirmed the special risk warning" in text(early)
    assert not ProductSale.objects.exists()
    # The box left unticked is refused.
    unticked = broker.post(url(customer, "confirm", check), {"recording_ref": "REC-1"}, **HTMX)
    assert "Tick the box once the customer has confirmed." in text(unticked)
    assert not SuitabilityConfirmation.objects.exists()

    confirmed = broker.post(
        url(customer, "confirm", check), {"confirmed": "on", "recording_ref": "REC-1"}, **HTMX
    )
    assert confirmed.status_code == 200
    assert "Record the sale" in text(confirmed)
    confirmation = SuitabilityConfirmation.objects.get(suitability_check=check)
    assert confirmation.recording_ref == "REC-1"
    assert confirmation.actor == org.broker.user
    customer.refresh_from_db()
    assert confirmation.warning_text == risk_warning_text(
        verdict_of(check), check.product, customer
    )
    # What the customer was warned of: the product and its risk level, in words.
    assert check.product.code in confirmation.warning_text
    assert check.product.risk_level in confirmation.warning_text

    sold = broker.post(url(customer, "sale", check), sale_data(amount="200000"), **HTMX)
    assert sold.status_code == 200
    assert "Sale recorded" in text(sold)
    sale = ProductSale.objects.get()
    assert sale.suitability_check == check
    assert (sale.customer, sale.amount, sale.fee) == (customer, Decimal("200000"), Decimal("3000"))
    assert (sale.created_by, sale.staff) == (org.broker.user, org.broker)
    entry = AuditEntry.objects.get(action="product_sale.record")
    assert entry.object_id == str(sale.pk)
    assert entry.actor == org.broker.user


def test_a_mismatch_found_on_an_enquiry_can_be_neither_confirmed_nor_sold(broker, customer):
    product_make("P-R5", "R5")
    response = check_post(broker, customer, "P-R5", CheckPurpose.ENQUIRY)
    body = text(response)
    assert "it may not be offered. A sale can only start from the customer" in body
    assert "Record the confirmation" not in body and "Record the sale" not in body
    check = SuitabilityCheck.objects.get()
    confirm = broker.post(
        url(customer, "confirm", check), {"confirmed": "on", "recording_ref": "R"}, **HTMX
    )
    assert "can only start from the customer&#x27;s own request" in text(confirm)
    sale = broker.post(url(customer, "sale", check), sale_data(), **HTMX)
    assert "can only start from the customer&#x27;s own request" in text(sale)
    assert not SuitabilityConfirmation.objects.exists()
    assert not ProductSale.objects.exists()


def test_a_suitable_product_goes_straight_to_the_sale_and_back_to_the_page_without_js(
    broker, customer
):
    product_make("P-R2", "R2", fee_rate=Decimal("0.012"))
    # Without JavaScript the check answers with a page of its own.
    response = check_post(broker, customer, "P-R2", CheckPurpose.ENQUIRY, "", **PLAIN)
    body = text(response)
    assert response.status_code == 200
    assert "Back to the customer" in body and "Record the sale" in body
    assert "Record the confirmation" not in body
    check = SuitabilityCheck.objects.get()
    assert check.result == CheckResult.SUITABLE
    sold = broker.post(url(customer, "sale", check), sale_data(amount="50000.50"), **PLAIN)
    assert sold.status_code == 302
    assert sold["Location"] == f"/customers/{customer.cust_no}/"
    sale = ProductSale.objects.get()
    assert sale.fee == Decimal("600.01")  # 50000.50 times 1.2 %, to the cent
    page = broker.get(sold["Location"], **PLAIN)
    assert "Sale of P-R2" in text(page)


def test_an_entered_fee_is_kept_and_a_check_backs_one_sale_only(broker, customer):
    product_make("P-R1", "R1")
    check_post(broker, customer, "P-R1", CheckPurpose.ENQUIRY)
    check = SuitabilityCheck.objects.get()
    broker.post(url(customer, "sale", check), sale_data(fee="12.34"), **HTMX)
    assert ProductSale.objects.get().fee == Decimal("12.34")
    again = broker.post(url(customer, "sale", check), sale_data(), **HTMX)
    assert again.status_code == 200
    assert ProductSale.objects.count() == 1
    assert "Sale recorded" in text(again)


def test_it_refuses_a_sale_on_a_day_the_product_is_not_on_sale(broker, customer):
    today = timezone.localdate()
    product_make("P-WIN", "R1", sale_starts_on=today - datetime.timedelta(days=3))
    check_post(broker, customer, "P-WIN", CheckPurpose.ENQUIRY)
    check = SuitabilityCheck.objects.get()
    before = (today - datetime.timedelta(days=10)).isoformat()
    response = broker.post(url(customer, "sale", check), sale_data(sold_on=before), **HTMX)
    assert response.status_code == 200
    assert f"not on sale on {before}" in text(response)
    assert not ProductSale.objects.exists()


def test_an_amount_below_the_minimum_must_have_been_checked(broker, customer):
    product_make("P-MIN", "R1", minimum_investment=Decimal("1000000"))
    check_post(broker, customer, "P-MIN", CheckPurpose.ENQUIRY)
    check = SuitabilityCheck.objects.get()
    assert check.result == CheckResult.SUITABLE  # no amount, no minimum checked
    response = broker.post(url(customer, "sale", check), sale_data(amount="1000"), **HTMX)
    assert "below the product&#x27;s minimum investment" in text(response)
    assert not ProductSale.objects.exists()


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"amount": "lots"}, "Enter a number."),
        ({"amount": "-5"}, "greater than or equal to 0"),
        ({"sold_on": "2999-01-01"}, "Enter a date between"),
        ({"sold_on": "yesterday"}, "Enter a valid date."),
        ({"channel": "pigeon"}, "Select a valid choice."),
        ({"fee": "1e400"}, "Ensure that there are no more than"),
    ],
)
def test_bad_sale_values_are_messages_never_a_500(broker, customer, data, said):
    product_make("P-R1", "R1")
    check_post(broker, customer, "P-R1", CheckPurpose.ENQUIRY)
    check = SuitabilityCheck.objects.get()
    for headers in (HTMX, PLAIN):
        response = broker.post(url(customer, "sale", check), sale_data(**data), **headers)
        assert response.status_code == 200
        assert said in text(response)
    assert not ProductSale.objects.exists()


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"product": "NOPE", "purpose": "enquiry"}, "No product has the code NOPE."),
        ({"product": "P-R1", "purpose": "recommendation"}, "Select a valid choice."),
        ({"product": "P-R1", "purpose": "enquiry", "amount": "x"}, "Enter a number."),
        ({"product": "", "purpose": "enquiry"}, "This field is required."),
    ],
)
def test_bad_check_values_are_messages_and_no_check(broker, customer, data, said):
    product_make("P-R1", "R1")
    for headers in (HTMX, PLAIN):
        response = broker.post(url(customer, "check"), data, **headers)
        assert response.status_code == 200
        assert said in text(response)
    assert not SuitabilityCheck.objects.exists()


def test_another_customers_check_is_a_404_on_this_customers_path(broker, org, customer):
    product_make("P-R1", "R1")
    check_post(broker, customer, "P-R1", CheckPurpose.ENQUIRY)
    check = SuitabilityCheck.objects.get()
    # The teammate's customer is out of the broker's scope; the broker's other path is theirs.
    other = org.teammate_customer
    assert broker.post(url(other, "sale", check), sale_data(), **HTMX).status_code == 404
    missing = url(customer, "sale", 999999)
    assert broker.post(missing, sale_data(), **HTMX).status_code == 404
    assert not ProductSale.objects.exists()


def test_every_action_is_a_404_out_of_scope_and_writes_nothing(client, org, customer):
    product_make("P-R1", "R1")
    client.force_login(org.broker.user)
    check_post(client, customer, "P-R1", CheckPurpose.ENQUIRY)
    check = SuitabilityCheck.objects.get()
    client.force_login(org.other_broker.user)
    audit = AuditEntry.objects.count()
    for headers in (HTMX, PLAIN):
        assert check_post(client, customer, "P-R1", "enquiry", **headers).status_code == 404
        confirm = client.post(url(customer, "confirm", check), {"confirmed": "on"}, **headers)
        assert confirm.status_code == 404
        assert client.post(url(customer, "sale", check), sale_data(), **headers).status_code == 404
    assert SuitabilityCheck.objects.count() == 1
    assert not ProductSale.objects.exists() and not SuitabilityConfirmation.objects.exists()
    assert AuditEntry.objects.count() == audit
    # GET is refused by every one of them.
    client.force_login(org.broker.user)
    assert client.get(url(customer, "check")).status_code == 405


def test_the_htmx_answer_refreshes_the_checks_on_record_out_of_band(broker, customer):
    product_make("P-R1", "R1")
    response = check_post(broker, customer, "P-R1", CheckPurpose.ENQUIRY)
    body = text(response)
    oob = body[body.index('id="suitability-checks" hx-swap-oob="true"') :]
    assert "P-R1" in oob and "Suitable" in oob
    # A refused check writes nothing and leaves the list as it is.
    refused = broker.post(url(customer, "check"), {"product": "NOPE", "purpose": "enquiry"}, **HTMX)
    assert "hx-swap-oob" not in text(refused)
