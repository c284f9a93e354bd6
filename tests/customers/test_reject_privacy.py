"""Rejected customers rows hold personal data: head office without the reveal permission
sees them masked on the run page and in the rejects download; a holder sees them whole,
and that is audited like a reveal."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from crm.models import AuditEntry
from customers.services import counter_day_import
from tests.customers.test_import_views import FILES, write_day

pytestmark = pytest.mark.django_db

ID_NO = "110101199009025932"
MOBILE = "17749503749"
EMAIL = "329262165@qq.com"
ADDRESS = "北京市东城区和平路438号22栋2101室"
HEADER = (
    "cust_no,name,cust_type,id_no,mobile,email,address,branch_code,manager_code,open_date,status"
)
# Rejected for its open date; its personal fields are what the counter wrote.
BAD_ROW = f"C9002,赵敏,0,{ID_NO},{MOBILE},{EMAIL},{ADDRESS},0909,S9001,2020-13-45,0"
# Rejected for a missing field: it cannot be split into its columns.
SHORT_ROW = (
    f"C9003,钱七,0,110101198001011234,13912345678,qian@example.com,{ADDRESS},0909,2020-01-01"
)
SECRETS = (ID_NO, MOBILE, EMAIL, ADDRESS, "110101198001011234", "13912345678", "qian@example")


@pytest.fixture
def run(tmp_path, monkeypatch):
    files = {
        **FILES,
        "customers.csv": [
            HEADER,
            "C9001,李娜,0,,,,,0909,S9001,2020-05-06,0",
            BAD_ROW,
            SHORT_ROW,
        ],
    }
    monkeypatch.setattr("tests.customers.test_import_views.FILES", files)
    return counter_day_import(folder=write_day(tmp_path), profile=None)


@pytest.fixture
def holder(org):
    user = org.head_office.user
    user.user_permissions.add(Permission.objects.get(codename="reveal_pii"))
    return user


def page(client, run, **params) -> str:
    url = reverse("customers:import-run", args=[run.pk])
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def download(client, run) -> str:
    response = client.get(reverse("customers:import-rejects-csv", args=[run.pk, "customers"]))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_it_masks_the_personal_fields_of_a_rejected_customers_row_on_the_page(client, org, run):
    client.force_login(org.head_office.user)
    body = page(client, run)
    for secret in SECRETS:
        assert secret not in body
    assert "C9002,赵敏,0,1101**********5932,177****3749,3***@qq.com,北京市东城区" in body
    assert not AuditEntry.objects.filter(action="import.rejects_reveal").exists()


def test_it_masks_the_personal_fields_in_the_rejects_download(client, org, run):
    client.force_login(org.head_office.user)
    text = download(client, run)
    for secret in SECRETS:
        assert secret not in text
    assert text.splitlines()[0] == HEADER
    assert "1101**********5932" in text
    assert not AuditEntry.objects.filter(action="import.rejects_reveal").exists()


def test_it_shows_a_holder_of_the_permission_the_rows_whole_and_audits_it(client, org, run, holder):
    client.force_login(holder)
    body = page(client, run)
    assert BAD_ROW in body and SHORT_ROW in body
    entry = AuditEntry.objects.get(action="import.rejects_reveal")
    assert (entry.actor, entry.object_id) == (holder, str(run.pk))
    assert entry.details == {"file": "all", "rows": 2}
    text = download(client, run)
    assert BAD_ROW in text.splitlines()
    assert AuditEntry.objects.filter(action="import.rejects_reveal").count() == 2


def test_a_holder_reading_only_rejects_without_personal_data_is_not_audited(
    client, org, run, holder
):
    client.force_login(holder)
    page(client, run, file="trades")
    assert not AuditEntry.objects.filter(action="import.rejects_reveal").exists()
