"""The admin speaks the CRM's language (issue 12, points 17 and 18): its title is the CRM's
name, django-axes' app has a name, the audit log counts entries and shows each action and
kind of object by its name, never by its code."""

import pytest
from django.utils import translation

from crm.audit_text import LABELS, SENTENCES, audit_action_label, audit_object_type_label
from crm.models import AuditEntry
from crm.services import audit_record

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/crm/auditentry/"


@pytest.fixture
def admin(client, org):
    user = org.admin.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def viewed(org):
    return audit_record(actor=org.broker.user, action="customer.view", target=org.broker_customer)


def page(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_it_names_every_audited_action():
    assert LABELS.keys() == SENTENCES.keys()


def test_it_counts_audit_entries_not_audit_logs(admin, org, viewed):
    with translation.override("en"):
        assert str(AuditEntry._meta.verbose_name_plural) == "audit entries"
    audit_record(actor=org.broker.user, action="customer.view", target=org.broker_customer)
    assert "2 audit entries" in page(admin, CHANGELIST, "en")


def test_it_shows_the_action_and_object_type_by_name_in_list_and_filters(admin, viewed):
    body = page(admin, CHANGELIST, "en")
    assert '<td class="field-action_label">Viewed a customer</td>' in body
    assert ">customer.view<" not in body
    assert "?action=customer.view" in body  # the filter keeps the code in its link
    assert ">customer</a>" in body  # the object type filter, by the model's name
    assert ">customers.customer<" not in body


def test_the_action_filter_narrows_the_log(admin, org, viewed):
    audit_record(actor=org.broker.user, action="customer.reveal_contact", target=viewed)
    body = page(admin, f"{CHANGELIST}?action=customer.reveal_contact", "en")
    assert "Revealed contact details</td>" in body
    assert "Viewed a customer</td>" not in body


def test_the_change_page_shows_the_action_by_name(admin, viewed):
    body = page(admin, f"{CHANGELIST}{viewed.pk}/change/", "en")
    assert '<div class="readonly">Viewed a customer</div>' in body
    assert '<div class="readonly">customer.view</div>' not in body


def test_it_keeps_the_code_of_an_action_or_type_it_cannot_name():
    assert audit_action_label("something.new") == "something.new"
    assert audit_object_type_label("gone.model") == "gone.model"
    assert audit_object_type_label("") == "—"


def test_the_site_is_titled_with_the_crm_name(admin):
    english = page(admin, "/admin/", "en")
    assert "Brokerage CRM administration" in english
    assert "Django" not in english


def test_axes_has_a_name_in_the_admin(admin):
    english = page(admin, "/admin/", "en")
    assert "Sign-in protection" in english


def test_the_admin_reads_in_chinese(admin, viewed):
    body = page(admin, CHANGELIST, "zh-hans")
    assert "查看客户</td>" in body
    assert "券商客户关系管理后台" in body
    assert "Django" not in body
    index = page(admin, "/admin/", "zh-hans")
    for name in ("登录防护", "登录尝试", "登录失败记录", "登录日志"):
        assert name in index
    with translation.override("zh-hans"):
        assert audit_object_type_label("customers.customer") == "客户"
