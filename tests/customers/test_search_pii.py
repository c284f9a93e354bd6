"""Searching the customer list by mobile tells no more than the page shows (issue 11, defect
3): a full number finds its customer, a prefix finds nothing unless the user may reveal
personal data, and every search that found customers by their mobile is audited, without
the number in clear."""

import pytest
from django.contrib.auth.models import Permission

from crm.models import AuditEntry
from customers.filters.lists import search_term_digest
from customers.models import Customer

pytestmark = pytest.mark.django_db

LIST = "/customers/"
EXPORT = "/customers/export.csv"
MOBILE = "13812345678"


@pytest.fixture
def cast(org):
    # Names without digits: a name matches by any part, and "1" is part of 客户1247.
    Customer.objects.update(name="测试客户")
    org.broker_customer.refresh_from_db()
    org.broker_customer.mobile = MOBILE
    org.broker_customer.save()
    return org


def listed(client, user, q) -> bool:
    client.force_login(user)
    response = client.get(LIST, {"q": q}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return "A0001" in response.content.decode()


def may_reveal(user):
    user.user_permissions.add(Permission.objects.get(codename="reveal_pii"))


def searches():
    return list(AuditEntry.objects.filter(action="customer.search_pii").order_by("id"))


@pytest.mark.parametrize("prefix", ["1", "138", "1381234", "1381234567"])
def test_a_mobile_prefix_finds_nobody_without_the_reveal_permission(client, cast, prefix):
    assert not listed(client, cast.broker.user, prefix)
    assert searches() == []


def test_the_full_mobile_finds_its_customer_and_is_audited_masked(client, cast):
    assert listed(client, cast.broker.user, MOBILE)
    (entry,) = searches()
    assert entry.actor == cast.broker.user
    assert MOBILE not in str(entry.details)
    assert entry.details == {
        "field": "mobile",
        "term": "138****5678",
        "term_digest": search_term_digest(MOBILE),
        "prefix": False,
        "customers": ["A0001"],
        "more": False,
    }


def test_a_prefix_finds_its_customers_with_the_reveal_permission_and_is_audited(client, cast):
    may_reveal(cast.broker.user)
    assert listed(client, cast.broker.user, "1381234")
    (entry,) = searches()
    assert entry.details["term"] == "138****"
    assert entry.details["prefix"] is True
    assert entry.details["customers"] == ["A0001"]
    assert "1381234" not in str(entry.details)


def test_a_search_that_found_nobody_by_mobile_is_not_audited(client, cast):
    assert not listed(client, cast.broker.user, "13900000000")
    assert listed(client, cast.broker.user, "A0001")
    assert searches() == []


def test_a_full_mobile_outside_the_users_scope_finds_nothing_and_is_not_audited(client, cast):
    assert not listed(client, cast.other_broker.user, MOBILE)
    assert searches() == []


def test_the_export_searches_by_mobile_alike_and_audits_it_masked(client, cast):
    client.force_login(cast.broker.user)
    prefix = client.get(EXPORT, {"q": "138123"})
    assert b"A0001" not in b"".join(prefix.streaming_content)
    assert searches() == []
    full = client.get(EXPORT, {"q": MOBILE})
    assert b"A0001" in b"".join(full.streaming_content)
    (entry,) = searches()
    assert entry.details["customers"] == ["A0001"]
    export = AuditEntry.objects.filter(action="customers.export").latest("id")
    assert export.details["filters"] == {"q": "138****5678"}


def test_the_digest_lets_compliance_check_a_number_without_storing_it():
    assert search_term_digest(MOBILE) == search_term_digest(MOBILE)
    assert search_term_digest(MOBILE) != search_term_digest("13812345679")
    assert MOBILE not in search_term_digest(MOBILE)
