"""A campaign's lifecycle: submitted, approved by head office (or a configured approver)
and never by its creator (four eyes), with the funnel frozen, the recipients written and
the holdout drawn once and locked; an edit of an approved campaign sends it back for
approval and stops sending; a re-approval keeps every recipient's group and skips the
queued sends of customers no longer targeted; pause, resume, cancel and their refusals."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.utils import translation

from crm.models import AuditEntry
from customers.models import Customer
from marketing.models import (
    Campaign,
    CampaignApproval,
    CampaignMessage,
    CampaignStatus,
    MessageTemplate,
    Recipient,
    RecipientGroup,
    SegmentMember,
    Send,
    SendStatus,
)
from marketing.services.campaigns import (
    NO_LONGER_TARGETED,
    campaign_approve,
    campaign_cancel,
    campaign_changed,
    campaign_create,
    campaign_pause,
    campaign_reject,
    campaign_resume,
    campaign_submit,
    campaign_update,
    holdout_size,
)
from marketing.services.sending import campaign_dispatch
from tests.marketing.test_targeting import NOW, campaign_make, segment_of, targeting

pytestmark = pytest.mark.django_db


def many(org, count: int, *, prefix: str = "M") -> list[Customer]:
    """`count` customers of branch A with consent and a mobile of their own."""
    Customer.objects.bulk_create(
        Customer(
            cust_no=f"{prefix}{n:05d}",
            name=f"客户{prefix}{n}",
            branch=org.branch_a,
            manager=org.broker,
            open_date=datetime.date(2020, 1, 6),
            status="0",
            marketing_consent=True,
            mobile=f"139{hash(prefix) % 100:02d}{n:06d}",
        )
        for n in range(count)
    )
    return list(Customer.objects.filter(cust_no__startswith=prefix))


@pytest.fixture
def pending(org):
    """A campaign of 200 customers awaiting approval, 5 % held out, one SMS, planned and
    submitted by the branch manager."""
    campaign = campaign_make(org)
    segment = segment_of(*many(org, 200))
    targeting(campaign, segment)
    template = MessageTemplate.objects.create(name="模板", channel="sms", body="{name}您好")
    CampaignMessage.objects.create(campaign=campaign, channel="sms", template=template)
    campaign_submit(campaign=campaign, user=org.branch_manager.user)
    campaign.refresh_from_db()
    campaign.segment = segment
    return campaign


def groups(campaign) -> dict[int, str]:
    return dict(Recipient.objects.filter(campaign=campaign).values_list("customer_id", "group"))


def refusal(call) -> str:
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        call()
    return " ".join(refused.value.messages)


# -- approval --------------------------------------------------------------------------------------


def test_head_office_approves_and_the_holdout_is_five_percent_of_200(org, pending):
    campaign = campaign_approve(campaign=pending, user=org.head_office.user, now=NOW)
    assert campaign.status == CampaignStatus.APPROVED
    assert (campaign.approved_version, campaign.approved_by) == (1, org.head_office.user)
    assert campaign.is_approved
    assert campaign.funnel[0] == ["targets", 200]
    assert campaign.funnel[-1] == ["over_cap", 200]
    held = Recipient.objects.filter(campaign=campaign, group=RecipientGroup.HOLDOUT).count()
    assert (Recipient.objects.filter(campaign=campaign).count(), held) == (200, 10)
    assert set(Recipient.objects.filter(campaign=campaign).values_list("added_at", flat=True)) == {
        NOW
    }
    decision = CampaignApproval.objects.get(campaign=campaign)
    assert (decision.version, decision.approved, decision.decided_by) == (
        1,
        True,
        org.head_office.user,
    )
    assert AuditEntry.objects.filter(action="campaign.approve", object_id=str(campaign.pk)).exists()


def test_the_holdout_is_never_contacted(org, pending):
    campaign_approve(campaign=pending, user=org.head_office.user, now=NOW)
    held = Recipient.objects.filter(campaign=pending, group=RecipientGroup.HOLDOUT)
    assert not Send.objects.filter(recipient__in=held).exists()
    assert Send.objects.filter(campaign=pending, channel="sms").count() == 190


def test_the_holdout_share_rounds_half_up():
    assert [holdout_size(n, 5) for n in (200, 10, 9, 0)] == [10, 1, 0, 0]


def test_a_broker_may_not_approve_and_nothing_is_written(org, pending):
    said = refusal(lambda: campaign_approve(campaign=pending, user=org.broker.user, now=NOW))
    assert "head office" in said
    pending.refresh_from_db()
    assert pending.status == CampaignStatus.PENDING
    assert not Recipient.objects.filter(campaign=pending).exists()


def test_a_branch_manager_may_not_approve(org, pending):
    assert refusal(
        lambda: campaign_approve(campaign=pending, user=org.branch_manager.user, now=NOW)
    )


def test_the_creator_may_not_approve_their_own_campaign(org, pending):
    Campaign.objects.filter(pk=pending.pk).update(created_by=org.head_office.user)
    pending.refresh_from_db()
    said = refusal(lambda: campaign_approve(campaign=pending, user=org.head_office.user, now=NOW))
    assert "four eyes" in said
    assert not Recipient.objects.filter(campaign=pending).exists()
    campaign_approve(campaign=pending, user=org.admin.user, now=NOW)
    assert Recipient.objects.filter(campaign=pending).count() == 200


def test_a_configured_approver_may_approve(org, pending):
    org.other_broker.user.user_permissions.add(Permission.objects.get(codename="approve_campaign"))
    campaign_approve(campaign=pending, user=org.other_broker.user, now=NOW)
    pending.refresh_from_db()
    assert pending.status == CampaignStatus.APPROVED


def test_only_a_pending_campaign_is_approved(org):
    campaign = campaign_make(org)
    said = refusal(lambda: campaign_approve(campaign=campaign, user=org.head_office.user, now=NOW))
    assert "awaiting approval" in said


def test_a_campaign_that_has_ended_is_not_approved(org, pending):
    later = NOW + datetime.timedelta(days=31)
    said = refusal(lambda: campaign_approve(campaign=pending, user=org.head_office.user, now=later))
    assert "ended" in said
    assert not Recipient.objects.filter(campaign=pending).exists()


def test_a_rejection_says_why_and_sends_it_back_as_a_draft(org, pending):
    assert refusal(lambda: campaign_reject(campaign=pending, user=org.head_office.user, note=" "))
    campaign_reject(campaign=pending, user=org.head_office.user, note="预算过高")
    pending.refresh_from_db()
    assert pending.status == CampaignStatus.DRAFT
    decision = CampaignApproval.objects.get(campaign=pending)
    assert (decision.approved, decision.note) == (False, "预算过高")
    assert not Recipient.objects.filter(campaign=pending).exists()


def test_a_campaign_without_targets_or_channels_is_not_submitted(org):
    campaign = campaign_make(org)
    said = refusal(lambda: campaign_submit(campaign=campaign, user=org.branch_manager.user))
    assert "targets" in said
    targeting(campaign, segment_of(org.broker_customer))
    said = refusal(lambda: campaign_submit(campaign=campaign, user=org.branch_manager.user))
    assert "channel" in said


# -- edits and re-approval -----------------------------------------------------------------------


def test_an_edit_of_an_approved_campaign_needs_approving_again_and_stops_sending(org, pending):
    campaign_approve(campaign=pending, user=org.head_office.user, now=NOW)
    assert campaign_dispatch(now=NOW)["channels"] == ["sms"]
    campaign = campaign_update(
        campaign=pending, user=org.branch_manager.user, changes={"goal": "新目标"}
    )
    assert (campaign.version, campaign.status, campaign.is_approved) == (
        2,
        CampaignStatus.PENDING,
        False,
    )
    assert AuditEntry.objects.filter(action="campaign.change", object_id=str(pending.pk)).exists()
    assert campaign_dispatch(now=NOW)["channels"] == []


def test_an_update_that_changes_nothing_keeps_the_version(org, pending):
    campaign = campaign_update(
        campaign=pending, user=org.branch_manager.user, changes={"goal": pending.goal}
    )
    assert campaign.version == 1


def test_a_reapproval_keeps_every_recipients_group_and_draws_among_the_new_only(org, pending):
    campaign_approve(campaign=pending, user=org.head_office.user, now=NOW)
    before = groups(pending)
    SegmentMember.objects.bulk_create(
        SegmentMember(segment=pending.segment, customer=c, joined_on=NOW.date())
        for c in many(org, 100, prefix="N")
    )
    campaign_changed(campaign=pending, user=org.branch_manager.user)
    later = NOW + datetime.timedelta(hours=1)
    campaign_approve(campaign=pending, user=org.head_office.user, now=later)
    after = groups(pending)
    assert {pk: after[pk] for pk in before} == before
    added = Recipient.objects.filter(campaign=pending, added_at=later)
    assert added.count() == 100
    assert added.filter(group=RecipientGroup.HOLDOUT).count() == 5
    pending.refresh_from_db()
    assert (pending.approved_version, pending.version) == (2, 2)
    assert CampaignApproval.objects.filter(campaign=pending, approved=True).count() == 2


def test_a_reapproval_skips_the_queued_sends_of_customers_no_longer_targeted(org, pending):
    campaign_approve(campaign=pending, user=org.head_office.user, now=NOW)
    contacted = Recipient.objects.filter(campaign=pending, group=RecipientGroup.CONTACT)
    gone = list(contacted.values_list("customer_id", flat=True)[:3])
    SegmentMember.objects.filter(segment=pending.segment, customer_id__in=gone).delete()
    campaign_changed(campaign=pending, user=org.branch_manager.user)
    campaign_approve(campaign=pending, user=org.head_office.user, now=NOW)
    skipped = Send.objects.filter(campaign=pending, status=SendStatus.SKIPPED)
    assert sorted(skipped.values_list("customer_id", flat=True)) == sorted(gone)
    assert set(skipped.values_list("reason", flat=True)) == {NO_LONGER_TARGETED}
    assert Send.objects.filter(campaign=pending, status=SendStatus.QUEUED).count() == 187
    # They stay recipients, in their group: the holdout's history is not rewritten.
    assert Recipient.objects.filter(campaign=pending).count() == 200


# -- pause, resume, cancel -------------------------------------------------------------------------


def test_pause_resume_and_cancel_follow_the_states(org, pending):
    manager = org.branch_manager.user
    said = refusal(lambda: campaign_pause(campaign=pending, user=manager))
    assert "awaiting approval" in said
    campaign_approve(campaign=pending, user=org.head_office.user, now=NOW)
    assert campaign_pause(campaign=pending, user=manager).status == CampaignStatus.PAUSED
    assert refusal(lambda: campaign_pause(campaign=pending, user=manager))
    assert campaign_resume(campaign=pending, user=manager).status == CampaignStatus.APPROVED
    assert refusal(lambda: campaign_resume(campaign=pending, user=manager))
    campaign = campaign_cancel(campaign=pending, user=manager)
    assert campaign.status == CampaignStatus.CANCELLED
    assert not Send.objects.filter(campaign=pending, status=SendStatus.QUEUED).exists()
    assert refusal(lambda: campaign_cancel(campaign=pending, user=manager))
    said = refusal(
        lambda: campaign_update(campaign=pending, user=manager, changes={"goal": "再来"})
    )
    assert "no longer be changed" in said


def test_a_branch_manager_plans_only_their_branchs_campaigns(org, pending):
    Campaign.objects.filter(pk=pending.pk).update(owner=org.head_office)
    pending.refresh_from_db()
    said = refusal(lambda: campaign_cancel(campaign=pending, user=org.branch_manager.user))
    assert "another branch" in said
    assert refusal(lambda: campaign_cancel(campaign=pending, user=org.broker.user))


def test_a_planner_creates_a_draft_they_own(org):
    campaign = campaign_create(
        user=org.branch_manager.user,
        name="新活动",
        goal="唤醒",
        starts_at=NOW,
        ends_on=NOW.date() + datetime.timedelta(days=7),
        branches=[org.branch_a],
    )
    assert (campaign.status, campaign.owner, campaign.created_by) == (
        CampaignStatus.DRAFT,
        org.branch_manager,
        org.branch_manager.user,
    )
    assert list(campaign.branches.all()) == [org.branch_a]
    said = refusal(
        lambda: campaign_create(
            user=org.broker.user, name="x", goal="y", starts_at=NOW, ends_on=NOW.date()
        )
    )
    assert "planners" in said
