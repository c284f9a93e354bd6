"""A campaign's targets and exclusions: the union of its sources in its owner's scope and
branches, every exclusion of the funnel (each switchable one off, the product's suitability
never), counted in one statement, the weekly cap across other campaigns' sends, and the
upload of customer numbers with its report."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from customers.models import Interaction
from marketing.models import (
    Campaign,
    CampaignStatus,
    CampaignTarget,
    MarketingOptOut,
    Recipient,
    RecipientGroup,
    Segment,
    SegmentKind,
    SegmentMember,
    Send,
    SendStatus,
    TargetKind,
)
from marketing.services.targeting import (
    campaign_eligible,
    campaign_funnel,
    campaign_targets,
    campaign_upload,
)
from tests.customers.factories import CustomerFactory
from tests.products.data import product_make, suitable

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 6, 15, 10, 0))
_names = iter(range(1, 10_000))


def campaign_make(org, *, owner=None, created_by=None, **fields) -> Campaign:
    """A draft campaign owned by the branch manager of branch A (created by them), every
    switchable exclusion as the model's default, no contact window."""
    owner = owner or org.branch_manager
    values = {
        "name": f"活动{next(_names)}",
        "goal": "唤醒",
        "owner": owner,
        "created_by": created_by or owner.user,
        "starts_at": NOW,
        "ends_on": NOW.date() + datetime.timedelta(days=30),
        **fields,
    }
    return Campaign.objects.create(**values)


def segment_of(*customers, name=None) -> Segment:
    segment = Segment.objects.create(name=name or f"分群{next(_names)}", kind=SegmentKind.STATIC)
    SegmentMember.objects.bulk_create(
        SegmentMember(segment=segment, customer=c, joined_on=NOW.date()) for c in customers
    )
    return segment


def targeting(campaign, segment) -> CampaignTarget:
    return CampaignTarget.objects.create(
        campaign=campaign, kind=TargetKind.SEGMENT, segment=segment
    )


def reachable(org, cust_no, **fields):
    """A customer of branch A with marketing consent, served by the broker."""
    return CustomerFactory(
        cust_no=cust_no, branch=org.branch_a, manager=org.broker, marketing_consent=True, **fields
    )


def sent(campaign, customer, *, at, channel="sms", status=SendStatus.SENT) -> Send:
    recipient, _ = Recipient.objects.get_or_create(
        campaign=campaign,
        customer=customer,
        defaults={"group": RecipientGroup.CONTACT, "added_at": at},
    )
    return Send.objects.create(
        campaign=campaign,
        recipient=recipient,
        customer=customer,
        channel=channel,
        status=status,
        due_at=at,
        sent_at=at,
    )


def numbers(customers) -> list[str]:
    return sorted(customers.values_list("cust_no", flat=True))


def counts(steps) -> dict[str, int]:
    return {step.code: step.count for step in steps}


# -- the targets ---------------------------------------------------------------------------------


def test_it_targets_the_union_of_its_sources_within_the_owners_scope(org):
    for customer in (org.broker_customer, org.teammate_customer, org.other_customer):
        customer.marketing_consent = True
        customer.save()
    campaign = campaign_make(org)
    targeting(campaign, segment_of(org.broker_customer, org.other_customer))
    targeting(campaign, segment_of(org.teammate_customer, org.broker_customer))
    # The branch manager of A owns it: branch B's customer is outside the reach.
    assert numbers(campaign_targets(campaign)) == ["A0001", "A0002"]


def test_it_targets_only_the_campaigns_branches_when_it_names_some(org):
    campaign = campaign_make(org, owner=org.head_office)
    targeting(campaign, segment_of(org.broker_customer, org.other_customer))
    assert numbers(campaign_targets(campaign)) == ["A0001", "B0001"]
    campaign.branches.set([org.branch_b])
    assert numbers(campaign_targets(campaign)) == ["B0001"]


def test_a_campaign_without_sources_targets_nobody(org):
    campaign = campaign_make(org)
    assert campaign_targets(campaign).count() == 0
    assert counts(campaign_funnel(campaign, now=NOW))["targets"] == 0


def test_it_targets_a_products_target_list_in_the_owners_scope(org):
    product = product_make()
    suitable(org.broker_customer)
    suitable(org.other_customer)
    campaign = campaign_make(org, product=product)
    CampaignTarget.objects.create(campaign=campaign, kind=TargetKind.PRODUCT, product=product)
    assert numbers(campaign_targets(campaign, today=timezone.localdate())) == ["A0001"]


# -- every exclusion -----------------------------------------------------------------------------


@pytest.fixture
def crowd(org):
    """Seven customers of branch A, each left out by one exclusion but the first, and the
    campaign (a one-day contact window) targeting them all through one segment."""
    other = campaign_make(org, name="另一个活动", status=CampaignStatus.RUNNING)
    third = campaign_make(org, name="第三个活动", status=CampaignStatus.FINISHED)
    cast = {
        "kept": reachable(org, "K0001"),
        "inactive": reachable(org, "K0002", status="1"),
        "no_consent": CustomerFactory(cust_no="K0003", branch=org.branch_a, manager=org.broker),
        "opted_out": reachable(org, "K0004"),
        "contacted": reachable(org, "K0005"),
        "other_campaign": reachable(org, "K0006"),
        "over_cap": reachable(org, "K0007"),
    }
    MarketingOptOut.objects.create(customer=cast["opted_out"], at=NOW, source="reply", proof="TD")
    Interaction.objects.create(
        customer=cast["contacted"],
        channel="phone",
        occurred_at=NOW - datetime.timedelta(hours=6),
        content="回访",
    )
    Recipient.objects.create(
        campaign=other, customer=cast["other_campaign"], group="contact", added_at=NOW
    )
    # Two messages in the week before (not in the contact window), from two other campaigns
    # (the finished one too); in the running one the customer is in the holdout group, which
    # another campaign may reach.
    sent(other, cast["over_cap"], at=NOW - datetime.timedelta(days=2))
    sent(third, cast["over_cap"], at=NOW - datetime.timedelta(days=3), channel="email")
    Recipient.objects.filter(customer=cast["over_cap"]).update(group="holdout")
    campaign = campaign_make(org, contact_window_days=1)
    targeting(campaign, segment_of(*cast.values()))
    return campaign, cast


def test_each_exclusion_leaves_out_its_customer_in_the_funnels_order(crowd):
    campaign, _ = crowd
    steps = campaign_funnel(campaign, now=NOW)
    assert [(s.code, s.count, s.excluded) for s in steps] == [
        ("targets", 7, 0),
        ("inactive", 6, 1),
        ("no_consent", 5, 1),
        ("opted_out", 4, 1),
        ("contacted", 3, 1),
        ("other_campaign", 2, 1),
        ("over_cap", 1, 1),
    ]
    assert all(step.on for step in steps)
    assert [s.code for s in steps if s.switchable] == [
        "no_consent",
        "contacted",
        "other_campaign",
        "over_cap",
    ]
    assert numbers(campaign_eligible(campaign, now=NOW)) == ["K0001"]


def test_the_contact_window_is_named_in_days_in_the_funnel(crowd):
    campaign, _ = crowd
    with translation.override("en"):
        labels = {s.code: s.label for s in campaign_funnel(campaign, now=NOW)}
    assert labels["contacted"] == "Contacted within 1 day"


@pytest.mark.parametrize(
    ("field", "off", "code", "cust_no"),
    [
        ("require_consent", False, "no_consent", "K0003"),
        ("contact_window_days", None, "contacted", "K0005"),
        ("exclude_other_campaigns", False, "other_campaign", "K0006"),
        ("apply_frequency_cap", False, "over_cap", "K0007"),
    ],
)
def test_a_switchable_exclusion_switched_off_leaves_its_customer_in(
    crowd, field, off, code, cust_no
):
    campaign, _ = crowd
    setattr(campaign, field, off)
    campaign.save()
    steps = {s.code: s for s in campaign_funnel(campaign, now=NOW)}
    assert not steps[code].on
    assert steps[code].excluded == 0
    assert list(steps.values())[-1].count == 2
    assert numbers(campaign_eligible(campaign, now=NOW)) == sorted(["K0001", cust_no])


def test_inactive_accounts_and_opt_outs_cannot_be_switched_off(crowd):
    campaign, _ = crowd
    steps = {s.code: s for s in campaign_funnel(campaign, now=NOW)}
    assert not steps["inactive"].switchable and not steps["opted_out"].switchable


def test_a_contact_before_the_window_does_not_exclude(crowd):
    campaign, _ = crowd
    Interaction.objects.update(occurred_at=NOW - datetime.timedelta(days=1, minutes=1))
    assert "K0005" in numbers(campaign_eligible(campaign, now=NOW))


def test_a_campaign_that_has_ended_does_not_exclude(crowd):
    campaign, _ = crowd
    Campaign.objects.filter(name="另一个活动").update(
        ends_on=NOW.date() - datetime.timedelta(days=1)
    )
    assert "K0006" in numbers(campaign_eligible(campaign, now=NOW))


def test_the_weekly_cap_counts_messages_of_other_campaigns_together(org, crowd, settings):
    campaign, cast = crowd
    # One message is under the cap of two: one of the two goes back beyond the week.
    Send.objects.filter(customer=cast["over_cap"], channel="email").update(
        sent_at=NOW - datetime.timedelta(days=8)
    )
    assert "K0007" in numbers(campaign_eligible(campaign, now=NOW))
    settings.CAMPAIGN_WEEKLY_MESSAGE_CAP = 1
    assert "K0007" not in numbers(campaign_eligible(campaign, now=NOW))


def test_the_weekly_cap_counts_no_call_and_no_failed_message(org, crowd):
    campaign, cast = crowd
    Send.objects.filter(customer=cast["over_cap"], channel="email").update(status=SendStatus.FAILED)
    assert "K0007" in numbers(campaign_eligible(campaign, now=NOW))


def test_the_funnel_is_counted_in_one_statement(crowd, django_assert_max_num_queries):
    campaign, _ = crowd
    campaign = Campaign.objects.select_related("owner__user").get(pk=campaign.pk)
    # The sources, the branches, the owner's staff record, and the one count.
    with django_assert_max_num_queries(4):
        campaign_funnel(campaign, now=NOW)


# -- the product's suitability -------------------------------------------------------------------


@pytest.fixture
def product_campaign(org):
    product = product_make()
    fits = suitable(reachable(org, "S0001"))
    unfit = suitable(reachable(org, "S0002"), risk_level="C1")
    campaign = campaign_make(
        org,
        product=product,
        require_consent=False,
        contact_window_days=None,
        exclude_other_campaigns=False,
        apply_frequency_cap=False,
    )
    targeting(campaign, segment_of(fits, unfit))
    return campaign


def test_a_customer_the_product_does_not_suit_is_left_out_with_every_switch_off(product_campaign):
    steps = campaign_funnel(product_campaign, now=timezone.now())
    last = steps[-1]
    assert (last.code, last.count, last.excluded, last.on, last.switchable) == (
        "unsuitable",
        1,
        1,
        True,
        False,
    )
    assert not any(step.on for step in steps if step.switchable)
    assert numbers(campaign_eligible(product_campaign, now=timezone.now())) == ["S0001"]


def test_the_suitability_exclusion_has_no_field_to_switch_it_off():
    fields = {field.name for field in Campaign._meta.get_fields()}
    assert not {name for name in fields if "suit" in name}


def test_a_product_not_on_sale_suits_nobody(product_campaign):
    product = product_campaign.product
    product.status = "closed"
    product.save()
    assert campaign_eligible(product_campaign, now=timezone.now()).count() == 0
    assert campaign_funnel(product_campaign, now=timezone.now())[-1].count == 0


# -- uploads -------------------------------------------------------------------------------------


def upload_of(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_an_upload_reports_the_numbers_unmatched_and_outside_the_owners_scope(org):
    campaign = campaign_make(org)
    file = upload_of("名单.csv", "客户号\nA0001\nA0002\nB0001\nZ9999\nA0001\n".encode())
    upload = campaign_upload(campaign=campaign, file=file, user=org.head_office.user)
    assert (upload.numbers, upload.matched) == (4, 2)
    assert upload.unmatched == ["Z9999"]
    assert upload.out_of_scope == ["B0001"]
    assert sorted(upload.customers.values_list("cust_no", flat=True)) == ["A0001", "A0002"]
    target = CampaignTarget.objects.get(campaign=campaign)
    assert (target.kind, target.upload) == (TargetKind.UPLOAD, upload)
    assert numbers(campaign_targets(campaign)) == ["A0001", "A0002"]


def test_an_uploader_learns_nothing_of_customers_outside_their_own_scope(org):
    campaign = campaign_make(org)
    file = upload_of("list.txt", b"A0001\nB0001\n")
    upload = campaign_upload(campaign=campaign, file=file, user=org.branch_manager.user)
    assert upload.unmatched == ["B0001"]
    assert upload.out_of_scope == []


def test_an_upload_reads_the_first_column_of_a_workbook(org):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["客户号", "姓名"], ["A0001", "甲"], ["A0003", "乙"]):
        sheet.append(row)
    content = io.BytesIO()
    book.save(content)
    campaign = campaign_make(org)
    upload = campaign_upload(
        campaign=campaign,
        file=upload_of("名单.xlsx", content.getvalue()),
        user=org.head_office.user,
    )
    assert (upload.numbers, upload.matched) == (2, 2)


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        (b"", "no customer numbers"),
        (b"PK\x03\x04broken", "workbook"),
        ("客户号\n".encode("utf-16"), "not a text file"),
        (b"\xff\xfeA0001\xff\n", "neither UTF-8 nor GBK"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_the_cause(org, content, cause):
    campaign = campaign_make(org)
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        campaign_upload(
            campaign=campaign, file=upload_of("坏文件.csv", content), user=org.admin.user
        )
    message = " ".join(refused.value.messages)
    assert "坏文件.csv" in message
    assert cause in message
    assert not CampaignTarget.objects.filter(campaign=campaign).exists()
    assert campaign.uploads.count() == 0
