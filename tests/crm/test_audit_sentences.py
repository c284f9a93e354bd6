"""The audit log reads as sentences in the reader's language, names customers by their
number, shows its times in the site's time zone, and has a sentence for every action the
code audits; a page of entries costs the same few queries however many customers it names."""

import datetime
import re
from pathlib import Path
from unittest import mock

import pytest
from django.utils import translation

from crm.audit_text import FALLBACK, SENTENCES, audit_customer_numbers, audit_sentence
from crm.models import AuditEntry
from crm.services import audit_record
from customers.models import SERVICE_REQUEST_FLOW, Task, TaskKind, TaskStatus

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ("crm", "customers", "products", "marketing", "analytics")
CHANGELIST = "/admin/crm/auditentry/"
# 06:03:12 UTC is 14:03:12 in Asia/Shanghai, the settings' TIME_ZONE.
AT = datetime.datetime(2026, 11, 20, 6, 3, 12, tzinfo=datetime.UTC)
# The actions written with an f-string, and every value their placeholder takes.
EXPANDED = {
    "service_request.{to_status}": sorted(
        {str(s) for flow in SERVICE_REQUEST_FLOW.values() for s in flow}
    ),
    "task.{status}": [TaskStatus.DONE, TaskStatus.CANCELLED],
}


@pytest.fixture
def admin(client, org):
    user = org.admin.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def viewed(org):
    with mock.patch("django.utils.timezone.now", return_value=AT):
        return audit_record(
            actor=org.broker.user, action="customer.view", target=org.broker_customer
        )


def page(client, language: str) -> str:
    response = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_a_customer_view_as_an_english_sentence_with_the_customer_number(
    admin, org, viewed
):
    text = page(admin, "en")
    assert "broker viewed customer A0001" in text
    assert f"customer {org.broker_customer.pk}<" not in text


def test_it_shows_a_customer_view_as_a_chinese_sentence(admin, viewed):
    assert "broker 查看了客户 A0001" in page(admin, "zh-hans")


def test_it_shows_the_time_in_the_site_time_zone_with_its_offset(admin, viewed):
    text = page(admin, "en")
    assert "2026-11-20 14:03:12 UTC+08:00" in text
    assert "06:03:12" not in text


def test_it_names_the_customer_of_a_task_by_number(org):
    task = Task.objects.create(
        assignee=org.broker,
        customer=org.teammate_customer,
        kind=TaskKind.FOLLOW_UP,
        title="Call back",
        due_on=datetime.date(2026, 11, 21),
    )
    entry = audit_record(actor=org.broker.user, action="task.done", target=task)
    numbers = audit_customer_numbers([entry])
    with translation.override("en"):
        sentence = audit_sentence(entry, customer_number=numbers[entry.pk])
    assert sentence == f"broker completed task #{task.pk} of customer A0002"


def test_it_reads_an_unknown_action_with_the_fallback_sentence(org):
    entry = audit_record(actor=None, action="tampered", object_type="x.y", object_id="7")
    with translation.override("en"):
        assert audit_sentence(entry) == "nobody: tampered on x.y 7"
    assert "tampered" not in SENTENCES


def audited_actions() -> set[str]:
    """Every action name an audit_record call in the applications writes."""
    call = re.compile(r"audit_record\((?:[^()]|\([^()]*\))*?action=(f?)\"([^\"]+)\"", re.S)
    actions = set()
    for app in APPS:
        for source in (ROOT / app).rglob("*.py"):
            if "migrations" in source.parts:
                continue
            for is_f, action in call.findall(source.read_text(encoding="utf-8")):
                if is_f:
                    assert action in EXPANDED, f"{source}: expand {action} in this test"
                    prefix = action.split("{")[0]
                    actions.update(f"{prefix}{value}" for value in EXPANDED[action])
                else:
                    actions.add(action)
    return actions


def test_it_has_a_sentence_for_every_action_the_code_audits():
    actions = audited_actions()
    assert {"customer.view", "login.failed", "task.done", "service_request.closed"} <= actions
    assert sorted(actions - SENTENCES.keys()) == []


def test_it_has_sentences_whose_placeholders_an_entry_fills(org):
    for action, sentence in SENTENCES.items():
        entry = AuditEntry(action=action, object_id="1", details={})
        with translation.override("en"):
            text = audit_sentence(entry, customer_number="A0001")
        assert "%(" not in text and str(sentence) != FALLBACK, action


def test_a_page_of_a_hundred_entries_costs_a_bounded_number_of_queries(
    admin, org, django_assert_max_num_queries
):
    customers = [org.broker_customer, org.teammate_customer, org.other_customer]
    task = Task.objects.create(
        assignee=org.broker,
        customer=org.other_customer,
        kind=TaskKind.FOLLOW_UP,
        title="Call back",
        due_on=datetime.date(2026, 11, 21),
    )
    entries = [
        AuditEntry(
            actor=org.broker.user,
            action="customer.view",
            object_type="customers.customer",
            object_id=str(customers[i % 3].pk),
        )
        for i in range(80)
    ]
    entries += [
        AuditEntry(
            actor=org.broker.user,
            action="task.done",
            object_type="customers.task",
            object_id=str(task.pk),
        )
        for _ in range(10)
    ]
    entries += [AuditEntry(action="login.failed", details={"username": "x"}) for _ in range(10)]
    AuditEntry.objects.bulk_create(entries)
    with django_assert_max_num_queries(11):
        text = page(admin, "en")
    assert text.count("viewed customer") == 80
    assert text.count(f"completed task #{task.pk} of customer B0001") == 10
    assert text.count("Failed sign-in as x") == 10


def test_it_finds_the_entries_about_a_customer_by_the_customer_number(admin, org, viewed):
    audit_record(actor=org.broker.user, action="customer.view", target=org.teammate_customer)
    response = admin.get(CHANGELIST, {"q": "A0001"}, HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert "broker viewed customer A0001" in text
    assert "A0002" not in text


def test_the_entry_page_shows_the_sentence_and_the_local_time(admin, viewed):
    response = admin.get(f"{CHANGELIST}{viewed.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert "broker viewed customer A0001" in text
    assert "2026-11-20 14:03:12 UTC+08:00" in text
