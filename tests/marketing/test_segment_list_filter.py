"""The customer list's segment filters (issue 14, "Where segments show"): in a segment, not in
a segment, combined with the other filters, kept in saved views and narrowed to the user's
scope; customers never imports marketing (tests/crm/test_layering.py): marketing registers
them in customers/filters/extensions.py."""

import pytest

from customers.filters.extensions import list_filter_extension_names
from customers.filters.lists import filter_query
from customers.models import Customer, SavedView
from marketing.models import SegmentMember
from tests.marketing.segment_pages_data import (
    days_ago,
    evaluate_on,
    risk,
    segment_make,
    static_make,
)

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def segment(org):
    risk("C4", org.broker_customer, org.teammate_customer, org.lead_customer, org.other_customer)
    org.segment = segment_make()
    evaluate_on(org.segment, days_ago(0))
    return org


def listed(client, staff, query: str) -> list[str]:
    client.force_login(staff.user)
    response = client.get(f"/customers/?{query}", **EN)
    assert response.status_code == 200
    return sorted(row.record.cust_no for row in response.context["table"].paginated_rows)


def test_marketing_registers_the_filters_at_start_up():
    assert list_filter_extension_names() == ("in_segment", "not_in_segment")


def test_in_a_segment_lists_its_members(client, segment):
    found = listed(client, segment.head_office, f"in_segment={segment.segment.pk}")
    assert found == ["A0001", "A0002", "A0003", "B0001"]


def test_not_in_a_segment_lists_the_others(client, segment):
    found = listed(client, segment.head_office, f"not_in_segment={segment.segment.pk}")
    assert found == ["A0004", "A0005"]


def test_the_segment_filter_combines_with_the_other_filters(client, segment):
    Customer.objects.filter(cust_no="A0002").update(status="3")
    query = f"in_segment={segment.segment.pk}&status=0&branch={segment.branch_a.pk}"
    assert listed(client, segment.head_office, query) == ["A0001", "A0003"]


def test_in_and_not_in_two_segments_combine(client, segment):
    other = static_make("茅台")
    SegmentMember.objects.create(
        segment=other, customer=Customer.objects.get(cust_no="A0001"), joined_on=days_ago(0)
    )
    query = f"in_segment={segment.segment.pk}&not_in_segment={other.pk}"
    assert listed(client, segment.head_office, query) == ["A0002", "A0003", "B0001"]


def test_the_segment_filter_is_narrowed_to_the_users_scope(client, segment):
    assert listed(client, segment.broker, f"in_segment={segment.segment.pk}") == ["A0001"]
    assert listed(client, segment.team_lead, f"in_segment={segment.segment.pk}") == [
        "A0001",
        "A0002",
        "A0003",
    ]


def test_the_list_offers_the_segments_under_more_filters(client, segment):
    client.force_login(segment.broker.user)
    text = client.get("/customers/", **EN).content.decode()
    assert "<legend>Segments</legend>" in text
    assert f'<option value="{segment.segment.pk}">进取型客户</option>' in text


def test_a_saved_view_keeps_the_segment_filter(client, segment):
    from django.http import QueryDict

    # Kept in the form's order: the list's own filters, then the extensions'.
    query = f"status=0&in_segment={segment.segment.pk}"
    assert filter_query(QueryDict(f"in_segment={segment.segment.pk}&status=0")) == query
    client.force_login(segment.broker.user)
    response = client.post(
        "/customers/views/save/", {"name": "进取", "query": query, "shared_with_team": ""}, **EN
    )
    assert response.status_code == 302
    saved = SavedView.objects.get(owner=segment.broker.user, name="进取")
    assert saved.query == query
    assert listed(client, segment.broker, saved.query) == ["A0001"]


def test_an_unknown_segment_is_a_filter_error_not_a_500(client, segment):
    client.force_login(segment.broker.user)
    response = client.get("/customers/?in_segment=999", **EN)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
