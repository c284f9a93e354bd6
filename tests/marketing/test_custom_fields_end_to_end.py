"""A custom field's whole road: defined in the admin, edited on the 360 page, filtering the
customer list, used in a segment's rule (saved in the editor, evaluated), and exported with
the segment's filter: no migration, no restart, no developer."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from crm.models import AuditEntry
from marketing.models import Segment
from tests.crm.factories import UserFactory
from tests.customers.factories import CustomerFactory
from tests.customers.test_custom_fields_pages import (
    ADD,
    EN,
    definition,
    edit,
    exported,
    listed,
    rows_shown,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_custom_field_goes_from_the_admin_to_a_segment_and_its_export(
    client, org, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.post(
        ADD, definition(key="wealth_goal", label="Wealth goal", kind="decimal"), **EN
    )
    assert response.status_code == 302
    # Two of the broker's customers get a value on their 360 pages; a third has none.
    other = CustomerFactory(cust_no="A0099", branch=org.branch_a, manager=org.broker)
    CustomerFactory(cust_no="A0098", branch=org.branch_a, manager=org.broker)
    assert (
        edit(client, org.broker_customer, org.broker.user, wealth_goal="1000000.5").status_code
        == 200
    )
    assert edit(client, other, org.broker.user, wealth_goal="999999.99").status_code == 200
    # Typed comparison on the list: 1,000,000.5 ≥ 1,000,000 > 999,999.99.
    shown = rows_shown(listed(client, org.broker.user, cf_wealth_goal_min="1000000"))
    assert shown == ["A0001"]
    # Head office uses it in a segment, with a negated condition on the same field.
    client.force_login(org.head_office.user)
    rule = {
        "group": "or",
        "not": False,
        "rules": [
            {"field": "custom.wealth_goal", "op": "gte", "value": "1,000,000", "args": {}},
            {"field": "custom.wealth_goal", "op": "is_empty", "not": True, "args": {},
             "value": None},
        ],
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("marketing:segment-create"),
            {"name": "有财富目标", "description": "", "active": "on", "rule": json.dumps(rule)},
            **EN,
        )
    assert response.status_code == 302
    segment = Segment.objects.get(name="有财富目标")
    members = set(segment.members.values_list("customer__cust_no", flat=True))
    assert members == {"A0001", "A0099"}
    # The broker's list and export, narrowed to the segment, carry the field's values.
    assert rows_shown(listed(client, org.broker.user, in_segment=segment.pk)) == [
        "A0001",
        "A0099",
    ]
    rows = exported(client, org.broker.user, in_segment=str(segment.pk))
    assert rows[0][-1] == "Wealth goal"
    assert sorted((row[0], row[-1]) for row in rows[1:]) == [
        ("A0001", "1000000.5"),
        ("A0099", "999999.99"),
    ]
    assert AuditEntry.objects.filter(action="customers.export").exists()
