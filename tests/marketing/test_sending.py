"""The sender (marketing/services/sending.py): sends made once per recipient and address,
checked again when claimed, never in quiet hours, at the channel's rate in batches, claimed
before the gateway is called, and a claim whose sender died sent again under the same
message id to a gateway that de-duplicates it, over real HTTP to the stand-in gateway."""

import datetime
import zlib

import psycopg2
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer, Task, TaskKind
from marketing import tasks_sending
from marketing.channels.base import OutboundMessage, backend_for
from marketing.channels.standin import StandinGateway
from marketing.models import (
    CampaignChannel,
    CampaignStatus,
    MarketingOptOut,
    OptOutSource,
    Send,
    SendEvent,
    SendStatus,
)
from marketing.services import sender
from marketing.services.sending import (
    CHANNEL_LOCK_CLASS,
    NO_CONSENT,
    OPTED_OUT,
    OUTCOME_UNKNOWN,
    OVER_CAP,
    SHARED_ADDRESS,
    campaign_dispatch,
    campaign_progress,
    channel_send,
    next_send_time,
    quiet_now,
    sends_create,
)
from tests.conftest import database_url

from .sending_data import (
    ACCOUNT,
    MORNING,
    SECRET,
    Clock,
    RecordingBackend,
    at,
    campaign_make,
    customers_make,
)

pytestmark = pytest.mark.django_db
SMS = CampaignChannel.SMS


@pytest.fixture(autouse=True)
def _sending(settings, tmp_path):
    settings.CAMPAIGN_QUIET_HOURS = "21:00-08:00"
    settings.CAMPAIGN_SMS_BACKEND = "tests.marketing.sending_data.RecordingBackend"
    settings.CAMPAIGN_OUTBOX = tmp_path / "outbox"
    settings.CAMPAIGN_SMS_RATE = 1000.0
    settings.CAMPAIGN_BATCH_SIZE = 100
    settings.CAMPAIGN_WEEKLY_MESSAGE_CAP = 2
    settings.CAMPAIGN_CLAIM_LEASE_SECONDS = 120
    settings.SMS_GATEWAY_SECRET = SECRET
    settings.SMS_GATEWAY_ACCOUNT = ACCOUNT
    RecordingBackend.batches = []
    RecordingBackend.clock = None


@pytest.fixture
def standin(settings):
    gateway = StandinGateway(secret=SECRET, account=ACCOUNT, reject={"13900000003": "空号"})
    settings.SMS_GATEWAY_URL = gateway.start()
    settings.CAMPAIGN_SMS_BACKEND = "marketing.channels.gateway.GatewayBackend"
    yield gateway
    gateway.stop()


def run(clock=None, **kwargs):
    clock = clock or Clock()
    RecordingBackend.clock = clock
    return channel_send(
        channel=kwargs.pop("channel", SMS),
        now_fn=clock,
        sleep_fn=clock.sleep,
        deadline_seconds=kwargs.pop("deadline_seconds", 50),
    )


def statuses(campaign) -> dict:
    return dict(campaign.sends.values_list("customer__mobile", "status"))


# -- the sends of an approved campaign ----------------------------------------------------------


def test_it_makes_one_send_per_contacted_recipient_and_channel_once(org):
    customers = customers_make(org.branch_a, 4)
    campaign = campaign_make(
        org.head_office,
        customers,
        channels=(SMS, CampaignChannel.EMAIL),
        holdout=customers[3:],
    )
    assert campaign.sends.filter(channel=SMS).count() == 3
    assert campaign.sends.filter(channel=CampaignChannel.EMAIL).count() == 3
    assert not campaign.sends.filter(customer=customers[3]).exists()
    assert sends_create(campaign=campaign, now=MORNING) == 0
    assert campaign.sends.count() == 6
    assert SendEvent.objects.filter(send__campaign=campaign, kind="queued").count() == 6
    due = set(campaign.sends.values_list("due_at", flat=True))
    assert due == {MORNING}


def test_it_sends_one_sms_to_two_customers_who_share_a_mobile(org):
    customers = customers_make(org.branch_a, 3)
    customers[2].mobile = customers[0].mobile
    customers[2].save()
    campaign = campaign_make(org.head_office, customers)
    shared = campaign.sends.get(customer=customers[2])
    assert (shared.status, shared.reason, shared.address) == (
        SendStatus.SKIPPED,
        SHARED_ADDRESS,
        "",
    )
    run()
    sent = [message for _, batch in RecordingBackend.batches for message in batch]
    assert len(sent) == 2
    assert campaign.sends.filter(status=SendStatus.SENT).count() == 2


def test_it_puts_calls_on_the_managers_lists_as_tasks(org):
    customers = [org.broker_customer, org.teammate_customer]
    campaign = campaign_make(org.head_office, customers, channels=(CampaignChannel.CALL,))
    calls = campaign.sends.filter(channel=CampaignChannel.CALL)
    assert set(calls.values_list("assignee", flat=True)) == {org.broker.pk, org.teammate.pk}
    tasks = Task.objects.filter(kind=TaskKind.CAMPAIGN, source=f"campaign:{campaign.pk}")
    assert set(tasks.values_list("assignee", flat=True)) == {org.broker.pk, org.teammate.pk}
    assert set(calls.values_list("task", flat=True)) == set(tasks.values_list("pk", flat=True))
    sends_create(campaign=campaign, now=MORNING)
    assert tasks.count() == 2


# -- checked again when claimed -------------------------------------------------------------------


def test_it_skips_a_customer_who_opted_out_after_the_approval(org):
    customers = customers_make(org.branch_a, 2)
    campaign = campaign_make(org.head_office, customers)
    MarketingOptOut.objects.create(
        customer=customers[0], at=MORNING, source=OptOutSource.STAFF, proof="电话告知"
    )
    run()
    skipped = campaign.sends.get(customer=customers[0])
    assert (skipped.status, skipped.reason, skipped.claim) == (SendStatus.SKIPPED, OPTED_OUT, None)
    assert campaign.sends.get(customer=customers[1]).status == SendStatus.SENT


def test_it_skips_a_customer_without_consent_only_where_the_campaign_asks_for_it(org):
    customers = customers_make(org.branch_a, 1, marketing_consent=False)
    asking = campaign_make(org.head_office, customers, name="要同意")
    lenient = campaign_make(org.head_office, customers, name="不要同意", require_consent=False)
    run()
    assert asking.sends.get().reason == NO_CONSENT
    assert lenient.sends.get().status == SendStatus.SENT


def test_it_counts_what_the_batch_itself_sends_towards_the_weekly_cap(org, settings):
    settings.CAMPAIGN_WEEKLY_MESSAGE_CAP = 2
    customers = customers_make(org.branch_a, 1)
    campaigns = [campaign_make(org.head_office, customers, name=f"活动{n}") for n in range(3)]
    run()
    got = [campaign.sends.get() for campaign in campaigns]
    assert sorted(send.status for send in got) == [
        SendStatus.SENT,
        SendStatus.SENT,
        SendStatus.SKIPPED,
    ]
    assert [send.reason for send in got if send.status == SendStatus.SKIPPED] == [OVER_CAP]


# -- quiet hours ----------------------------------------------------------------------------------


def test_it_knows_the_quiet_hours_and_when_they_end():
    assert quiet_now(at(21, 30)) and quiet_now(at(7, 59)) and quiet_now(at(0, 0))
    assert not quiet_now(at(8, 0)) and not quiet_now(at(20, 59))
    assert next_send_time(at(21, 30)) == at(8, 0, day=MORNING.date() + datetime.timedelta(days=1))
    assert next_send_time(at(6, 15)) == at(8, 0)
    assert next_send_time(at(12, 0)) == at(12, 0)


def test_a_due_send_is_not_claimed_at_half_past_nine_but_at_eight(org):
    evening = at(21, 30, day=MORNING.date())
    customers = customers_make(org.branch_a, 2)
    campaign = campaign_make(org.head_office, customers, starts_at=at(20, 0), now=at(20, 0))
    assert run(Clock(evening))["batches"] == 0
    assert set(statuses(campaign).values()) == {SendStatus.QUEUED}
    assert campaign_dispatch(now=evening)["channels"] == []
    run(Clock(at(8, 0, day=MORNING.date() + datetime.timedelta(days=1))))
    assert set(statuses(campaign).values()) == {SendStatus.SENT}


def test_a_sender_stops_when_the_quiet_hours_begin(org, settings):
    settings.CAMPAIGN_SMS_RATE = 1.0
    settings.CAMPAIGN_BATCH_SIZE = 1
    customers = customers_make(org.branch_a, 5)
    campaign = campaign_make(org.head_office, customers, starts_at=at(20, 0), now=at(20, 0))
    run(Clock(at(20, 59, day=MORNING.date()) + datetime.timedelta(seconds=57)))
    assert campaign.sends.filter(status=SendStatus.SENT).count() == 3
    assert campaign.sends.filter(status=SendStatus.QUEUED).count() == 2


# -- the rate and the batches ---------------------------------------------------------------------


def test_n_sends_at_rate_r_take_at_least_n_over_r_seconds_in_batches_of_the_batch_size(
    org, settings
):
    settings.CAMPAIGN_SMS_RATE = 20.0
    settings.CAMPAIGN_BATCH_SIZE = 8
    customers = customers_make(org.branch_a, 50)
    campaign_make(org.head_office, customers)
    clock = Clock()
    done = run(clock)
    assert done["sent"] == 50
    assert (clock.now - MORNING).total_seconds() >= 50 / 20
    sizes = [len(batch) for _, batch in RecordingBackend.batches]
    assert sizes == [8] * 6 + [2]
    # However the window is chosen, no more than rate x its length (+ one batch) went in it.
    for index, (moment, _) in enumerate(RecordingBackend.batches):
        sent_by_then = sum(sizes[: index + 1])
        assert sent_by_then <= 20 * (moment - MORNING).total_seconds() + 1e-6


def test_one_gateway_call_carries_no_more_than_a_seconds_worth_at_a_slow_rate(org, settings):
    settings.CAMPAIGN_SMS_RATE = 3.0
    settings.CAMPAIGN_BATCH_SIZE = 100
    campaign_make(org.head_office, customers_make(org.branch_a, 7))
    run()
    assert [len(batch) for _, batch in RecordingBackend.batches] == [3, 3, 1]


def test_a_run_stops_at_its_deadline_and_the_next_continues(org, settings):
    settings.CAMPAIGN_SMS_RATE = 2.0
    settings.CAMPAIGN_BATCH_SIZE = 2
    campaign = campaign_make(org.head_office, customers_make(org.branch_a, 10))
    clock = Clock()
    first = run(clock, deadline_seconds=2)
    assert 0 < first["sent"] < 10
    run(clock)
    assert campaign.sends.filter(status=SendStatus.SENT).count() == 10


# -- claimed before the call, and exactly once ----------------------------------------------------


class Looking(RecordingBackend):
    """Reads the sends from the database while the gateway is being called."""

    seen: list = []

    def send_batch(self, messages):
        Looking.seen += Send.objects.filter(pk__in=[m.send_id for m in messages])
        return super().send_batch(messages)


def test_the_sends_are_claimed_and_rendered_before_the_gateway_is_called(org, settings):
    settings.CAMPAIGN_SMS_BACKEND = f"{__name__}.Looking"
    Looking.seen = seen = []
    customers = customers_make(org.branch_a, 2)
    campaign_make(org.head_office, customers)
    run()
    assert {send.status for send in seen} == {SendStatus.CLAIMED}
    assert all(send.claim and send.claimed_at == MORNING for send in seen)
    assert all(send.text.startswith("【") and customers[0].name in seen[0].text for send in seen)
    assert [m for _, batch in RecordingBackend.batches for m in batch] == [
        s.claim.hex for s in seen
    ]


def test_it_sends_over_http_to_the_gateway_which_refuses_an_empty_number(org, standin):
    customers = customers_make(org.branch_a, 5)
    campaign = campaign_make(org.head_office, customers)
    done = run()
    assert (done["sent"], done["failed"]) == (4, 1)
    failed = campaign.sends.get(customer__mobile="13900000003")
    assert (failed.status, failed.reason) == (SendStatus.FAILED, "空号")
    sent = campaign.sends.filter(status=SendStatus.SENT)
    assert set(sent.values_list("provider_id", flat=True)) == {
        item["msgid"] for item in standin.accepted.values()
    }
    assert set(standin.accepted) == {send.claim.hex for send in sent}
    assert (
        campaign.sends.get(customer=customers[0]).text
        == standin.accepted[campaign.sends.get(customer=customers[0]).claim.hex]["text"]
    )


class Died(BaseException):
    """The sender's process ending between the gateway's answer and its recording."""


def test_a_claim_whose_sender_died_is_sent_again_under_its_message_id_and_taken_once(
    org, standin, monkeypatch
):
    customers = customers_make(org.branch_a, 3)
    campaign = campaign_make(org.head_office, customers)
    clock = Clock()

    def die(*args, **kwargs):
        raise Died

    # A sender claimed them all, the gateway took them, and the sender died before writing.
    with monkeypatch.context() as patch:
        patch.setattr(sender, "_record", die)
        with pytest.raises(Died):
            run(clock)
    assert set(statuses(campaign).values()) == {SendStatus.CLAIMED}
    assert len(standin.accepted) == 3
    # Within the lease nobody touches them; after it, they are submitted again.
    assert run(clock)["batches"] == 0
    clock.sleep(121)
    run(clock)
    assert set(statuses(campaign).values()) == {SendStatus.SENT}
    assert standin.duplicate_submissions == 3
    assert standin.accepted_per_mobile() == {customer.mobile: 1 for customer in customers}


def test_a_gateway_outage_queues_the_batch_again_under_the_same_message_ids(org, standin):
    customers = customers_make(org.branch_a, 2)
    campaign = campaign_make(org.head_office, customers)
    standin.outage = 1
    clock = Clock()
    done = run(clock)
    assert done["retry"] == 2
    claims = dict(campaign.sends.values_list("pk", "claim"))
    assert set(statuses(campaign).values()) == {SendStatus.QUEUED}
    assert all(claims.values())
    clock.sleep(31)
    run(clock)
    assert set(statuses(campaign).values()) == {SendStatus.SENT}
    assert dict(campaign.sends.values_list("pk", "claim")) == claims
    assert len(standin.accepted) == 2


def test_a_claim_whose_sender_died_has_an_unknown_outcome_on_a_backend_that_cannot_deduplicate(
    org, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    customers = customers_make(org.branch_a, 2)
    campaign = campaign_make(org.head_office, customers, channels=(CampaignChannel.EMAIL,))
    stale = campaign.sends.get(customer=customers[0])
    Send.objects.filter(pk=stale.pk).update(
        status=SendStatus.CLAIMED, claimed_at=MORNING - datetime.timedelta(minutes=5)
    )
    run(channel=CampaignChannel.EMAIL)
    stale.refresh_from_db()
    assert (stale.status, stale.reason) == (SendStatus.FAILED, OUTCOME_UNKNOWN)
    assert [message.to for message in mail.outbox] == [[customers[1].email]]
    sent = campaign.sends.get(customer=customers[1])
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<{sent.claim.hex}@")
    assert mail.outbox[0].subject == "春季理财"


def test_the_console_backend_writes_each_message_once(org, settings):
    settings.CAMPAIGN_SMS_BACKEND = "marketing.channels.console.ConsoleBackend"
    customers = customers_make(org.branch_a, 2)
    campaign = campaign_make(org.head_office, customers)
    run()
    outbox = settings.CAMPAIGN_OUTBOX / "sms.jsonl"
    lines = outbox.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    # Submitted again (a resubmission after a killed worker): nothing more is written.
    send = campaign.sends.first()
    again = OutboundMessage(send.pk, send.claim.hex, send.address, "", send.text, send.segments)
    assert backend_for(SMS).send_batch([again])[0].accepted
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == 2


# -- the campaign's course ------------------------------------------------------------------------


def test_a_paused_campaign_is_left_alone_and_a_pending_one_too(org):
    customers = customers_make(org.branch_a, 2)
    paused = campaign_make(
        org.head_office, customers[:1], name="暂停", status=CampaignStatus.PAUSED
    )
    pending = campaign_make(
        org.head_office, customers[1:], name="待批", status=CampaignStatus.PENDING
    )
    assert run()["batches"] == 0
    assert set(statuses(paused).values()) | set(statuses(pending).values()) == {SendStatus.QUEUED}


def test_a_campaign_runs_when_its_first_message_goes_and_finishes_when_all_are_done(org):
    customers = customers_make(org.branch_a, 2)
    campaign = campaign_make(org.head_office, customers)
    assert campaign_dispatch(now=MORNING)["channels"] == [SMS]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.APPROVED
    run()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    assert campaign.recipients.filter(contacted_at__gte=MORNING).count() == 2
    assert campaign_dispatch(now=MORNING)["finished"] == 1
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.FINISHED


def test_a_campaign_past_its_end_skips_what_it_did_not_send_and_finishes(org):
    customers = customers_make(org.branch_a, 2)
    campaign = campaign_make(org.head_office, customers)
    later = MORNING + datetime.timedelta(days=31)
    assert run(Clock(later))["batches"] == 0
    assert campaign_dispatch(now=later)["finished"] == 1
    assert set(statuses(campaign).values()) == {SendStatus.SKIPPED}


def test_the_dispatcher_sends_in_process_without_a_broker(
    org, settings, django_capture_on_commit_callbacks
):
    settings.CAMPAIGN_SMS_BACKEND = "marketing.channels.console.ConsoleBackend"
    settings.CAMPAIGN_QUIET_HOURS = ""
    now = timezone.now()
    campaign = campaign_make(
        org.head_office, customers_make(org.branch_a, 2), starts_at=now, now=now
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks_sending.campaign_dispatch.delay()
    assert set(statuses(campaign).values()) == {SendStatus.SENT}


def test_the_progress_counts_every_status_in_one_query(org):
    customers = customers_make(org.branch_a, 3)
    campaign = campaign_make(org.head_office, customers)
    Send.objects.filter(customer=customers[0]).update(status=SendStatus.DELIVERED)
    Send.objects.filter(customer=customers[1]).update(status=SendStatus.FAILED)
    with CaptureQueriesContext(connection) as queries:
        progress = campaign_progress(campaign)
    assert len(queries) == 1
    assert progress["delivered"] == progress["failed"] == progress["queued"] == 1
    assert (progress["total"], progress["remaining"], progress["sent"]) == (3, 1, 0)
    mine = campaign_progress(campaign, customers=Customer.objects.filter(pk=customers[0].pk))
    assert (mine["total"], mine["delivered"]) == (1, 1)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_second_sender_of_the_channel_returns_at_once(org):
    campaign = campaign_make(org.head_office, customers_make(org.branch_a, 1))
    other = psycopg2.connect(database_url())
    try:
        with other.cursor() as cursor:
            key = zlib.crc32(b"sms") & 0x7FFFFFFF
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [CHANNEL_LOCK_CLASS, key])
        assert run().get("locked") is True
        assert set(statuses(campaign).values()) == {SendStatus.QUEUED}
    finally:
        other.close()


def test_a_refused_signature_fails_nothing_and_stops_the_sender_until_it_is_put_right(
    org, standin, settings
):
    settings.SMS_GATEWAY_SECRET = "not-the-gateways"
    campaign = campaign_make(org.head_office, customers_make(org.branch_a, 3))
    clock = Clock()
    done = run(clock)
    assert (done["batches"], done["retry"], done["failed"]) == (1, 3, 0)
    assert set(statuses(campaign).values()) == {SendStatus.QUEUED}
    assert standin.refused_signatures == 1 and not standin.accepted
    settings.SMS_GATEWAY_SECRET = SECRET
    clock.sleep(31)
    run(clock)
    assert set(statuses(campaign).values()) == {SendStatus.SENT}
