"""A broker can call their own customer (issue 12, point 13): the customer's serving staff (the
manager, the manager's team lead, the branch manager) reveal the mobile and e-mail in one
audited click; the ID number stays the reveal permission's. Head office without the
permission is refused with a reason, and a customer out of scope is a 404."""

import json

import pytest
from django.contrib.auth.models import Permission

from crm.models import AuditEntry, Role
from customers.models import Customer
from customers.permissions import may_reveal_contacts
from tests.crm.factories import StaffFactory, TeamFactory

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"
EMAIL = "zhang.wei@example.cn"
ID_NO = "330106199001011234"
ADDRESS = "浙江省杭州市西湖区文三路 90 号"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}
PLAIN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def cast(org):
    """The cast; the broker's customer A0001 has every piece of personal data."""
    Customer.objects.filter(pk=org.broker_customer.pk).update(
        mobile=MOBILE, email=EMAIL, id_no=ID_NO, address=ADDRESS
    )
    org.broker_customer.refresh_from_db()
    return org


def reveal(client, user, cust_no="A0001", **headers):
    client.force_login(user)
    return client.post(f"/customers/{cust_no}/reveal-contacts/", **(headers or HTMX))


def reveals() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="customer.reveal_contact"))


@pytest.mark.parametrize("role", ["broker", "team_lead", "branch_manager"])
def test_it_reveals_the_contacts_to_the_customers_serving_staff_and_audits_it(client, cast, role):
    user = getattr(cast, role).user
    client.force_login(user)
    page = client.get("/customers/A0001/", **PLAIN).content.decode()
    assert "Show mobile and e-mail (audited)" in page
    assert MOBILE not in page and EMAIL not in page

    response = reveal(client, user)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'href="tel:{MOBILE}"' in body and f'href="mailto:{EMAIL}"' in body
    assert "Contact details shown in full" in body
    assert "Show mobile and e-mail" not in body  # once shown, no second button

    [entry] = reveals()
    assert entry.actor == user
    assert (entry.object_type, entry.object_id) == (
        "customers.customer",
        str(cast.broker_customer.pk),
    )
    assert entry.details == {"fields": ["mobile", "email"]}
    assert MOBILE not in json.dumps(entry.details) and EMAIL not in json.dumps(entry.details)


def test_a_customer_manager_outside_any_team_reveals_their_own_customers_contacts(client, cast):
    Customer.objects.filter(pk=cast.manager_customer.pk).update(mobile="13700000004", email="")
    response = reveal(client, cast.manager.user, cust_no="A0004")
    assert response.status_code == 200
    assert 'href="tel:13700000004"' in response.content.decode()
    assert [entry.details for entry in reveals()] == [{"fields": ["mobile"]}]


def test_the_id_number_and_address_stay_masked_for_the_manager_after_a_contact_reveal(client, cast):
    body = reveal(client, cast.broker.user).content.decode()
    assert MOBILE in body
    assert ID_NO not in body and "3301**********1234" in body
    assert ADDRESS not in body
    assert "Reveal personal data" not in body  # the ID number is the permission's
    assert client.post("/customers/A0001/reveal/", **HTMX).status_code == 403
    assert not AuditEntry.objects.filter(action="customer.reveal_pii").exists()


def test_head_office_without_the_permission_is_refused_with_a_reason(client, cast):
    user = cast.head_office.user
    client.force_login(user)
    page = client.get("/customers/A0001/", **PLAIN).content.decode()
    assert "Show mobile and e-mail" not in page

    response = reveal(client, user)
    assert response.status_code == 403
    body = response.content.decode()
    assert 'id="pii" data-swap-refusal' in body  # the panel again, which crm.js swaps in
    assert "Only the customer&#x27;s manager, the manager&#x27;s team lead" in body
    assert MOBILE not in body and EMAIL not in body and "139****5678" in body

    plain = reveal(client, user, **PLAIN)
    assert plain.status_code == 403
    assert "Only the customer&#x27;s manager" in plain.content.decode()
    assert MOBILE not in plain.content.decode()
    assert reveals() == []


def test_a_holder_of_the_reveal_permission_may_reveal_the_contacts_too(client, cast):
    user = cast.head_office.user
    user.user_permissions.add(Permission.objects.get(codename="reveal_pii"))
    response = reveal(client, user)
    assert response.status_code == 200
    body = response.content.decode()
    assert MOBILE in body and ID_NO not in body
    assert "Reveal personal data (audited)" in body  # the rest is still theirs to reveal
    assert len(reveals()) == 1


@pytest.mark.parametrize("role", ["teammate", "manager", "other_broker"])
def test_a_customer_out_of_scope_is_a_404_and_nothing_is_audited(client, cast, role):
    response = reveal(client, getattr(cast, role).user)
    assert response.status_code == 404
    assert MOBILE not in response.content.decode()
    assert client.get("/customers/A0001/reveal-contacts/").status_code == 405
    assert reveals() == []


def test_other_brokers_and_leads_do_not_serve_the_customer_whatever_the_scope_shows(cast):
    """The rule stands on its own: a broker of the same team or of another team of the branch,
    and the lead of another team, are not the customer's serving staff."""
    other_team = TeamFactory(branch=cast.branch_a, name="财富二组")
    other_lead = StaffFactory(
        user__username="lead2",
        staff_code="LEAD2",
        role=Role.TEAM_LEAD,
        branch=cast.branch_a,
        team=other_team,
    )
    other_team_broker = StaffFactory(
        user__username="broker2",
        staff_code="BROKER2",
        role=Role.BROKER,
        branch=cast.branch_a,
        team=other_team,
    )
    customer = Customer.objects.select_related("manager").get(pk=cast.broker_customer.pk)
    for staff in (cast.teammate, cast.manager, other_lead, other_team_broker, cast.other_broker):
        assert not may_reveal_contacts(staff.user, customer), staff.staff_code
    for staff in (cast.broker, cast.team_lead, cast.branch_manager):
        assert may_reveal_contacts(staff.user, customer), staff.staff_code
    assert not may_reveal_contacts(cast.head_office.user, customer)
    # The branch manager serves the branch's customers nobody serves yet; a lead does not.
    unserved = Customer.objects.select_related("manager").get(pk=cast.unserved_customer.pk)
    assert may_reveal_contacts(cast.branch_manager.user, unserved)
    assert not may_reveal_contacts(cast.team_lead.user, unserved)
