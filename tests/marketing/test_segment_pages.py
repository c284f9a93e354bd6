"""Where segments show (issue 14, "Where segments show"): the list and a segment's page with
the members each user may see (a broker their own, counts too), the rule in words, the size
chart, who joined and left this week, why one customer is in or out, evaluate now for the
segment editors, the CSV export (scoped, masked, audited, formula-safe) and the customer's
segments on the 360 page."""

import pytest

from crm.models import AuditEntry
from customers.models import Customer
from marketing.models import EvaluationTrigger, SegmentEvaluation, SegmentMember
from tests.customers.factories import CustomerFactory
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
    """The broker's, teammate's and the other branch's customers are C4, evaluated today."""
    risk("C4", org.broker_customer, org.teammate_customer, org.other_customer)
    org.segment = segment_make()
    evaluate_on(org.segment, days_ago(0))
    return org


def page(client, staff, url: str) -> str:
    client.force_login(staff.user)
    response = client.get(url, **EN)
    assert response.status_code == 200, url
    return response.content.decode()


def detail(org) -> str:
    return f"/marketing/segments/{org.segment.pk}/"


def test_the_list_counts_the_members_each_user_may_see(client, segment):
    client.force_login(segment.broker.user)
    rows = client.get("/marketing/segments/", **EN).context["rows"]
    assert [(row.segment.name, row.members) for row in rows] == [("进取型客户", 1)]
    client.force_login(segment.team_lead.user)
    assert client.get("/marketing/segments/", **EN).context["rows"][0].members == 2
    client.force_login(segment.head_office.user)
    assert client.get("/marketing/segments/", **EN).context["rows"][0].members == 3


def test_a_broker_s_segment_page_shows_only_their_own_members(client, segment):
    text = page(client, segment.broker, detail(segment))
    assert "A0001" in text
    assert "A0002" not in text and "B0001" not in text
    assert "risk level = C4" in text  # the rule in words


def test_another_branch_s_members_are_absent_from_the_page(client, segment):
    text = page(client, segment.other_broker, detail(segment))
    assert "B0001" in text and "A0001" not in text and "A0002" not in text


def test_head_office_sees_every_member_with_the_day_they_joined(client, segment):
    client.force_login(segment.head_office.user)
    response = client.get(detail(segment) + "?sort=-cust_no", **EN)
    rows = [row.record for row in response.context["table"].paginated_rows]
    assert [(c.cust_no, c.joined_on) for c in rows] == [
        ("B0001", days_ago(0)),
        ("A0002", days_ago(0)),
        ("A0001", days_ago(0)),
    ]
    assert response.context["members"] == 3


def test_the_page_shows_the_size_chart_and_who_joined_this_week(client, segment):
    risk("C3", segment.teammate_customer)
    evaluate_on(segment.segment, days_ago(0))
    client.force_login(segment.team_lead.user)
    response = client.get(detail(segment), **EN)
    week = response.context["week"]
    assert [c.cust_no for c in week.joined.customers] == ["A0001", "A0002"]
    assert [c.cust_no for c in week.left.customers] == ["A0002"]
    text = response.content.decode()
    assert 'class="chart"' in text and "plotly.min.js" in text


def test_the_segment_pages_cost_a_bounded_number_of_queries(
    client, segment, django_assert_max_num_queries
):
    for number in range(30):
        CustomerFactory(cust_no=f"A1{number:03d}", branch=segment.branch_a, risk_level="C4")
    for number in range(5):
        evaluate_on(segment_make(f"分群{number}"), days_ago(0))
    evaluate_on(segment.segment, days_ago(0))
    client.force_login(segment.branch_manager.user)
    client.get(detail(segment), **EN)
    # Session, user, staff, the segment, its scoped count, members page, joined and left
    # this week, the size history, the log, the constant columns and navigation: fixed.
    with django_assert_max_num_queries(18):
        assert client.get(detail(segment), **EN).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/marketing/segments/", **EN).status_code == 200


def test_a_missing_segment_is_a_404(client, org):
    client.force_login(org.broker.user)
    assert client.get("/marketing/segments/999/", **EN).status_code == 404


# -- why in or out ------------------------------------------------------------------------------


def test_it_explains_why_a_customer_is_in(client, segment):
    text = page(client, segment.broker, f"{detail(segment)}why/?customer=A0001")
    assert "In the segment since" in text
    assert "risk level = C4" in text and "✓" in text


def test_it_explains_why_a_customer_is_out(client, segment):
    text = page(client, segment.head_office, f"{detail(segment)}why/?customer=A0004")
    assert "Not in the segment" in text
    assert "✗" in text and "(C3 " in text


def test_why_is_a_404_for_a_customer_out_of_scope(client, segment):
    client.force_login(segment.broker.user)
    response = client.get(f"{detail(segment)}why/?customer=B0001", **EN)
    assert response.status_code == 404
    assert segment.other_customer.name not in response.content.decode()


# -- evaluate now --------------------------------------------------------------------------------


def test_head_office_evaluates_a_segment_now(client, segment, django_capture_on_commit_callbacks):
    risk("C4", segment.lead_customer)
    client.force_login(segment.head_office.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{detail(segment)}evaluate/", **EN)
    assert response.status_code == 302
    latest = SegmentEvaluation.objects.filter(segment=segment.segment).first()
    assert latest.trigger == EvaluationTrigger.ON_DEMAND and latest.joined == 1


def test_a_broker_may_not_evaluate_and_sees_no_button(client, segment):
    client.force_login(segment.broker.user)
    assert client.post(f"{detail(segment)}evaluate/", **EN).status_code == 403
    assert client.get(f"{detail(segment)}evaluate/", **EN).status_code == 403
    assert "Evaluate now" not in page(client, segment.broker, detail(segment))
    assert SegmentEvaluation.objects.count() == 1


# -- export --------------------------------------------------------------------------------------


def export(client, staff, org) -> list[str]:
    client.force_login(staff.user)
    response = client.get(f"{detail(org)}members.csv", **EN)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_the_export_is_scoped_masked_and_audited(client, segment):
    Customer.objects.filter(pk=segment.broker_customer.pk).update(mobile="13812345678")
    lines = export(client, segment.broker, segment)
    assert lines[0].startswith("Customer number,Name,") and lines[0].endswith(",Joined on")
    assert len(lines) == 2 and lines[1].startswith("A0001,")
    assert "138****5678" in lines[1] and "13812345678" not in lines[1]
    entry = AuditEntry.objects.get(action="segment.export")
    assert entry.actor == segment.broker.user
    assert entry.details == {"segment": "进取型客户", "rows": 1, "revealed": False}
    assert entry.object_id == str(segment.segment.pk)


def test_the_export_of_head_office_holds_every_member(client, segment):
    lines = export(client, segment.head_office, segment)
    assert [line.split(",")[0] for line in lines[1:]] == ["A0001", "A0002", "B0001"]


def test_the_export_is_safe_to_open_in_a_spreadsheet(client, segment):
    Customer.objects.filter(pk=segment.broker_customer.pk).update(name="=HYPERLINK(1)")
    lines = export(client, segment.broker, segment)
    assert ",'=HYPERLINK(1)," in lines[1]


# -- the 360 page ---------------------------------------------------------------------------------


def test_the_360_page_lists_the_customer_s_segments(client, segment):
    other = static_make("另一个")
    SegmentMember.objects.create(
        segment=other, customer=Customer.objects.get(cust_no="A0004"), joined_on=days_ago(0)
    )
    text = page(client, segment.broker, "/customers/A0001/")
    assert f'href="/marketing/segments/{segment.segment.pk}/">进取型客户</a>' in text
    assert days_ago(0).isoformat() in text
    assert "另一个" not in text


def test_the_360_page_says_when_the_customer_is_in_no_segment(client, segment):
    assert "In no segment." in page(client, segment.manager, "/customers/A0004/")
