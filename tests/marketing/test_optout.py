"""Opt-out by reply (marketing/services/receipts.py, marketing/services/optouts.py): a reply
of TD, 退订 or STOP (any case, full-width, with spaces) opts every customer with that
mobile out of marketing everywhere, with the reply as its proof; their queued sends in
every campaign are skipped and the senders never send to them again. Any reply is kept
once and marks the recipient of the latest SMS to that mobile as having replied."""

import datetime

import pytest

from crm.models import AuditEntry
from marketing.channels.standin import StandinGateway
from marketing.models import (
    InboundReply,
    MarketingOptOut,
    OptOutSource,
    SendEvent,
    SendStatus,
)
from marketing.services.optouts import opt_out_record
from marketing.services.receipts import is_opt_out
from marketing.services.sending import OPTED_OUT, channel_send

from .sending_data import MORNING, SECRET, Clock, campaign_make, customers_make

pytestmark = pytest.mark.django_db
URL = "/marketing/gateway/replies/"


@pytest.fixture(autouse=True)
def _gateway(settings):
    settings.CAMPAIGN_SMS_BACKEND = "tests.marketing.sending_data.RecordingBackend"
    settings.SMS_GATEWAY_SECRET = SECRET
    settings.SMS_GATEWAY_ACCOUNT = "standin"
    settings.CAMPAIGN_OPT_OUT_WORDS = ["TD", "退订", "STOP", "T"]


@pytest.fixture
def gateway():
    return StandinGateway(secret=SECRET)  # signs replies; nothing to serve


def reply(client, gateway, mobile, text, **kwargs):
    body, headers = gateway.reply_post(mobile, text, **kwargs)
    headers.pop("Content-Type")
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def send_all(clock=None):
    clock = clock or Clock()
    channel_send(channel="sms", now_fn=clock, sleep_fn=clock.sleep, deadline_seconds=50)


@pytest.mark.parametrize("text", ["TD", " td ", "ＴＤ", "退订", "Stop", "t"])
def test_the_opt_out_words_are_recognised_whatever_their_case_width_and_spaces(text):
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["TD退订", "不要TD", "", "好的", "STOP IT"])
def test_other_replies_are_not_opt_outs(text):
    assert not is_opt_out(text)


def test_a_td_reply_opts_every_customer_with_the_mobile_out_everywhere(client, org, gateway):
    customers = customers_make(org.branch_a, 3)
    customers[1].mobile = customers[0].mobile  # a couple sharing one mobile
    customers[1].save()
    first = campaign_make(org.head_office, customers, name="春季")
    send_all()
    later = campaign_make(
        org.head_office, customers, name="夏季", starts_at=MORNING + datetime.timedelta(days=1)
    )
    replied_at = MORNING + datetime.timedelta(hours=1)
    response = reply(
        client, gateway, "+86 " + customers[0].mobile, "ＴＤ", reply_id="MO1", at=replied_at
    )
    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 1}
    saved = InboundReply.objects.get()
    first_send = first.sends.get(customer=customers[0])
    assert (saved.mobile, saved.opt_out, saved.send, saved.customer) == (
        customers[0].mobile,
        True,
        first_send,
        customers[0],
    )
    opt_outs = MarketingOptOut.objects.order_by("customer")
    assert [o.customer for o in opt_outs] == customers[:2]
    assert all(o.source == OptOutSource.REPLY and o.reply == saved for o in opt_outs)
    assert all("ＴＤ" in o.proof and o.at == replied_at for o in opt_outs)
    # Their queued sends of the later campaign are skipped; the third customer's is not.
    assert dict(later.sends.values_list("customer", "status")) == {
        customers[0].pk: SendStatus.SKIPPED,
        customers[1].pk: SendStatus.SKIPPED,
        customers[2].pk: SendStatus.QUEUED,
    }
    assert later.sends.get(customer=customers[0]).reason == OPTED_OUT
    assert first.recipients.get(customer=customers[0]).replied_at == replied_at
    assert first.recipients.get(customer=customers[0]).opted_out_at == replied_at
    assert later.recipients.get(customer=customers[1]).opted_out_at == replied_at
    assert SendEvent.objects.filter(send=first_send, kind="opted_out").exists()
    # Posted again by the gateway: kept once, nothing more.
    again = reply(client, gateway, customers[0].mobile, "ＴＤ", reply_id="MO1", at=replied_at)
    assert again.json() == {"received": 1, "new": 0}
    assert InboundReply.objects.count() == 1 and MarketingOptOut.objects.count() == 2
    # And the senders never reach them again.
    send_all(Clock(MORNING + datetime.timedelta(days=1, hours=1)))
    assert later.sends.get(customer=customers[2]).status == SendStatus.SENT
    assert later.sends.filter(status=SendStatus.SENT).count() == 1


def test_another_reply_is_kept_and_marks_the_recipient_without_opting_out(client, org, gateway):
    customers = customers_make(org.branch_a, 1)
    campaign = campaign_make(org.head_office, customers)
    send_all()
    replied_at = MORNING + datetime.timedelta(minutes=5)
    assert (
        reply(client, gateway, customers[0].mobile, "请问收益多少？", at=replied_at).status_code
        == 200
    )
    saved = InboundReply.objects.get()
    assert (saved.opt_out, saved.send, saved.text) == (
        False,
        campaign.sends.get(),
        "请问收益多少？",
    )
    assert campaign.recipients.get().replied_at == replied_at
    assert not MarketingOptOut.objects.exists()
    assert SendEvent.objects.filter(kind="replied", detail="请问收益多少？").exists()


def test_a_reply_from_a_mobile_nobody_was_sent_to_is_kept_for_its_customer(client, org, gateway):
    customer = customers_make(org.branch_a, 1)[0]
    assert reply(client, gateway, customer.mobile, "退订").status_code == 200
    assert InboundReply.objects.get().customer == customer
    assert MarketingOptOut.objects.get().customer == customer


def test_an_opt_out_told_to_staff_is_audited_and_kept_once(org):
    customer = customers_make(org.branch_a, 1)[0]
    first = opt_out_record(
        customer=customer,
        at=MORNING,
        source=OptOutSource.STAFF,
        proof="电话中要求",
        user=org.broker.user,
    )
    second = opt_out_record(customer=customer, at=MORNING, source=OptOutSource.STAFF, proof="再次")
    assert first == second and first.recorded_by == org.broker.user
    assert (
        AuditEntry.objects.filter(action="marketing.opt_out", object_id=str(customer.pk)).count()
        == 1
    )
