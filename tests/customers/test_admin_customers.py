"""Django admin over what the counter import owns: customers and their capital accounts are
read here, never added, edited or deleted; personal data is masked unless revealed, and
opening or revealing a customer is audited as on the 360 page."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from crm.models import AuditEntry
from customers.models import CapitalAccount, Customer, Interaction
from tests.crm.factories import UserFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ID_NO, MOBILE, EMAIL = "330106199001011234", "13812345678", "zhang.san@example.com"
ADDRESS = "浙江省杭州市西湖区文三路100号"
MASKED = ("3301**********1234", "138****5678", "z***@example.com", "浙江省杭州********")


@pytest.fixture
def customer(org):
    customer = org.broker_customer
    Customer.objects.filter(pk=customer.pk).update(
        name="张三", id_no=ID_NO, mobile=MOBILE, email=EMAIL, address=ADDRESS
    )
    customer.refresh_from_db()
    return customer


@pytest.fixture
def account(customer):
    return CapitalAccount.objects.create(
        fund_account="F0001",
        customer=customer,
        account_kind="normal",
        open_date=datetime.date(2020, 1, 6),
        status="0",
    )


@pytest.fixture
def admin(client, org):
    """The cast's administrator, as staff_login_create makes one (staff and superuser)."""
    user = org.admin.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def clerk(client):
    """Admin staff who may look at customers but not reveal their personal data."""
    user = UserFactory(username="clerk", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_customer", "change_customer", "delete_customer", "add_customer"]
        )
    )
    client.force_login(user)
    return client


def change_url(customer) -> str:
    return f"/admin/customers/customer/{customer.pk}/change/"


def reveal_url(customer) -> str:
    return f"/admin/customers/customer/{customer.pk}/reveal/"


def body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def assert_masked(page: str) -> None:
    for full in (ID_NO, MOBILE, EMAIL, ADDRESS):
        assert full not in page
    for masked in MASKED:
        assert masked in page


# -- import-owned: no add, no delete, no change ------------------------------------------------


def test_it_refuses_to_add_customers_or_capital_accounts(admin, customer):
    assert admin.get("/admin/customers/customer/add/").status_code == 403
    assert admin.post("/admin/customers/customer/add/", {"cust_no": "X1"}).status_code == 403
    assert admin.get("/admin/customers/capitalaccount/add/").status_code == 403
    for model in ("customer", "capitalaccount"):
        for page in (f"/admin/customers/{model}/", "/admin/"):
            assert f"/admin/customers/{model}/add/" not in body(admin.get(page))


def test_it_refuses_to_delete_customers_or_capital_accounts(admin, customer, account):
    assert admin.get(f"/admin/customers/customer/{customer.pk}/delete/").status_code == 403
    assert admin.post(f"/admin/customers/customer/{customer.pk}/delete/").status_code == 403
    assert admin.post(f"/admin/customers/capitalaccount/{account.pk}/delete/").status_code == 403
    bulk = admin.post(
        "/admin/customers/customer/",
        {"action": "delete_selected", "_selected_action": [str(customer.pk)], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert CapitalAccount.objects.filter(pk=account.pk).exists()
    assert "/delete/" not in body(admin.get(change_url(customer)))
    assert "delete_selected" not in body(admin.get("/admin/customers/customer/"))
    account_page = body(admin.get(f"/admin/customers/capitalaccount/{account.pk}/change/"))
    assert "/delete/" not in account_page


def test_a_posted_change_to_an_imported_field_changes_nothing(admin, org, customer, account):
    posted = admin.post(
        change_url(customer),
        {
            "cust_no": customer.cust_no,
            "name": "李四",
            "cust_type": "0",
            "mobile": "13900000000",
            "branch": org.branch_b.pk,
            "manager": org.other_broker.pk,
            "open_date": "2020-01-06",
            "status": "3",
        },
    )
    assert posted.status_code == 403
    customer.refresh_from_db()
    assert (customer.name, customer.mobile, customer.status) == ("张三", MOBILE, "0")
    assert customer.manager == org.broker
    posted = admin.post(
        f"/admin/customers/capitalaccount/{account.pk}/change/",
        {
            "fund_account": "F0001",
            "customer": customer.pk,
            "account_kind": "credit",
            "currency": "USD",
            "open_date": "2020-01-06",
            "status": "3",
        },
    )
    assert posted.status_code == 403
    account.refresh_from_db()
    assert (account.account_kind, account.currency, account.status) == ("normal", "CNY", "0")


def test_it_shows_a_customer_and_an_account_read_only(admin, customer, account):
    page = body(admin.get(change_url(customer), HTTP_ACCEPT_LANGUAGE="en"))
    assert "张三" in page and customer.cust_no in page
    assert 'name="name"' not in page and 'name="manager"' not in page
    assert 'name="_save"' not in page
    page = body(admin.get(f"/admin/customers/capitalaccount/{account.pk}/change/"))
    assert "F0001" in page and 'name="status"' not in page


# -- personal data -----------------------------------------------------------------------------


def test_it_masks_personal_data_on_the_change_page(admin, customer, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        page = body(admin.get(change_url(customer)))
    assert_masked(page)


def test_it_masks_personal_data_in_the_changelist(
    admin, org, customer, django_assert_max_num_queries
):
    CustomerFactory.create_batch(10, branch=org.branch_b, manager=org.other_broker)
    with django_assert_max_num_queries(8):
        page = body(admin.get("/admin/customers/customer/"))
    assert "138****5678" in page and "3301**********1234" in page
    assert MOBILE not in page and ID_NO not in page


def test_revealing_is_post_only(admin, customer):
    assert admin.get(reveal_url(customer)).status_code == 405
    assert not AuditEntry.objects.filter(action="customer.reveal_pii").exists()


def test_revealing_needs_the_permission(clerk, customer):
    page = body(clerk.get(change_url(customer), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Reveal personal data" not in page
    assert clerk.post(reveal_url(customer)).status_code == 403
    assert not AuditEntry.objects.filter(action="customer.reveal_pii").exists()
    assert_masked(body(clerk.get(change_url(customer))))


def test_revealing_shows_the_full_values_once_and_audits_it(admin, org, customer):
    page = body(admin.get(change_url(customer), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Reveal personal data (audited)" in page and reveal_url(customer) in page
    response = admin.post(reveal_url(customer))
    assert response.status_code == 302 and response["Location"] == change_url(customer)
    entry = AuditEntry.objects.get(action="customer.reveal_pii")
    assert entry.actor == org.admin.user
    assert (entry.object_type, entry.object_id) == ("customers.customer", str(customer.pk))
    page = body(admin.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en"))
    for full in (ID_NO, MOBILE, EMAIL, ADDRESS):
        assert full in page
    assert "Reveal personal data (audited)" not in page
    assert_masked(body(admin.get(change_url(customer))))  # the next visit is masked again
    assert AuditEntry.objects.filter(action="customer.reveal_pii").count() == 1


def test_a_reveal_of_one_customer_shows_no_other_customer_in_full(admin, org, customer):
    other = org.teammate_customer
    Customer.objects.filter(pk=other.pk).update(mobile="13700001111")
    admin.post(reveal_url(customer))
    assert "13700001111" not in body(admin.get(change_url(other)))


def test_revealing_a_missing_customer_is_a_404(admin, customer):
    assert admin.post("/admin/customers/customer/999999/reveal/").status_code == 404
    assert not AuditEntry.objects.filter(action="customer.reveal_pii").exists()


def test_opening_the_change_page_is_audited_as_a_customer_view(admin, org, customer):
    admin.get(change_url(customer))
    entry = AuditEntry.objects.get(action="customer.view")
    assert entry.actor == org.admin.user
    assert (entry.object_type, entry.object_id) == ("customers.customer", str(customer.pk))
    admin.get("/admin/customers/customer/")
    assert AuditEntry.objects.filter(action="customer.view").count() == 1


# -- search --------------------------------------------------------------------------------------


def changelist_rows(client, query: str) -> str:
    return body(client.get(f"/admin/customers/customer/?{query}"))


def test_search_finds_a_customer_by_number_and_name(admin, customer):
    assert change_url(customer) in changelist_rows(admin, f"q={customer.cust_no}")
    assert change_url(customer) in changelist_rows(admin, "q=张三")


def test_search_by_personal_data_finds_nothing(admin, customer):
    for value in (MOBILE, ID_NO, EMAIL, "文三路"):
        assert change_url(customer) not in changelist_rows(admin, f"q={value}")


@pytest.mark.parametrize(
    "lookup",
    [
        "mobile=13812345678",
        "mobile__startswith=138",
        "id_no__contains=1990",
        "email__endswith=example.com",
        "address__contains=文",
    ],
)
def test_the_changelist_refuses_a_filter_on_personal_data(admin, customer, lookup):
    response = admin.get(f"/admin/customers/customer/?{lookup}")
    assert response.status_code == 400
    assert change_url(customer) not in response.content.decode()


# -- the relationship's contacts ---------------------------------------------------------------


def test_the_contact_list_and_a_contact_open(admin, org, customer):
    contact = Interaction.objects.create(
        customer=customer,
        staff=org.broker,
        channel="phone",
        occurred_at=timezone.now(),
        content="回访",
    )
    Interaction.objects.create(
        customer=customer, staff=None, channel="visit", occurred_at=timezone.now(), content="拜访"
    )
    assert customer.cust_no in body(admin.get("/admin/customers/interaction/"))
    page = body(admin.get(f"/admin/customers/interaction/{contact.pk}/change/"))
    assert "回访" in page
    assert MOBILE not in page and ID_NO not in page
