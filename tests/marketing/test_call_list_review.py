"""A logged call's time after review: never before the campaign could contact anybody (its
approval, or its start when later) nor in the future, so that a backdated call cannot move
the campaign's conversion windows."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import Interaction
from marketing.models import CampaignChannel, Send, SendStatus
from marketing.services.calls import call_log
from tests.marketing.campaign_pages_data import campaign_make

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def moment(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def call_of(campaign, customer) -> Send:
    return Send.objects.get(campaign=campaign, customer=customer, channel=CampaignChannel.CALL)


def test_a_call_logged_before_the_campaign_started_is_refused_on_the_form(client, org):
    campaign = campaign_make(org, customers=[org.broker_customer])
    send = call_of(campaign, org.broker_customer)
    client.force_login(org.broker.user)
    before = campaign.starts_at - datetime.timedelta(days=3)
    payload = {"outcome": "interested", "note": "", "at": moment(before)}
    response = client.post(f"/marketing/campaigns/calls/{send.pk}/log/", payload, follow=True, **EN)
    assert response.status_code == 200
    assert "before the campaign could contact anybody" in response.content.decode()
    assert not Interaction.objects.exists()
    send.refresh_from_db()
    assert send.status == SendStatus.QUEUED


def test_the_call_s_lower_bound_is_the_approval_when_it_came_after_the_start(org):
    campaign = campaign_make(org, customers=[org.broker_customer])
    campaign.approved_at = campaign.starts_at + datetime.timedelta(minutes=30)
    campaign.save(update_fields=["approved_at"])
    assert campaign.contact_from == campaign.approved_at
    send = call_of(campaign, org.broker_customer)
    with pytest.raises(ValidationError, match="before the campaign could contact anybody"):
        call_log(
            send=send,
            outcome="interested",
            note="",
            user=org.broker.user,
            at=campaign.approved_at - datetime.timedelta(minutes=5),
        )
    assert not Interaction.objects.exists()


def test_the_service_refuses_a_call_in_the_future(org):
    campaign = campaign_make(org, customers=[org.broker_customer])
    send = call_of(campaign, org.broker_customer)
    with pytest.raises(ValidationError, match="in the future"):
        call_log(
            send=send,
            outcome="interested",
            note="",
            user=org.broker.user,
            at=timezone.now() + datetime.timedelta(hours=2),
        )
    assert not Interaction.objects.exists()


def test_a_call_after_the_campaign_started_is_logged(org):
    campaign = campaign_make(org, customers=[org.broker_customer])
    send = call_of(campaign, org.broker_customer)
    at = timezone.now() - datetime.timedelta(minutes=5)
    call_log(send=send, outcome="interested", note="", user=org.broker.user, at=at)
    send.refresh_from_db()
    assert send.status == SendStatus.DONE and send.sent_at == at
