"""The campaign pages' scope and figures after review: a branch manager's campaign without
branches ticked is their branch's (not everyone's), its targeting figures are for its
planners and the approvers, the budget for who sees the whole campaign, and the status badge
and holdout mark come from the models."""

from decimal import Decimal

import pytest

from crm.models import Role
from marketing.models import Campaign, CampaignStatus, Recipient, RecipientGroup
from marketing.selectors import campaigns as selectors
from tests.crm.factories import StaffFactory
from tests.marketing.campaign_pages_data import campaign_make, cast_customers

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def get(client, staff, url):
    client.force_login(staff.user)
    return client.get(url, **EN)


def branch_b_manager(org):
    return StaffFactory(
        user__username="shanghaihead",
        staff_code="SHANGHAIHEAD",
        role=Role.BRANCH_MANAGER,
        branch=org.branch_b,
    )


def test_a_branch_manager_does_not_see_another_branch_s_campaign_without_branches(client, org):
    other_head = branch_b_manager(org)
    theirs = campaign_make(
        org, owner=other_head, customers=[org.other_customer], name="上海分行活动"
    )
    assert not theirs.branches.exists()
    body = get(client, org.branch_manager, "/marketing/campaigns/").content.decode()
    assert theirs.name not in body
    assert get(client, org.branch_manager, f"/marketing/campaigns/{theirs.pk}/").status_code == 404
    page = get(client, other_head, f"/marketing/campaigns/{theirs.pk}/").content.decode()
    assert "No marketing consent" in page
    assert theirs in selectors.campaigns_for_user(org.head_office.user)


def test_a_company_wide_campaign_without_branches_still_reaches_every_branch_manager(org):
    company = campaign_make(org, owner=org.head_office, name="全公司活动")
    assert company in selectors.campaigns_for_user(org.branch_manager.user)
    assert company in selectors.campaigns_for_user(branch_b_manager(org).user)


def test_a_branch_manager_does_not_see_the_targeting_of_another_branch_s_campaign(client, org):
    other_head = branch_b_manager(org)
    shared = campaign_make(org, owner=other_head, customers=cast_customers(org), name="两地活动")
    shared.branches.set([org.branch_a, org.branch_b])
    page = f"/marketing/campaigns/{shared.pk}/"
    response = get(client, org.branch_manager, page)
    assert response.status_code == 200
    assert "No marketing consent" not in response.content.decode()
    assert "No marketing consent" in get(client, org.head_office, page).content.decode()
    assert "No marketing consent" in get(client, other_head, page).content.decode()
    assert not selectors.may_see_plan_figures(org.branch_manager.user, shared)
    assert selectors.may_see_plan_figures(other_head.user, shared)
    assert selectors.may_see_plan_figures(org.admin.user, shared)
    assert not selectors.may_see_plan_figures(org.broker.user, shared)


def test_the_budget_is_shown_only_to_who_sees_the_whole_campaign(client, org):
    campaign = campaign_make(org, customers=cast_customers(org))
    Campaign.objects.filter(pk=campaign.pk).update(budget=Decimal("12345.00"))
    page = f"/marketing/campaigns/{campaign.pk}/"
    assert "12,345.00" in get(client, org.head_office, page).content.decode()
    broker = get(client, org.broker, page)
    assert "12,345.00" not in broker.content.decode()
    assert broker.context["whole_campaign"] is False
    # Branch A's manager does not see branch B's recipient: not the whole campaign.
    assert "12,345.00" not in get(client, org.branch_manager, page).content.decode()
    own = campaign_make(org, customers=[org.broker_customer, org.manager_customer])
    assert selectors.sees_whole_campaign(org.branch_manager.user, own)
    assert not selectors.sees_whole_campaign(org.broker.user, own)
    assert selectors.sees_whole_campaign(org.head_office.user, campaign)


@pytest.mark.parametrize(
    ("status", "badge"),
    [
        (CampaignStatus.DRAFT, ""),
        (CampaignStatus.PENDING, "badge-overdue"),
        (CampaignStatus.APPROVED, "badge-running"),
        (CampaignStatus.RUNNING, "badge-running"),
        (CampaignStatus.PAUSED, ""),
        (CampaignStatus.FINISHED, "badge-loaded"),
        (CampaignStatus.CANCELLED, "badge-refused"),
    ],
)
def test_a_campaign_s_status_names_its_badge(status, badge):
    assert Campaign(status=status).status_badge == badge


def test_the_status_badge_is_rendered_from_the_model(client, org):
    campaign = campaign_make(org, status=CampaignStatus.CANCELLED, customers=[org.broker_customer])
    body = get(client, org.branch_manager, f"/marketing/campaigns/{campaign.pk}/").content.decode()
    assert 'class="badge badge-refused"' in body


def test_a_recipient_knows_whether_it_is_in_the_holdout_group():
    assert Recipient(group=RecipientGroup.HOLDOUT).is_holdout
    assert not Recipient(group=RecipientGroup.CONTACT).is_holdout
