"""The demo's campaigns (`make demo`'s demo_campaigns) on the cast of tests/conftest.py with
a book of suitable customers: a finished product campaign with both groups, its messages
sent and delivered and conversions in the contacted group; a running one partly sent (some
SMS sent, the rest queued) with the broker's call list; one awaiting approval and a draft;
and nothing added by a second run."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from marketing.management.commands.demo_campaigns import (
    DRAFT,
    FINISHED,
    PENDING,
    RUNNING,
)
from marketing.models import (
    Campaign,
    CampaignChannel,
    CampaignStatus,
    DeliveryReceipt,
    GiftGiven,
    InboundReply,
    MarketingOptOut,
    Recipient,
    RecipientGroup,
    Segment,
    SegmentMember,
    Send,
    SendEvent,
    SendStatus,
)
from products.models import ProductSale
from tests.marketing.sending_data import customers_make
from tests.products.data import ALL_VARIETIES, product_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(org, settings, tmp_path):
    settings.CAMPAIGN_OUTBOX = tmp_path / "outbox"
    settings.CAMPAIGN_BATCH_SIZE = 10
    today = timezone.localdate()
    profile = {
        "investor_class": "ordinary",
        "risk_assessed_on": today - datetime.timedelta(days=100),
        "invest_horizon": "long",
        "invest_varieties": ALL_VARIETIES,
        "status": "0",
    }
    customers = customers_make(org.branch_a, 40, manager=org.broker, **profile)
    customers += customers_make(
        org.branch_a, 40, first_mobile=13800000000, manager=org.manager, **profile
    )
    product_make(
        "006387",
        "R2",
        name="安心短债债券A",
        minimum_investment=100,
        sale_starts_on=today - datetime.timedelta(days=900),
    )
    segment = Segment.objects.create(name="闲置资金客户", kind="static")
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment=segment, customer=c, joined_on=today) for c in customers]
    )
    return org


def run() -> str:
    out = io.StringIO()
    call_command(
        "demo_campaigns",
        owner="branchhead",
        approver="headoffice",
        staff=["broker", "manager"],
        language="en",
        stdout=out,
    )
    return out.getvalue()


def state() -> list[int]:
    models = (Campaign, Recipient, Send, SendEvent, DeliveryReceipt, InboundReply)
    models += (MarketingOptOut, GiftGiven, ProductSale)
    return [model.objects.count() for model in models]


def test_it_makes_a_finished_campaign_with_results_and_a_running_one_partly_sent(demo):
    output = run()

    finished = Campaign.objects.get(name=FINISHED)
    assert finished.status == CampaignStatus.FINISHED
    assert finished.approved_by.username == "headoffice"
    assert finished.created_by.username == "branchhead"
    recipients = Recipient.objects.filter(campaign=finished)
    assert recipients.filter(group=RecipientGroup.CONTACT).count() > 0
    assert recipients.filter(group=RecipientGroup.HOLDOUT).count() > 0
    sms = Send.objects.filter(campaign=finished, channel=CampaignChannel.SMS)
    assert sms.filter(status=SendStatus.DELIVERED).exists()
    assert sms.filter(sent_at__isnull=False).count() == sms.count()
    assert sms.filter(status=SendStatus.DELIVERED).count() > sms.count() // 2
    assert recipients.filter(group=RecipientGroup.CONTACT, converted_at__isnull=False).exists()
    assert not recipients.filter(group=RecipientGroup.HOLDOUT, contacted_at__isnull=False).exists()
    assert Send.objects.filter(
        campaign=finished, channel=CampaignChannel.CALL, status=SendStatus.DONE
    ).exists()
    assert finished.expenses.exists()

    running = Campaign.objects.get(name=RUNNING)
    assert running.status == CampaignStatus.RUNNING
    messages = Send.objects.filter(campaign=running, channel=CampaignChannel.SMS)
    assert messages.filter(status=SendStatus.QUEUED).exists()
    assert messages.filter(status__in=(SendStatus.SENT, SendStatus.DELIVERED)).exists()
    assert Send.objects.filter(
        campaign=running, channel=CampaignChannel.CALL, assignee=demo.broker
    ).exists()

    assert Campaign.objects.get(name=PENDING).status == CampaignStatus.PENDING
    assert Campaign.objects.get(name=DRAFT).status == CampaignStatus.DRAFT
    assert "Demo campaigns: 4 new" in output


def test_it_adds_nothing_when_run_again(demo):
    run()
    before = state()
    output = run()
    assert state() == before
    assert "Demo campaigns: 0 new" in output


def test_it_says_so_without_the_demo_logins(db):
    out = io.StringIO()
    call_command("demo_campaigns", language="en", stdout=out)
    assert "run demo_users first" in out.getvalue()
    assert not Campaign.objects.exists()
