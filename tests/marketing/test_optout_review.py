"""Opt-outs found in review: a mobile typed with its country code and punctuation is sent to
and matched as its eleven digits, and the same reply posted twice at once opts out once."""

import threading
import time

import pytest
from django.db import connection

from marketing.models import InboundReply, MarketingOptOut, SendEvent, SendStatus
from marketing.services import receipts
from marketing.services.receipts import ReplyItem, replies_record
from marketing.services.sending import OPTED_OUT, channel_send

from .sending_data import MORNING, SECRET, Clock, RecordingBackend, campaign_make, customers_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _gateway(settings):
    settings.CAMPAIGN_SMS_BACKEND = "tests.marketing.sending_data.RecordingBackend"
    settings.SMS_GATEWAY_SECRET = SECRET
    settings.CAMPAIGN_OPT_OUT_WORDS = ["TD", "退订", "STOP", "T"]
    RecordingBackend.batches = []


def send_all():
    clock = Clock()
    RecordingBackend.clock = clock
    channel_send(channel="sms", now_fn=clock, sleep_fn=clock.sleep, deadline_seconds=50)


def td(provider_id="MO1", mobile="13900000000"):
    return ReplyItem(provider_id=provider_id, mobile=mobile, text="TD", replied_at=MORNING)


def test_a_mobile_typed_with_country_code_and_punctuation_is_sent_to_and_matched_by_its_digits(
    org,
):
    sent_to, never_sent = customers_make(org.branch_a, 2)
    sent_to.mobile = "+86 139-0000-0000"
    sent_to.save()
    never_sent.mobile = "(139) 0000 0000"
    never_sent.save()
    campaign = campaign_make(org.head_office, [sent_to], name="春季")
    assert campaign.sends.get().address == "13900000000"
    send_all()
    later = campaign_make(org.head_office, [sent_to], name="夏季")
    assert replies_record([td()]) == 1
    reply = InboundReply.objects.get()
    assert reply.send == campaign.sends.get() and reply.customer == sent_to
    assert set(MarketingOptOut.objects.values_list("customer_id", flat=True)) == {
        sent_to.pk,
        never_sent.pk,
    }
    assert (later.sends.get().status, later.sends.get().reason) == (SendStatus.SKIPPED, OPTED_OUT)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_same_reply_posted_twice_at_once_is_kept_and_opts_out_once(org, monkeypatch):
    customer = customers_make(org.branch_a, 1)[0]
    campaign = campaign_make(org.head_office, [customer])
    send_all()
    slow = receipts.is_opt_out

    def is_opt_out(text):
        time.sleep(0.5)  # both posts are past their look for replies seen before
        return slow(text)

    monkeypatch.setattr(receipts, "is_opt_out", is_opt_out)
    new = []

    def post():
        try:
            new.append(replies_record([td(mobile=customer.mobile)]))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(new) == [0, 1]
    assert MarketingOptOut.objects.filter(customer=customer).count() == 1
    send = campaign.sends.get()
    assert SendEvent.objects.filter(send=send, kind="replied").count() == 1
    assert SendEvent.objects.filter(send=send, kind="opted_out").count() == 1
