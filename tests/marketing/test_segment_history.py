"""Membership history (issue 14, "Membership history"): each evaluation writes who joined and
who left, with the day, and never deletes and re-inserts those who stay; "who entered this
week" is a query; the size over time and the evaluation log are read from it; a segment that
fails keeps its members, says so on its page, and the next evaluation clears it."""

import datetime

import pytest
from django.utils import timezone

from marketing.models import EvaluationTrigger, SegmentChange, SegmentEvaluation, SegmentMember
from marketing.selectors.segments import (
    segment_changed_for_user,
    segment_size_history,
    segments_for_user,
    week_start,
)
from marketing.tasks import tiers_and_segments_evaluate
from tests.marketing.segment_pages_data import days_ago, evaluate_on, risk, segment_make

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def history(org):
    """Three evaluations: day 1 the broker's and teammate's customers are C4; day 2 the
    teammate's drops and the other branch's comes in; day 3 the teammate's is back."""
    org.days = (days_ago(14), days_ago(7), days_ago(0))
    org.segment = segment_make()
    risk("C4", org.broker_customer, org.teammate_customer)
    org.first = evaluate_on(org.segment, org.days[0])
    risk("C3", org.teammate_customer)
    risk("C4", org.other_customer)
    org.second = evaluate_on(org.segment, org.days[1])
    risk("C4", org.teammate_customer)
    org.third = evaluate_on(org.segment, org.days[2])
    return org


def changes(segment) -> list[tuple[str, datetime.date, bool]]:
    rows = SegmentChange.objects.filter(segment=segment).order_by("day", "customer__cust_no")
    return list(rows.values_list("customer__cust_no", "day", "joined"))


def test_it_writes_who_joined_and_left_on_each_day_across_three_evaluations(history):
    first, second, third = history.days
    assert changes(history.segment) == [
        ("A0001", first, True),
        ("A0002", first, True),
        ("A0002", second, False),
        ("B0001", second, True),
        ("A0002", third, True),
    ]
    log = [(e.joined, e.left, e.members) for e in (history.first, history.second, history.third)]
    assert log == [(2, 0, 2), (1, 1, 2), (1, 0, 3)]


def test_it_never_deletes_and_reinserts_a_customer_who_stays(history):
    first, _second, third = history.days
    members = dict(
        SegmentMember.objects.filter(segment=history.segment).values_list(
            "customer__cust_no", "joined_on"
        )
    )
    # The broker's customer stayed all along: still the first day; the teammate's came back.
    assert members == {"A0001": first, "A0002": third, "B0001": history.days[1]}
    history.segment.refresh_from_db()
    assert history.segment.members_count == 3


def test_an_evaluation_that_changes_nothing_writes_no_change(history):
    before = SegmentChange.objects.count()
    again = evaluate_on(history.segment, history.days[2])
    assert (again.joined, again.left, again.members) == (0, 0, 3)
    assert SegmentChange.objects.count() == before


def test_who_entered_this_week_is_a_query_over_the_changes(history):
    since = week_start(history.days[2])
    entered = segment_changed_for_user(
        history.head_office.user, history.segment, joined=True, since=since
    )
    assert list(entered.values_list("cust_no", flat=True)) == ["A0002"]
    # Since day 2: the other branch's customer too, and the teammate's who left that day.
    since_two = {"joined": True, "since": history.days[1]}
    entered = segment_changed_for_user(history.head_office.user, history.segment, **since_two)
    assert sorted(entered.values_list("cust_no", flat=True)) == ["A0002", "B0001"]
    left = segment_changed_for_user(
        history.head_office.user, history.segment, joined=False, since=history.days[1]
    )
    assert list(left.values_list("cust_no", flat=True)) == ["A0002"]


def test_who_entered_is_the_users_scope_only(history):
    since = history.days[1]
    seen = segment_changed_for_user(
        history.other_broker.user, history.segment, joined=True, since=since
    )
    assert list(seen.values_list("cust_no", flat=True)) == ["B0001"]
    seen = segment_changed_for_user(history.broker.user, history.segment, joined=True, since=since)
    assert list(seen) == []


def test_the_size_over_time_is_the_log_company_wide_and_the_own_changes_for_a_broker(history):
    first, second, third = history.days
    assert segment_size_history(history.head_office.user, history.segment) == [
        (first, 2),
        (second, 2),
        (third, 3),
    ]
    assert segment_size_history(history.team_lead.user, history.segment) == [
        (first, 2),
        (second, 1),
        (third, 2),
    ]
    assert segment_size_history(history.broker.user, history.segment) == [(first, 1)]
    assert segment_size_history(history.other_broker.user, history.segment) == [(second, 1)]


def test_the_page_shows_the_evaluation_log(client, history):
    client.force_login(history.head_office.user)
    response = client.get(f"/marketing/segments/{history.segment.pk}/", **EN)
    assert response.status_code == 200
    log = [row.evaluation for row in response.context["log"]]
    assert log == [history.third, history.second, history.first]
    assert all(row.counts_shown for row in response.context["log"])
    assert "Evaluation log" in response.content.decode()


def test_a_broker_sees_the_log_without_the_company_wide_counts(client, history):
    client.force_login(history.broker.user)
    response = client.get(f"/marketing/segments/{history.segment.pk}/", **EN)
    assert not any(row.counts_shown for row in response.context["log"])
    assert response.context["members"] == 1


@pytest.fixture
def failing(history):
    """The rule names a field that does not exist (as if retired): the fourth evaluation fails."""
    segment = history.segment
    segment.rule = {"group": "and", "rules": [{"field": "retired_field", "op": "eq", "value": 1}]}
    segment.save(update_fields=["rule"])
    history.failed = evaluate_on(segment, history.days[2])
    return history


def test_a_segment_that_fails_keeps_its_members_and_logs_the_error(failing):
    segment = failing.segment
    segment.refresh_from_db()
    assert failing.failed.error and "retired_field" in failing.failed.error
    assert SegmentMember.objects.filter(segment=segment).count() == 3
    assert segment.members_count == 3 and segment.failed_at is not None
    assert [row.state for row in segments_for_user(failing.head_office.user)] == ["failed"]


def test_a_failing_segment_s_page_says_it_kept_the_members_and_retries_tonight(client, failing):
    client.force_login(failing.broker.user)
    page = client.get(f"/marketing/segments/{failing.segment.pk}/", **EN).content.decode()
    kept = timezone.localtime(failing.segment.evaluations.filter(error="").first().started_at)
    assert "The last evaluation failed" in page
    assert "will retry tonight" in page
    assert f"Kept the members of {kept:%Y-%m-%d}" in page
    error = '<div class="small mono">'
    assert error not in page  # the error itself is for the segment's editors
    client.force_login(failing.head_office.user)
    page = client.get(f"/marketing/segments/{failing.segment.pk}/", **EN).content.decode()
    assert f"{error}rule 1: There is no field “retired_field”." in page


def test_a_failed_segment_succeeds_on_the_next_night_and_the_banner_goes(client, failing):
    segment = failing.segment
    segment.rule = {"group": "and", "rules": [{"field": "risk_level", "op": "eq", "value": "C4"}]}
    segment.save(update_fields=["rule"])
    result = tiers_and_segments_evaluate.apply(throw=True).get()
    assert result["segments"] == {"evaluated": 1, "failed": 0}
    segment.refresh_from_db()
    assert segment.failed_at is None and segment.failure == ""
    latest = SegmentEvaluation.objects.filter(segment=segment).first()
    assert latest.trigger == EvaluationTrigger.NIGHTLY and latest.error == ""
    client.force_login(failing.broker.user)
    page = client.get(f"/marketing/segments/{segment.pk}/", **EN).content.decode()
    assert "The last evaluation failed" not in page


def test_the_nightly_step_leaves_inactive_and_static_segments_alone(org):
    from tests.marketing.segment_pages_data import static_make

    segment_make("停用", active=False)
    static_make()
    result = tiers_and_segments_evaluate.apply(throw=True).get()
    assert result["segments"] == {"evaluated": 0, "failed": 0}
    assert SegmentEvaluation.objects.count() == 0
