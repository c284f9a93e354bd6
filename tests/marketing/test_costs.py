"""What campaigns cost (marketing/services/costs.py): gifts taken from stock in one
conditional update, expenses, and a campaign's cost by source against its budget."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from crm.models import AuditEntry
from marketing.models import Gift, GiftGiven, RecipientGroup, SendStatus
from marketing.services.costs import campaign_cost, expense_record, gift_give
from tests.customers.factories import CustomerFactory
from tests.marketing.test_results import campaign_make, recipient_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The refusals are read in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


TODAY = datetime.date(2026, 3, 3)


@pytest.fixture
def gift(db):
    return Gift.objects.create(code="pen", name="钢笔", unit_cost=Decimal("35.00"), stock=3)


def test_it_gives_a_gift_at_the_days_cost_and_takes_it_from_stock(org, gift):
    customer = CustomerFactory(branch=org.branch_a, manager=org.broker)
    given = gift_give(
        gift=gift, customer=customer, quantity=2, user=org.broker.user, given_on=TODAY
    )
    gift.refresh_from_db()
    assert gift.stock == 1
    assert (given.unit_cost, given.cost, given.given_by) == (
        Decimal("35.00"),
        Decimal("70.00"),
        org.broker,
    )
    # A later price change does not rewrite what was given.
    Gift.objects.filter(pk=gift.pk).update(unit_cost=Decimal("99.00"))
    given.refresh_from_db()
    assert given.cost == Decimal("70.00")
    entry = AuditEntry.objects.get(action="gift.give")
    assert entry.details["customer"] == customer.cust_no


def test_it_refuses_a_gift_short_of_stock_and_writes_nothing(org, gift):
    customer = CustomerFactory(branch=org.branch_a)
    with pytest.raises(ValidationError, match="Only 3 of “钢笔” left in stock"):
        gift_give(gift=gift, customer=customer, quantity=4, user=org.broker.user, given_on=TODAY)
    gift.refresh_from_db()
    assert gift.stock == 3
    assert not GiftGiven.objects.exists()
    assert not AuditEntry.objects.filter(action="gift.give").exists()


def test_it_refuses_a_withdrawn_gift(org, gift):
    Gift.objects.filter(pk=gift.pk).update(active=False)
    customer = CustomerFactory(branch=org.branch_a)
    with pytest.raises(ValidationError, match="no longer available"):
        gift_give(gift=gift, customer=customer, quantity=1, user=org.broker.user, given_on=TODAY)
    assert not GiftGiven.objects.exists()


def test_it_never_gives_a_campaigns_gift_to_a_holdout_customer(org, gift):
    campaign = campaign_make(org)
    customer = CustomerFactory(branch=org.branch_a)
    recipient_make(campaign, customer, RecipientGroup.HOLDOUT)
    with pytest.raises(ValidationError, match="not in the contacted group"):
        gift_give(
            gift=gift,
            customer=customer,
            quantity=1,
            user=org.broker.user,
            campaign=campaign,
            given_on=TODAY,
        )
    gift.refresh_from_db()
    assert gift.stock == 3


@pytest.mark.django_db(transaction=True)
def test_two_people_giving_the_last_one_at_once_do_not_both_succeed(org):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    gift = Gift.objects.create(code="last", name="最后一个", unit_cost=Decimal("10"), stock=1)
    customers = [CustomerFactory(branch=org.branch_a) for _ in range(2)]
    outcomes = []
    barrier = threading.Barrier(2)

    def give(customer):
        try:
            barrier.wait()
            gift_give(
                gift=gift, customer=customer, quantity=1, user=org.broker.user, given_on=TODAY
            )
            outcomes.append("given")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=give, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["given", "refused"]
    gift.refresh_from_db()
    assert gift.stock == 0
    assert GiftGiven.objects.count() == 1


def test_it_records_an_expense_and_refuses_a_bad_one(org):
    campaign = campaign_make(org)
    expense_record(
        campaign=campaign,
        kind="venue",
        amount=Decimal("800"),
        spent_on=TODAY,
        note=" 会场 ",
        user=org.head_office.user,
    )
    assert campaign.expenses.get().note == "会场"
    assert AuditEntry.objects.filter(action="campaign.expense_record").count() == 1
    for kind, amount in (("venue", Decimal("0")), ("yacht", Decimal("5"))):
        with pytest.raises(ValidationError):
            expense_record(
                campaign=campaign,
                kind=kind,
                amount=amount,
                spent_on=TODAY,
                note="",
                user=org.head_office.user,
            )
    assert campaign.expenses.count() == 1


def test_it_breaks_a_campaigns_cost_down_against_its_budget(org, gift, settings):
    settings.CAMPAIGN_SMS_SEGMENT_COST = "0.04"
    campaign = campaign_make(org, budget=Decimal("100"))
    other = campaign_make(org, name="别的活动")
    # Billed: sent and delivered SMS (3 + 2 segments); not the failed, queued or skipped
    # ones, nor another campaign's.
    for status, segments in (
        (SendStatus.SENT, 3),
        (SendStatus.DELIVERED, 2),
        (SendStatus.FAILED, 4),
        (SendStatus.QUEUED, 4),
        (SendStatus.SKIPPED, 4),
    ):
        customer = CustomerFactory(branch=org.branch_a)
        recipient_make(campaign, customer, RecipientGroup.CONTACT, status=status, segments=segments)
    recipient_make(
        other, CustomerFactory(branch=org.branch_a), "contact", status="sent", segments=9
    )
    customer = CustomerFactory(branch=org.branch_a)
    recipient_make(campaign, customer, RecipientGroup.CONTACT)
    gift_give(
        gift=gift,
        customer=customer,
        quantity=2,
        user=org.broker.user,
        campaign=campaign,
        given_on=TODAY,
    )
    gift_give(gift=gift, customer=customer, quantity=1, user=org.broker.user, given_on=TODAY)
    expense_record(
        campaign=campaign,
        kind="materials",
        amount=Decimal("40.00"),
        spent_on=TODAY,
        note="",
        user=org.head_office.user,
    )
    cost = campaign_cost(campaign)
    # 5 segments x 0.04 = 0.20; 2 x 35.00 = 70.00 (the gift outside the campaign is not
    # its cost); 40.00 of materials: 110.20 against 100.00, 10.20 over.
    assert cost.sms_segments == 5
    assert (cost.sms, cost.gifts, cost.expenses) == (
        Decimal("0.20"),
        Decimal("70.00"),
        Decimal("40.00"),
    )
    assert cost.total == Decimal("110.20")
    assert cost.remaining == Decimal("-10.20")
    assert cost.over_budget
    assert cost.budget_share == pytest.approx(1.102)
