"""Exactly once across a killed worker: a real Celery worker process sends a campaign of a
few hundred recipients, at a slow rate, to the stand-in gateway over HTTP; it is killed
with SIGKILL while the gateway holds its answer to a batch it has already taken (the worst
moment: sent, but not recorded). Another worker sends the rest and resubmits the batch
in doubt under the same message ids, which the gateway recognises: every recipient got
exactly one message, none was lost, and the database says so."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from marketing.channels.standin import StandinGateway
from marketing.models import Send, SendStatus
from marketing.tasks_sending import channel_send
from tests.conftest import database_url

from .sending_data import ACCOUNT, SECRET, campaign_make, customers_make

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 300
KILL_AFTER = 100  # the gateway holds its answer once it has taken this many

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis://"),
        reason="needs CELERY_BROKER_URL pointing at Redis (.ci/run sets it)",
    ),
]


@pytest.fixture
def standin():
    gateway = StandinGateway(secret=SECRET, account=ACCOUNT, stall_after=KILL_AFTER)
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture
def workers(standin):
    """Starts workers of our own on a queue of our own, with the test database and the
    stand-in gateway; stops whatever is left of them."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("a worker cannot open an in-memory database: set SQLITE_TEST_DATABASE")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CAMPAIGN_SMS_BACKEND": "marketing.channels.gateway.GatewayBackend",
        "SMS_GATEWAY_URL": standin.url,
        "SMS_GATEWAY_SECRET": SECRET,
        "SMS_GATEWAY_ACCOUNT": ACCOUNT,
        "SMS_GATEWAY_TIMEOUT": "30",
        "CAMPAIGN_SMS_RATE": "60",
        "CAMPAIGN_BATCH_SIZE": "20",
        "CAMPAIGN_CLAIM_LEASE_SECONDS": "2",
        "CAMPAIGN_QUIET_HOURS": "",
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "crm",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--hostname",
                f"{queue}-{len(started)}@%h",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
        )
        started.append(process)
        return process

    yield queue, start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def test_a_worker_killed_mid_campaign_is_followed_by_one_that_sends_the_rest_and_nothing_twice(
    org, standin, workers
):
    queue, start = workers
    now = timezone.now()
    customers = customers_make(org.branch_a, RECIPIENTS)
    campaign = campaign_make(org.head_office, customers, starts_at=now, now=now)
    assert campaign.sends.filter(status=SendStatus.QUEUED).count() == RECIPIENTS

    first = start()
    channel_send.apply_async(args=["sms"], kwargs={"deadline_seconds": 60}, queue=queue)
    assert standin.stalled.wait(timeout=60), "the first worker never reached the gateway"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    standin.release()
    counts = dict(
        campaign.sends.order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    # Killed with a batch taken by the gateway but not recorded: claimed, in doubt.
    assert counts.get(SendStatus.CLAIMED, 0) > 0, counts
    assert counts.get(SendStatus.SENT, 0) >= KILL_AFTER - 20, counts
    assert counts.get(SendStatus.QUEUED, 0) > 0, counts
    in_doubt = set(campaign.sends.filter(status=SendStatus.CLAIMED).values_list("claim", flat=True))
    assert {claim.hex for claim in in_doubt} <= set(standin.accepted)

    start()
    deadline = time.monotonic() + 60
    while campaign.sends.filter(status__in=(SendStatus.QUEUED, SendStatus.CLAIMED)).exists():
        assert time.monotonic() < deadline, "the second worker did not finish the campaign"
        result = channel_send.apply_async(
            args=["sms"], kwargs={"deadline_seconds": 20}, queue=queue
        )
        result.get(timeout=60)
        time.sleep(0.5)

    # Every recipient: one message taken by the gateway, none lost, none twice.
    assert standin.accepted_per_mobile() == {customer.mobile: 1 for customer in customers}
    assert standin.duplicate_submissions >= len(in_doubt)
    assert set(standin.duplicates) == {claim.hex for claim in in_doubt}
    sends = Send.objects.filter(campaign=campaign)
    assert sends.filter(status=SendStatus.SENT).count() == RECIPIENTS
    assert {send.claim.hex: send.provider_id for send in sends} == {
        client_id: item["msgid"] for client_id, item in standin.accepted.items()
    }
