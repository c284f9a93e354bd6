import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from crm.models import AuditEntry
from crm.services import audit_record, client_ip

pytestmark = pytest.mark.django_db


def test_it_records_who_did_what_to_which_object_from_where(org, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3")
    entry = audit_record(
        actor=org.broker.user,
        action="customer.view",
        target=org.broker_customer,
        request=request,
        details={"panel": "360"},
    )
    entry.refresh_from_db()
    assert entry.actor == org.broker.user
    assert entry.action == "customer.view"
    assert entry.object_type == "customers.customer"
    assert entry.object_id == str(org.broker_customer.pk)
    assert entry.client_ip == "10.1.2.3"
    assert entry.details == {"panel": "360"}
    assert entry.at is not None


def test_it_records_the_remote_address_without_a_proxy_and_no_actor_for_anonymous(org):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    from django.contrib.auth.models import AnonymousUser

    entry = audit_record(
        actor=AnonymousUser(),
        action="login.failed",
        object_type="user",
        object_id="x",
        request=request,
    )
    assert entry.actor is None
    assert entry.client_ip == "192.0.2.7"


def test_without_a_trusted_proxy_it_ignores_a_forwarded_address(settings):
    settings.TRUSTED_PROXY_HOPS = 0
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "192.0.2.7"


def test_behind_one_proxy_the_client_is_the_last_forwarded_entry_not_the_first(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7"
    )
    assert client_ip(request) == "192.0.2.7"


def test_behind_two_proxies_the_client_is_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="6.6.6.6,192.0.2.7, 10.0.0.2"
    )
    assert client_ip(request) == "192.0.2.7"


def test_a_request_that_bypassed_the_proxies_counts_as_its_own_peer(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "192.0.2.9"


def test_behind_a_proxy_a_request_without_the_header_counts_as_its_own_peer(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


def test_a_forwarded_value_that_is_no_address_is_not_recorded(org, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(request) is None
    assert audit_record(actor=None, action="login.failed", request=request).client_ip is None


def test_it_refuses_to_change_or_delete_an_entry(org):
    entry = audit_record(actor=org.admin.user, action="export", details={"rows": 3})
    entry.action = "nothing happened"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "export"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger on PostgreSQL")
def test_it_refuses_a_bulk_update_in_the_database(org):
    entry = audit_record(actor=org.admin.user, action="export")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    assert AuditEntry.objects.get(pk=entry.pk).action == "export"


def test_it_shows_the_log_read_only_in_django_admin(client, org):
    from tests.crm.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    entry = audit_record(actor=org.broker.user, action="customer.export")
    client.force_login(root)
    assert client.get("/admin/crm/auditentry/").status_code == 200
    assert client.get("/admin/crm/auditentry/add/").status_code == 403
    change_page = client.get(f"/admin/crm/auditentry/{entry.pk}/change/")
    assert change_page.status_code == 200
    assert b'name="action"' not in change_page.content
    assert client.post(f"/admin/crm/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
