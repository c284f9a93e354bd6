"""A campaign's target page and its actions, and the decision views: for planners (a branch
manager only for the campaigns owned in their branch), a refusal said as a message and
never an error page, in a bounded number of queries."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from marketing.models import CampaignMessage, CampaignStatus, CampaignTarget, MessageTemplate
from tests.marketing.test_targeting import campaign_make, reachable, segment_of, targeting

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def planned(org):
    now = timezone.now()
    campaign = campaign_make(org, starts_at=now, ends_on=now.date() + datetime.timedelta(days=30))
    targeting(campaign, segment_of(reachable(org, "T0001"), reachable(org, "T0002")))
    return campaign


def test_a_branch_manager_sees_the_funnel_of_their_branchs_campaign(client, org, planned):
    client.force_login(org.branch_manager.user)
    response = client.get(reverse("marketing:campaign-targets", args=[planned.pk]), **EN)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Before and after each exclusion" in text
    assert [step.count for step in response.context["funnel"]][:2] == [2, 2]


def test_the_target_page_is_a_404_for_another_branchs_planner_and_a_403_for_a_broker(
    client, org, planned
):
    url = reverse("marketing:campaign-targets", args=[planned.pk])
    client.force_login(org.broker.user)
    assert client.get(url, **EN).status_code == 403
    planned.owner = org.head_office
    planned.save()
    client.force_login(org.branch_manager.user)
    assert client.get(url, **EN).status_code == 404
    client.force_login(org.head_office.user)
    assert client.get(url, **EN).status_code == 200


def test_the_target_page_takes_the_same_queries_for_more_sources(
    client, org, planned, django_assert_max_num_queries
):
    client.force_login(org.head_office.user)
    url = reverse("marketing:campaign-targets", args=[planned.pk])
    client.get(url, **EN)
    with django_assert_max_num_queries(16) as one:
        client.get(url, **EN)
    for _ in range(4):
        targeting(planned, segment_of(reachable(org, f"X{CampaignTarget.objects.count():04d}")))
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url, **EN)


def test_adding_a_segment_makes_it_a_source(client, org, planned):
    client.force_login(org.branch_manager.user)
    segment = segment_of(org.broker_customer)
    response = client.post(
        reverse("marketing:campaign-target-add", args=[planned.pk]), {"segment": segment.pk}, **EN
    )
    assert response.status_code == 302
    assert planned.targets.filter(segment=segment).exists()
    planned.refresh_from_db()
    assert planned.version == 2
    again = client.post(
        reverse("marketing:campaign-target-add", args=[planned.pk]), {"segment": segment.pk}, **EN
    )
    assert any("already" in message for message in said(again))


def test_removing_a_source_and_an_uploaded_list(client, org, planned):
    client.force_login(org.branch_manager.user)
    file = SimpleUploadedFile("list.csv", b"T0001\nZ0000\n")
    response = client.post(
        reverse("marketing:campaign-target-upload", args=[planned.pk]), {"file": file}, **EN
    )
    assert response.status_code == 302
    page = client.get(reverse("marketing:campaign-targets", args=[planned.pk]), **EN)
    assert "Z0000" in page.content.decode()
    for target in list(planned.targets.all()):
        url = reverse("marketing:campaign-target-remove", args=[planned.pk, target.pk])
        assert client.post(url, **EN).status_code == 302
    assert not planned.targets.exists()
    assert not planned.uploads.exists()


def test_a_bad_upload_is_a_message_and_writes_nothing(client, org, planned):
    client.force_login(org.branch_manager.user)
    file = SimpleUploadedFile("坏.xlsx", b"PK\x03\x04not a workbook")
    response = client.post(
        reverse("marketing:campaign-target-upload", args=[planned.pk]), {"file": file}, **EN
    )
    assert response.status_code == 302
    assert any("坏.xlsx" in message for message in said(response))
    assert not planned.uploads.exists()


def test_the_decisions_redirect_to_the_campaign_with_a_message(client, org, planned):
    template = MessageTemplate.objects.create(name="模板", channel="sms", body="{name}您好")
    CampaignMessage.objects.create(campaign=planned, channel="sms", template=template)
    detail = reverse("marketing:campaign-detail", args=[planned.pk])
    client.force_login(org.branch_manager.user)
    submit = client.post(reverse("marketing:campaign-submit", args=[planned.pk]), **EN)
    assert submit["Location"] == detail
    # The branch manager may not approve: refused before anything (a 403).
    assert client.post(reverse("marketing:campaign-approve", args=[planned.pk])).status_code == 403
    client.force_login(org.head_office.user)
    reject = client.post(reverse("marketing:campaign-reject", args=[planned.pk]), {}, **EN)
    assert reject["Location"] == detail
    assert said(reject) == ["Say why the campaign is sent back."]
    approve = client.post(reverse("marketing:campaign-approve", args=[planned.pk]), **EN)
    assert approve["Location"] == detail
    planned.refresh_from_db()
    assert planned.status == CampaignStatus.APPROVED
    # Approving twice is refused with the reason, not an error page.
    again = client.post(reverse("marketing:campaign-approve", args=[planned.pk]), **EN)
    assert again.status_code == 302
    assert any("awaiting approval" in message for message in said(again))


def test_the_creator_is_told_why_they_may_not_approve(client, org, planned):
    planned.created_by = org.head_office.user
    planned.status = CampaignStatus.PENDING
    planned.save()
    client.force_login(org.head_office.user)
    response = client.post(reverse("marketing:campaign-approve", args=[planned.pk]), **EN)
    assert response.status_code == 302
    assert any("four eyes" in message for message in said(response))
    planned.refresh_from_db()
    assert planned.status == CampaignStatus.PENDING


def test_the_upload_report_shows_a_planner_nothing_of_customers_outside_their_scope(
    client, org, planned
):
    client.force_login(org.head_office.user)
    file = SimpleUploadedFile("list.csv", b"T0001\nB0001\nZ0000\n")
    client.post(reverse("marketing:campaign-target-upload", args=[planned.pk]), {"file": file})
    url = reverse("marketing:campaign-targets", args=[planned.pk])
    report = client.get(url, **EN).context["report"]
    assert (report["unmatched"], report["out_of_scope"]) == (["Z0000"], ["B0001"])
    client.force_login(org.branch_manager.user)
    report = client.get(url, **EN).context["report"]
    assert (report["unmatched"], report["out_of_scope"]) == (["Z0000", "B0001"], [])
    assert (report["unmatched_count"], report["out_of_scope_count"]) == (2, 0)
