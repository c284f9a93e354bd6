"""Delivery receipts (marketing/services/receipts.py, the gateway's webhook): the stand-in
gateway's receipts, late, in batches, shuffled and some posted twice, are posted signed to
the webhook; each is kept once and every send ends in the state of its newest final
receipt. An unsigned, mis-signed or stale post is refused with a 403, a malformed one
with a 400 that says why, and neither writes anything."""

import datetime
import json
import time

import pytest
from django.urls import reverse

from marketing.channels.gateway import signed_headers
from marketing.channels.standin import StandinGateway
from marketing.models import DeliveryReceipt, Send, SendEvent, SendStatus
from marketing.services.receipts import ReceiptItem, receipts_apply, receipts_record
from marketing.services.sending import channel_send

from .sending_data import ACCOUNT, SECRET, Clock, campaign_make, customers_make

pytestmark = pytest.mark.django_db
URL = "/marketing/gateway/receipts/"


@pytest.fixture(autouse=True)
def _gateway(settings):
    settings.CAMPAIGN_SMS_BACKEND = "marketing.channels.gateway.GatewayBackend"
    settings.SMS_GATEWAY_SECRET = SECRET
    settings.SMS_GATEWAY_ACCOUNT = ACCOUNT
    settings.CAMPAIGN_SMS_RATE = 1000.0


@pytest.fixture
def standin(settings):
    gateway = StandinGateway(
        secret=SECRET,
        account=ACCOUNT,
        undeliverable={"13900000002": "空号"},
        receipt_delay=1.5,
        receipt_batch=3,
        duplicate_every=2,
        stale_every=3,
    )
    settings.SMS_GATEWAY_URL = gateway.start()
    yield gateway
    gateway.stop()


def post(client, body: bytes, headers: dict):
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={key: value for key, value in headers.items() if key != "Content-Type"},
    )


def sent_campaign(org, count=6):
    campaign = campaign_make(org.head_office, customers_make(org.branch_a, count))
    clock = Clock()
    channel_send(channel="sms", now_fn=clock, sleep_fn=clock.sleep, deadline_seconds=50)
    assert campaign.sends.filter(status=SendStatus.SENT).count() == count
    return campaign


def test_the_url_is_the_one_the_gateway_is_given():
    assert reverse("marketing:gateway-receipts") == URL


def test_late_shuffled_and_repeated_receipts_leave_each_send_in_its_final_state(
    client, org, standin
):
    campaign = sent_campaign(org)
    assert standin.receipt_posts() == []  # none is due yet: receipts come late
    time.sleep(1.55)
    first = standin.receipt_posts()
    assert first and all(len(json.loads(body)["receipts"]) <= 3 for body, _ in first)
    for body, headers in first:
        assert post(client, body, headers).status_code == 200
    # The duplicates and the older "sent" receipts come later still, after the final ones.
    later = standin.receipt_posts(everything=True)
    assert later
    for body, headers in later:
        assert post(client, body, headers).status_code == 200
    # And a gateway that posts everything once more changes nothing.
    for body, headers in first + later:
        assert post(client, body, headers).json()["new"] == 0
    states = dict(campaign.sends.values_list("address", "status"))
    assert states.pop("13900000002") == SendStatus.FAILED
    assert set(states.values()) == {SendStatus.DELIVERED}
    assert campaign.sends.get(address="13900000002").reason == "空号"
    assert campaign.sends.filter(delivered_at__isnull=False).count() == 5
    receipts = DeliveryReceipt.objects.all()
    assert receipts.count() == 6 + 2  # one final each, and the two older "sent" ones
    assert not receipts.filter(send__isnull=True).exists()
    assert SendEvent.objects.filter(kind=SendStatus.DELIVERED).count() == 5
    assert SendEvent.objects.filter(kind=SendStatus.FAILED).count() == 1


def item(provider_id, status, minute, reason=""):
    moment = datetime.datetime(2026, 3, 3, 2, minute, tzinfo=datetime.UTC)
    return ReceiptItem(provider_id=provider_id, status=status, reason=reason, reported_at=moment)


def test_an_older_receipt_arriving_late_does_not_override_a_newer_final_state(org, standin):
    campaign = sent_campaign(org, count=1)
    send = campaign.sends.get()
    assert receipts_record([item(send.provider_id, "delivered", 10)]) == 1
    assert receipts_record([item(send.provider_id, "failed", 5, "超时")]) == 1
    send.refresh_from_db()
    assert send.status == SendStatus.DELIVERED
    assert send.delivered_at == datetime.datetime(2026, 3, 3, 2, 10, tzinfo=datetime.UTC)
    assert receipts_record([item(send.provider_id, "failed", 25, "关机")]) == 0  # kept once
    send.refresh_from_db()
    assert send.status == SendStatus.DELIVERED


def test_a_newer_final_receipt_overrides_an_older_one(org, standin):
    campaign = sent_campaign(org, count=1)
    send = campaign.sends.get()
    receipts_record([item(send.provider_id, "failed", 5, "超时")])
    send.refresh_from_db()
    assert (send.status, send.reason) == (SendStatus.FAILED, "超时")
    # The carrier retried and delivered it: its last word wins, whichever came first.
    receipts_record([item(send.provider_id, "sent", 30), item(send.provider_id, "delivered", 20)])
    send.refresh_from_db()
    assert (send.status, send.reason) == (SendStatus.DELIVERED, "")
    assert send.delivered_at == datetime.datetime(2026, 3, 3, 2, 20, tzinfo=datetime.UTC)


def test_a_receipt_that_came_before_the_sender_recorded_the_id_is_applied_when_it_does(org):
    campaign = campaign_make(org.head_office, customers_make(org.branch_a, 1))
    assert receipts_record([item("SG-early", "delivered", 10)]) == 1
    assert DeliveryReceipt.objects.get().send is None
    Send.objects.filter(campaign=campaign).update(status=SendStatus.SENT, provider_id="SG-early")
    assert receipts_apply(["SG-early"]) == 1
    assert campaign.sends.get().status == SendStatus.DELIVERED
    assert DeliveryReceipt.objects.get().send == campaign.sends.get()


def signed(payload: dict, *, secret=SECRET, account=ACCOUNT, now=None) -> tuple[bytes, dict]:
    body = json.dumps(payload).encode()
    return body, signed_headers(account=account, secret=secret, body=body, now=now)


RECEIPT = {"msgid": "SG1", "status": "delivered", "reported_at": "2026-03-03T10:00:00+08:00"}


@pytest.mark.parametrize("url", [URL, "/marketing/gateway/replies/"])
def test_an_unsigned_or_mis_signed_or_stale_post_is_refused_and_writes_nothing(client, url):
    payload = {"receipts": [RECEIPT], "replies": []}
    body, headers = signed(payload)
    assert client.post(url, data=body, content_type="application/json").status_code == 403
    _, wrong = signed(payload, secret="guessed")
    assert post_to(client, url, body, wrong).status_code == 403
    _, stale = signed(payload, now=time.time() - 3600)
    assert post_to(client, url, body, stale).status_code == 403
    _, other_account = signed(payload, account="someone")
    assert post_to(client, url, body, other_account).status_code == 403
    tampered = body.replace(b"delivered", b"failed")
    assert post_to(client, url, tampered, headers).status_code == 403
    assert client.get(url).status_code == 405
    assert not DeliveryReceipt.objects.exists()


def post_to(client, url, body, headers):
    return client.post(
        url,
        data=body,
        content_type="application/json",
        headers={key: value for key, value in headers.items() if key != "Content-Type"},
    )


@pytest.mark.parametrize(
    ("payload", "said"),
    [
        ({"receipts": "SG1"}, "receipts"),
        ({"receipts": [RECEIPT, {**RECEIPT, "msgid": ""}]}, "receipts[1]"),
        ({"receipts": [{**RECEIPT, "reported_at": "yesterday"}]}, "reported_at"),
        ({"receipts": [{**RECEIPT, "msgid": "x" * 65}]}, "64"),
        ({"receipts": [{**RECEIPT, "status": ["delivered"]}]}, "status"),
        ([1, 2], "receipts"),
    ],
)
def test_a_malformed_body_is_a_400_that_says_why_and_writes_nothing(client, payload, said):
    body, headers = signed(payload)
    response = post(client, body, headers)
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not DeliveryReceipt.objects.exists()


def test_a_body_that_is_not_json_is_a_400(client):
    body = b"\xff\xfe not json"
    headers = signed_headers(account=ACCOUNT, secret=SECRET, body=body)
    response = post(client, body, headers)
    assert response.status_code == 400
    assert "JSON" in response.content.decode()


def test_without_a_secret_configured_every_post_is_refused(client, settings):
    settings.SMS_GATEWAY_SECRET = ""
    body, headers = signed({"receipts": [RECEIPT]}, secret="")
    assert post(client, body, headers).status_code == 403


# -- the webhooks in the scope walker's table ---------------------------------------------------


def test_every_signed_webhook_refuses_anonymous_visitors_without_a_login_page(client, org):
    from tests.campaignprobes.sending import SignedWebhook
    from tests.scopeprobes import DECLARATIONS, target_make

    webhooks = [name for name, kind in DECLARATIONS.items() if isinstance(kind, SignedWebhook)]
    assert sorted(webhooks) == ["marketing:gateway-receipts", "marketing:gateway-replies"]
    target = target_make(org, "far")
    for name in webhooks:
        url = reverse(name)
        get = client.get(url)
        post = client.post(url, data={"receipts": "x"})
        assert (get.status_code, post.status_code) == (405, 403), name
        for response in (get, post):
            assert not response.get("Location", "").startswith("/accounts/login/"), name
            assert target.name not in response.content.decode(), name
