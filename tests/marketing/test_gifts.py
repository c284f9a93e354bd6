"""The gift catalogue and the 360 page's "Campaigns & gifts" panel with its gift form
(marketing/views/gifts.py, marketing/templatetags/marketing_campaigns.py)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import AuditEntry
from marketing.models import Gift, GiftGiven, MarketingOptOut, RecipientGroup, SendStatus
from tests.customers.factories import CustomerFactory
from tests.marketing.test_results import campaign_make, recipient_make

pytestmark = pytest.mark.django_db
PLAIN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {**PLAIN, "HTTP_HX_REQUEST": "true"}


@pytest.fixture
def gift(db):
    return Gift.objects.create(code="tea", name="龙井茶", unit_cost=Decimal("88.00"), stock=5)


@pytest.fixture
def customer(org):
    return CustomerFactory(
        cust_no="G0001", name="礼品客户", branch=org.branch_a, manager=org.broker
    )


def test_the_catalogue_lists_gifts_with_their_stock(client, org, gift):
    Gift.objects.create(code="old", name="旧礼品", unit_cost=Decimal("5"), stock=0, active=False)
    client.force_login(org.broker.user)
    response = client.get("/marketing/gifts/", **PLAIN)
    assert response.status_code == 200
    page = response.content.decode()
    assert "龙井茶" in page and "88.00" in page and "旧礼品" in page
    assert [g.code for g in response.context["gifts"]] == ["tea", "old"]


def test_the_360_page_frames_the_panel_without_a_query_of_its_own(client, org, customer):
    client.force_login(org.broker.user)
    page = client.get("/customers/G0001/", **PLAIN).content.decode()
    assert 'id="campaigns-panel"' in page
    assert 'hx-get="/marketing/gifts/customers/G0001/"' in page
    assert '<a href="#campaigns-panel">' in page  # in the panel index


def test_the_panel_shows_campaigns_gifts_and_the_opt_out_with_its_proof(
    client, org, customer, gift, django_assert_max_num_queries
):
    campaign = campaign_make(org)
    recipient = recipient_make(
        campaign, customer, RecipientGroup.CONTACT, status=SendStatus.DELIVERED
    )
    recipient.converted_at = timezone.now()
    recipient.save()
    GiftGiven.objects.create(
        gift=gift,
        customer=customer,
        campaign=campaign,
        quantity=2,
        unit_cost=Decimal("88.00"),
        given_on=datetime.date(2026, 3, 3),
    )
    MarketingOptOut.objects.create(
        customer=customer, at=timezone.now(), source="reply", proof="回复TD"
    )
    client.force_login(org.broker.user)
    with django_assert_max_num_queries(10):
        response = client.get("/marketing/gifts/customers/G0001/", **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "开门红" in page and "Contacted group" in page and "Delivered" in page
    assert "176.00" in page  # 2 x 88.00
    assert "Opted out of marketing" in page and "回复TD" in page


def test_a_customer_out_of_scope_has_no_panel_and_gets_no_gift(client, org, customer, gift):
    client.force_login(org.other_broker.user)
    assert client.get("/marketing/gifts/customers/G0001/").status_code == 404
    response = client.post("/marketing/gifts/give/G0001/", {"gift": gift.pk, "quantity": 1})
    assert response.status_code == 404
    gift.refresh_from_db()
    assert gift.stock == 5
    assert not GiftGiven.objects.exists()


def test_it_gives_a_gift_from_the_panel_and_answers_with_the_panel(client, org, customer, gift):
    client.force_login(org.broker.user)
    form = client.get("/marketing/gifts/give/G0001/", **HTMX)
    assert form.status_code == 200
    assert "龙井茶 (5 in stock, 88.00 each)" in form.content.decode()
    response = client.post(
        "/marketing/gifts/give/G0001/", {"gift": gift.pk, "quantity": 2, "note": "生日"}, **HTMX
    )
    assert response.status_code == 200
    assert 'id="campaigns-panel"' in response.content.decode()
    assert "176.00" in response.content.decode()
    gift.refresh_from_db()
    assert gift.stock == 3
    assert AuditEntry.objects.filter(action="gift.give").count() == 1


def test_a_gift_short_of_stock_is_refused_with_a_message(client, org, customer, gift):
    client.force_login(org.broker.user)
    response = client.post("/marketing/gifts/give/G0001/", {"gift": gift.pk, "quantity": 6}, **HTMX)
    assert response.status_code == 200
    assert "Only 5 of “龙井茶” left in stock" in response.content.decode()
    assert not GiftGiven.objects.exists()
    plain = client.post("/marketing/gifts/give/G0001/", {"gift": gift.pk, "quantity": 6})
    assert plain.status_code == 302
    assert plain["Location"] == "/customers/G0001/#campaigns-panel"


def test_a_gift_in_a_campaign_is_offered_only_for_the_campaigns_contacting_the_customer(
    client, org, customer, gift
):
    contacting = campaign_make(org, name="联系我")
    holding_out = campaign_make(org, name="对照我")
    recipient_make(contacting, customer, RecipientGroup.CONTACT)
    recipient_make(holding_out, customer, RecipientGroup.HOLDOUT)
    client.force_login(org.broker.user)
    page = client.get("/marketing/gifts/give/G0001/", **HTMX).content.decode()
    assert "联系我" in page and "对照我" not in page
    response = client.post(
        "/marketing/gifts/give/G0001/",
        {"gift": gift.pk, "quantity": 1, "campaign": holding_out.pk},
        **HTMX,
    )
    assert response.status_code == 200
    assert not GiftGiven.objects.exists()


def _gift_campaign(org, gift):
    from marketing.models import CampaignChannel
    from tests.marketing.campaign_pages_data import campaign_make as planned_campaign

    campaign = planned_campaign(
        org, customers=[org.broker_customer], channels=(CampaignChannel.GIFT,), gift=gift
    )
    send = campaign.sends.get(customer=org.broker_customer, channel=CampaignChannel.GIFT)
    return campaign, send


def test_a_campaign_gift_given_from_the_panel_closes_the_queued_gift_entry(org, gift):
    from marketing.models import CallOutcome, Recipient, SendEvent
    from marketing.services.costs import gift_give

    campaign, send = _gift_campaign(org, gift)
    gift_give(
        gift=gift,
        customer=org.broker_customer,
        quantity=1,
        user=org.broker.user,
        campaign=campaign,
        given_on=timezone.localdate(),
    )
    send.refresh_from_db()
    assert (send.status, send.outcome) == (SendStatus.DONE, CallOutcome.GIVEN)
    assert send.sent_at is not None
    recipient = Recipient.objects.get(campaign=campaign, customer=org.broker_customer)
    assert recipient.contacted_at == send.sent_at
    # Closed by the hand-over (its audit entry names the entry), not logged as a call.
    assert AuditEntry.objects.get(action="gift.give").details["send"] == send.pk
    assert not SendEvent.objects.filter(send=send).exists()


def test_a_gift_given_from_the_panel_is_not_given_again_by_the_call_list(org, gift):
    from django.core.exceptions import ValidationError

    from marketing.services.calls import call_log
    from marketing.services.costs import gift_give

    campaign, send = _gift_campaign(org, gift)
    gift_give(
        gift=gift,
        customer=org.broker_customer,
        quantity=1,
        user=org.broker.user,
        campaign=campaign,
        given_on=timezone.localdate(),
    )
    with pytest.raises(ValidationError, match="already"):
        call_log(send=send, outcome="given", note="", user=org.broker.user, at=timezone.now())
    gift.refresh_from_db()
    assert gift.stock == 4
    assert GiftGiven.objects.count() == 1


def test_a_gift_given_on_the_call_list_is_taken_once_and_closed_once(org, gift):
    from marketing.models import CallOutcome, Recipient, SendEvent
    from marketing.services.calls import call_log

    campaign, send = _gift_campaign(org, gift)
    at = timezone.now() - datetime.timedelta(minutes=5)
    call_log(send=send, outcome="given", note="当面送达", user=org.broker.user, at=at)
    gift.refresh_from_db()
    assert gift.stock == 4
    assert GiftGiven.objects.count() == 1
    send.refresh_from_db()
    assert (send.status, send.outcome, send.sent_at) == (SendStatus.DONE, CallOutcome.GIVEN, at)
    assert send.interaction_id is not None
    assert SendEvent.objects.filter(send=send, kind=SendStatus.DONE).count() == 1
    recipient = Recipient.objects.get(campaign=campaign, customer=org.broker_customer)
    # Stamped by the hand-over (at the logged moment once call_log passes `at`).
    assert at <= recipient.contacted_at <= timezone.now()
    # A second gift from the panel afterwards is a gift of its own; the entry stays as logged.
    from marketing.services.costs import gift_give

    gift_give(
        gift=gift,
        customer=org.broker_customer,
        quantity=1,
        user=org.broker.user,
        campaign=campaign,
        given_on=timezone.localdate(),
    )
    send.refresh_from_db()
    assert (send.sent_at, send.interaction_id is not None) == (at, True)
    assert SendEvent.objects.filter(send=send, kind=SendStatus.DONE).count() == 1
    contacted_at = recipient.contacted_at
    recipient.refresh_from_db()
    assert recipient.contacted_at == contacted_at


def test_the_panel_s_gift_form_closes_the_customer_s_gift_entry_of_the_campaign(client, org, gift):
    campaign, send = _gift_campaign(org, gift)
    client.force_login(org.broker.user)
    response = client.post(
        f"/marketing/gifts/give/{org.broker_customer.cust_no}/",
        {"gift": gift.pk, "quantity": 1, "campaign": campaign.pk},
        **HTMX,
    )
    assert response.status_code == 200
    send.refresh_from_db()
    assert (send.status, send.outcome) == (SendStatus.DONE, "given")
    # The call list no longer offers it: the entry is done.
    listed = client.get("/marketing/campaigns/calls/", **PLAIN)
    assert listed.status_code == 200
    assert send.pk not in [row["send"].pk for row in listed.context["rows"]]


def test_a_gift_handed_over_earlier_closes_the_entry_at_that_moment(org, gift):
    from marketing.models import Recipient
    from marketing.services.costs import gift_give

    campaign, send = _gift_campaign(org, gift)
    at = timezone.now() - datetime.timedelta(days=1)
    gift_give(
        gift=gift,
        customer=org.broker_customer,
        quantity=1,
        user=org.broker.user,
        campaign=campaign,
        given_on=timezone.localdate(at),
        at=at,
    )
    send.refresh_from_db()
    recipient = Recipient.objects.get(campaign=campaign, customer=org.broker_customer)
    assert send.sent_at == recipient.contacted_at == at
