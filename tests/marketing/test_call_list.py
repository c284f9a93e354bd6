"""The managers' call list (marketing/views/campaigns.py call_list, call_log_view) and the
logging of an entry (marketing/services/calls.py call_log): each call, invitation or gift a
contact with the customer with its outcome, scoped like every list of customers."""

import datetime

import pytest
from django.utils import timezone

from crm.models import AuditEntry
from customers.models import Interaction, Task, TaskStatus
from marketing.models import (
    CampaignChannel,
    CampaignStatus,
    Gift,
    GiftGiven,
    Recipient,
    Send,
    SendEvent,
    SendStatus,
)
from tests.marketing.campaign_pages_data import SCRIPT, campaign_make, cast_customers

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {**EN, "HTTP_HX_REQUEST": "true"}


def when(minutes_ago: int = 10) -> str:
    moment = timezone.localtime() - datetime.timedelta(minutes=minutes_ago)
    return moment.strftime("%Y-%m-%dT%H:%M")


def call_of(campaign, customer, channel=CampaignChannel.CALL) -> Send:
    return Send.objects.get(campaign=campaign, customer=customer, channel=channel)


def log(client, staff, send, **data):
    client.force_login(staff.user)
    payload = {"outcome": "interested", "note": "客户有兴趣", "at": when(), **data}
    return client.post(f"/marketing/campaigns/calls/{send.pk}/log/", payload, **HTMX)


def test_a_broker_sees_only_their_own_customers_entries(client, org):
    campaign = campaign_make(org, customers=cast_customers(org))
    client.force_login(org.broker.user)
    response = client.get("/marketing/campaigns/calls/", **EN)
    body = response.content.decode()
    assert response.status_code == 200
    assert org.broker_customer.cust_no in body
    assert org.teammate_customer.cust_no not in body
    assert org.other_customer.cust_no not in body
    assert SCRIPT in body
    assert campaign.name in body
    assert response.context["paginator"].count == 1


def test_a_team_lead_sees_the_team_s_entries(client, org):
    campaign_make(org, customers=cast_customers(org))
    client.force_login(org.team_lead.user)
    response = client.get("/marketing/campaigns/calls/", **EN)
    assert response.context["paginator"].count == 3
    assert org.manager_customer.cust_no not in response.content.decode()


def test_the_call_list_leaves_out_paused_campaigns_and_sms(client, org):
    campaign_make(org, customers=[org.broker_customer], status=CampaignStatus.PAUSED)
    campaign_make(org, customers=[org.broker_customer], channels=(CampaignChannel.SMS,))
    client.force_login(org.broker.user)
    response = client.get("/marketing/campaigns/calls/", **EN)
    assert response.context["paginator"].count == 0
    assert "Nothing to do" in response.content.decode()


def test_logging_a_call_records_a_contact_and_finishes_the_entry(client, org):
    campaign = campaign_make(org, customers=[org.broker_customer, org.teammate_customer])
    send = call_of(campaign, org.broker_customer)
    response = log(client, org.broker, send, outcome="interested", note="想了解理财")
    assert response.status_code == 200
    assert "Reached, interested" in response.content.decode()
    send.refresh_from_db()
    assert (send.status, send.outcome) == (SendStatus.DONE, "interested")
    contact = Interaction.objects.get(customer=org.broker_customer)
    assert send.interaction == contact
    assert (contact.channel, contact.content, contact.result) == (
        "phone",
        "想了解理财",
        "Reached, interested",
    )
    assert contact.staff == org.broker
    org.broker_customer.refresh_from_db()
    assert org.broker_customer.last_contact_at == contact.occurred_at
    assert Task.objects.get(pk=send.task_id).status == TaskStatus.DONE
    assert Recipient.objects.get(pk=send.recipient_id).contacted_at == contact.occurred_at
    assert SendEvent.objects.get(send=send).kind == SendStatus.DONE
    assert AuditEntry.objects.filter(action="campaign.call_log").count() == 1
    # The teammate's entry is untouched.
    assert call_of(campaign, org.teammate_customer).status == SendStatus.QUEUED


def test_no_answer_is_logged_but_the_customer_is_not_contacted(client, org):
    campaign = campaign_make(org, customers=[org.broker_customer])
    send = call_of(campaign, org.broker_customer)
    log(client, org.broker, send, outcome="no_answer", note="")
    send.refresh_from_db()
    assert send.status == SendStatus.DONE
    assert Interaction.objects.get().result == "No answer"
    assert Recipient.objects.get(pk=send.recipient_id).contacted_at is None


def test_a_call_back_with_a_date_puts_a_follow_up_on_the_workbench(client, org):
    campaign = campaign_make(org, customers=[org.broker_customer])
    send = call_of(campaign, org.broker_customer)
    later = timezone.localdate() + datetime.timedelta(days=3)
    log(client, org.broker, send, outcome="call_back", follow_up_on=later.isoformat())
    follow_up = Task.objects.get(kind="follow_up")
    assert (follow_up.assignee, follow_up.due_on) == (org.broker, later)


def test_an_invitation_is_logged_with_the_invitation_s_outcomes(client, org):
    campaign = campaign_make(
        org, customers=[org.broker_customer], channels=(CampaignChannel.EVENT,)
    )
    send = call_of(campaign, org.broker_customer, CampaignChannel.EVENT)
    refused = log(client, org.broker, send, outcome="interested")
    assert "Select a valid choice" in refused.content.decode()
    assert not Interaction.objects.exists()
    log(client, org.broker, send, outcome="accepted")
    send.refresh_from_db()
    assert send.outcome == "accepted"


def test_a_gift_handed_over_is_taken_from_stock_for_the_campaign(client, org):
    gift = Gift.objects.create(code="cup", name="保温杯", unit_cost="30", stock=1)
    campaign = campaign_make(
        org,
        customers=[org.broker_customer, org.teammate_customer],
        channels=(CampaignChannel.GIFT,),
        gift=gift,
    )
    entry = call_of(campaign, org.broker_customer, CampaignChannel.GIFT)
    log(client, org.broker, entry, outcome="given")
    given = GiftGiven.objects.get()
    assert (given.gift, given.customer, given.campaign) == (gift, org.broker_customer, campaign)
    gift.refresh_from_db()
    assert gift.stock == 0
    assert Interaction.objects.get().channel == "visit"
    send = call_of(campaign, org.teammate_customer, CampaignChannel.GIFT)
    refused = log(client, org.teammate, send, outcome="given")
    assert "left in stock" in refused.content.decode()
    send.refresh_from_db()
    assert send.status == SendStatus.QUEUED
    assert Interaction.objects.count() == 1


def test_an_entry_out_of_the_users_scope_is_a_404_and_nothing_is_written(client, org):
    campaign = campaign_make(org, customers=[org.teammate_customer, org.other_customer])
    for staff, customer in ((org.broker, org.teammate_customer), (org.broker, org.other_customer)):
        send = call_of(campaign, customer)
        assert log(client, staff, send).status_code == 404
        client.force_login(staff.user)
        plain = client.post(f"/marketing/campaigns/calls/{send.pk}/log/", {}, **EN)
        assert plain.status_code == 404
    assert not Interaction.objects.exists()
    assert not Send.objects.filter(status=SendStatus.DONE).exists()


def test_an_sms_is_not_a_call_list_entry(client, org):
    campaign = campaign_make(org, customers=[org.broker_customer], channels=(CampaignChannel.SMS,))
    send = Send.objects.get(campaign=campaign)
    assert log(client, org.head_office, send).status_code == 404


def test_logging_an_entry_twice_is_said_not_written_again(client, org):
    campaign = campaign_make(org, customers=[org.broker_customer])
    send = call_of(campaign, org.broker_customer)
    log(client, org.broker, send)
    again = log(client, org.broker, send)
    assert again.status_code == 200
    assert "already" in again.content.decode()
    assert Interaction.objects.count() == 1


def test_a_paused_campaign_s_entry_is_refused_with_a_message(client, org):
    campaign = campaign_make(org, customers=[org.broker_customer], status=CampaignStatus.PAUSED)
    send = call_of(campaign, org.broker_customer)
    client.force_login(org.broker.user)
    response = client.post(
        f"/marketing/campaigns/calls/{send.pk}/log/",
        {"outcome": "interested", "note": "", "at": when()},
        follow=True,
        **EN,
    )
    assert response.status_code == 200
    assert "waits until it runs again" in response.content.decode()
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"at": "yesterday-ish"}, "Enter a valid date/time."),
        ({"at": when(-120)}, "cannot be logged in the future"),
        ({"outcome": "bribed"}, "Select a valid choice"),
        ({"follow_up_on": "2001-01-01"}, "cannot be in the past"),
    ],
)
def test_bad_values_are_messages_not_errors(client, org, data, said):
    campaign = campaign_make(org, customers=[org.broker_customer])
    send = call_of(campaign, org.broker_customer)
    client.force_login(org.broker.user)
    payload = {"outcome": "interested", "note": "", "at": when(), **data}
    response = client.post(f"/marketing/campaigns/calls/{send.pk}/log/", payload, follow=True, **EN)
    assert response.status_code == 200
    assert said in response.content.decode()
    assert not Interaction.objects.exists()


def test_the_done_entries_are_listed_with_their_outcome(client, org):
    campaign = campaign_make(org, customers=[org.broker_customer, org.teammate_customer])
    log(client, org.broker, call_of(campaign, org.broker_customer), outcome="not_interested")
    response = client.get("/marketing/campaigns/calls/?done=on", **EN)
    assert response.context["paginator"].count == 1
    assert "Reached, not interested" in response.content.decode()
    still = client.get("/marketing/campaigns/calls/", **EN)
    assert still.context["paginator"].count == 0


def test_the_call_list_reads_a_bounded_number_of_queries(
    client, org, django_assert_max_num_queries
):
    for number in range(5):
        campaign_make(
            org,
            customers=cast_customers(org),
            name=f"活动{number}",
            channels=(CampaignChannel.CALL, CampaignChannel.EVENT, CampaignChannel.GIFT),
        )
    client.force_login(org.head_office.user)
    with django_assert_max_num_queries(10):
        response = client.get("/marketing/campaigns/calls/", **EN)
    assert response.status_code == 200
    assert response.context["paginator"].count == 5 * 6 * 3


def test_a_campaign_s_page_links_to_its_own_call_list(client, org):
    first = campaign_make(org, customers=[org.broker_customer], name="第一个")
    campaign_make(org, customers=[org.broker_customer], name="第二个")
    client.force_login(org.broker.user)
    page = client.get(f"/marketing/campaigns/{first.pk}/", **EN).content.decode()
    assert f'href="/marketing/campaigns/calls/?campaign={first.pk}"' in page
    response = client.get(f"/marketing/campaigns/calls/?campaign={first.pk}", **EN)
    assert response.context["paginator"].count == 1
    assert "第二个" not in response.content.decode()
    assert client.get("/marketing/campaigns/calls/", **EN).context["paginator"].count == 2
