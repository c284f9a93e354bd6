"""The sender's edges found in review: a signature header that is not ASCII, a claim going
stale during a run of a backend that cannot recognise a resubmission, receipts that came
while the sender was recording, messages a backend fails one at a time or says nothing
about, re-queued sends checked again, a claim window of deferred sends, and replies that
say their opt-out with punctuation."""

import datetime
import socket
import threading
import time

import pytest
from django.core import mail

from marketing.channels import base as backends
from marketing.channels.base import OutboundMessage, reason_text
from marketing.channels.email import EmailBackend
from marketing.channels.gateway import GatewayBackend
from marketing.models import (
    CampaignChannel,
    DeliveryReceipt,
    MarketingOptOut,
    OptOutSource,
    Send,
    SendEvent,
    SendStatus,
)
from marketing.services.receipts import is_opt_out
from marketing.services.sending import (
    CAMPAIGN_ENDED,
    OPTED_OUT,
    OUTCOME_UNKNOWN,
    REASON_LABELS,
    campaign_dispatch,
    campaigns_finish,
    channel_send,
    reason_label,
)

from .sending_data import (
    ACCOUNT,
    MORNING,
    SECRET,
    Clock,
    RecordingBackend,
    campaign_make,
    customers_make,
)

pytestmark = pytest.mark.django_db
SMS = CampaignChannel.SMS


@pytest.fixture(autouse=True)
def _sending(settings, tmp_path):
    settings.CAMPAIGN_SMS_BACKEND = "tests.marketing.sending_data.RecordingBackend"
    settings.CAMPAIGN_OUTBOX = str(tmp_path / "outbox")
    settings.CAMPAIGN_SMS_RATE = 1000.0
    settings.CAMPAIGN_QUIET_HOURS = "21:00-08:00"
    settings.SMS_GATEWAY_SECRET = SECRET
    settings.SMS_GATEWAY_ACCOUNT = ACCOUNT
    RecordingBackend.batches = []


def run(clock=None, channel=SMS, deadline_seconds=50):
    clock = clock or Clock()
    RecordingBackend.clock = clock
    return channel_send(
        channel=channel, now_fn=clock, sleep_fn=clock.sleep, deadline_seconds=deadline_seconds
    )


class SilentBackend(RecordingBackend):
    """Not idempotent, and answers about nothing."""

    idempotent = False

    def send_batch(self, messages):
        super().send_batch(messages)
        return []


# -- the webhooks' signature --------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/marketing/gateway/receipts/", "/marketing/gateway/replies/"])
def test_a_signature_header_that_is_not_ascii_is_a_403_not_a_500(client, url):
    response = client.post(
        url,
        data=b'{"receipts": [], "replies": []}',
        content_type="application/json",
        headers={
            "X-Gateway-Account": ACCOUNT,
            "X-Gateway-Timestamp": str(int(time.time())),
            "X-Gateway-Signature": "é" * 64,
        },
    )
    assert response.status_code == 403


# -- a backend that cannot recognise a resubmission ------------------------------------------


def test_a_claim_going_stale_during_a_run_is_failed_not_sent_again_by_email(org, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CAMPAIGN_EMAIL_RATE = 1.0
    customers = customers_make(org.branch_a, 4)
    campaign = campaign_make(org.head_office, customers, channels=(CampaignChannel.EMAIL,))
    stale = campaign.sends.get(customer=customers[0])
    # Claimed 118 s ago by a sender that died: within the lease when the run starts, stale
    # two seconds into it.
    Send.objects.filter(pk=stale.pk).update(
        status=SendStatus.CLAIMED,
        claim="0" * 31 + "1",
        claimed_at=MORNING - datetime.timedelta(seconds=118),
    )
    run(channel=CampaignChannel.EMAIL)
    stale.refresh_from_db()
    assert (stale.status, stale.reason) == (SendStatus.FAILED, OUTCOME_UNKNOWN)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        customer.email for customer in customers[1:]
    )


def test_a_message_a_backend_that_cannot_deduplicate_says_nothing_about_has_an_unknown_outcome(
    org, settings
):
    settings.CAMPAIGN_SMS_BACKEND = "tests.marketing.test_sending_review.SilentBackend"
    campaign = campaign_make(org.head_office, customers_make(org.branch_a, 2))
    done = run()
    assert done["failed"] == 2 and done["retry"] == 0
    assert set(campaign.sends.values_list("status", "reason")) == {
        (SendStatus.FAILED, OUTCOME_UNKNOWN)
    }
    assert len(RecordingBackend.batches) == 1


def test_an_email_the_message_itself_breaks_fails_alone_with_its_reason(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    messages = [
        OutboundMessage(1, "a" * 32, "a@example.com", "春季\n理财", "正文", 1),
        OutboundMessage(2, "b" * 32, "b@example.com", "春季理财", "正文", 1),
    ]
    first, second = sorted(EmailBackend("email").send_batch(messages), key=lambda r: r.send_id)
    assert (first.accepted, first.retry) == (False, False)
    assert "BadHeaderError" in first.reason
    assert second.accepted
    assert [message.to for message in mail.outbox] == [["b@example.com"]]


def test_a_gateway_answer_that_is_not_http_queues_the_batch_again(settings):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def answer():
        peer, _address = server.accept()
        peer.recv(65536)
        peer.sendall(b"NONSENSE\r\n\r\n")
        peer.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.getsockname()[1]}/send"
    try:
        results = GatewayBackend("sms").send_batch(
            [OutboundMessage(1, "c" * 32, "13900000000", "", "您好", 1)]
        )
    finally:
        thread.join(5)
        server.close()
    assert [(result.accepted, result.retry) for result in results] == [(False, True)]


# -- receipts that came while the sender was recording --------------------------------------


def test_a_receipt_kept_without_its_send_is_applied_by_the_next_dispatch(org, settings):
    campaign = campaign_make(org.head_office, customers_make(org.branch_a, 1))
    run()
    send = campaign.sends.get()
    assert send.status == SendStatus.SENT
    # Stored while the sender's transaction was open: it saw no send with the id.
    DeliveryReceipt.objects.create(
        provider_id=send.provider_id,
        status=SendStatus.DELIVERED,
        reason="",
        reported_at=MORNING,
        send=None,
    )
    campaign_dispatch(now=MORNING)
    send.refresh_from_db()
    assert send.status == SendStatus.DELIVERED
    assert DeliveryReceipt.objects.get().send_id == send.pk


# -- the claim-time checks ------------------------------------------------------------------


def test_a_send_queued_again_after_a_retry_is_checked_again_when_claimed(org):
    customers = customers_make(org.branch_a, 2)
    campaign = campaign_make(org.head_office, customers)
    again = campaign.sends.get(customer=customers[0])
    # The gateway was down: queued again under its claim, and the customer opted out since.
    Send.objects.filter(pk=again.pk).update(claim="0" * 31 + "2", reason="gateway unreachable")
    MarketingOptOut.objects.create(
        customer=customers[0], at=MORNING, source=OptOutSource.REPLY, proof="TD"
    )
    run()
    again.refresh_from_db()
    assert (again.status, again.reason) == (SendStatus.SKIPPED, OPTED_OUT)
    assert campaign.sends.get(customer=customers[1]).status == SendStatus.SENT


def test_a_claim_window_of_deferred_sends_does_not_stop_the_sends_behind_it(org, settings):
    settings.CAMPAIGN_SMS_RATE = 1.0  # one a batch, a window of two
    busy, other = customers_make(org.branch_a, 2)
    first = campaign_make(org.head_office, [busy], name="一")
    # The busy customer's message of another campaign is in flight (a live sender).
    first.sends.update(status=SendStatus.CLAIMED, claim="0" * 31 + "3", claimed_at=MORNING)
    campaign_make(org.head_office, [busy], name="二")
    campaign_make(org.head_office, [busy], name="三")
    last = campaign_make(org.head_office, [other], name="四")
    run(deadline_seconds=5)
    assert last.sends.get().status == SendStatus.SENT


# -- opt-out words ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["退订。", "TD!", "【TD】", " 退订！ ", "回复TD退订"])
def test_an_opt_out_word_with_punctuation_or_the_echoed_wording_is_an_opt_out(text):
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["", "。", "!!", "不要TD", "TD退订吗 好的"])
def test_an_empty_configured_word_makes_no_reply_an_opt_out(settings, text):
    settings.CAMPAIGN_OPT_OUT_WORDS = ["TD", "", "  "]
    assert not is_opt_out(text)


# -- the end of a campaign --------------------------------------------------------------------


def test_a_campaign_past_its_end_skips_only_its_queued_messages_once_each(org):
    customers = customers_make(org.branch_a, 3)
    campaign = campaign_make(org.head_office, customers)
    flying = campaign.sends.get(customer=customers[0])
    Send.objects.filter(pk=flying.pk).update(
        status=SendStatus.CLAIMED, claim="0" * 31 + "4", claimed_at=MORNING
    )
    later = MORNING + datetime.timedelta(days=40)
    campaigns_finish(now=later)
    campaigns_finish(now=later)
    assert dict(campaign.sends.values_list("customer_id", "status")) == {
        customers[0].pk: SendStatus.CLAIMED,
        customers[1].pk: SendStatus.SKIPPED,
        customers[2].pk: SendStatus.SKIPPED,
    }
    assert set(campaign.sends.exclude(pk=flying.pk).values_list("reason", flat=True)) == {
        CAMPAIGN_ENDED
    }
    skipped_events = SendEvent.objects.filter(send__campaign=campaign, kind=SendStatus.SKIPPED)
    assert sorted(skipped_events.values_list("send__customer_id", flat=True)) == [
        customers[1].pk,
        customers[2].pk,
    ]


# -- the reasons the CRM writes itself --------------------------------------------------------


def test_the_reasons_the_backends_write_are_shown_in_words_with_what_the_other_side_said():
    codes = [
        value
        for name, value in vars(backends).items()
        if name.isupper() and isinstance(value, str) and name != "BACKEND_SETTINGS"
    ]
    assert codes and all(code in REASON_LABELS for code in codes)
    said = reason_label(reason_text(backends.GATEWAY_UNREACHABLE, "timed out"))
    assert said == f"{REASON_LABELS[backends.GATEWAY_UNREACHABLE]}: timed out"
    assert reason_label("空号") == "空号"  # the gateway's own words, as it said them
