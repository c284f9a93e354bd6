"""A task sent through a real Redis broker to a real Celery worker process, and its result."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from crm import celery_app
from crm.tasks import ping

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis://"),
        reason="needs CELERY_BROKER_URL pointing at Redis (.ci/run sets it)",
    ),
]


@pytest.fixture
def worker_queue():
    """A worker of our own on a queue of our own, so no other worker can take the task."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
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
            f"{queue}@%h",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    yield queue
    process.terminate()
    process.wait(timeout=30)


def test_it_runs_a_task_on_a_real_worker_and_returns_its_result(worker_queue):
    assert celery_app.conf.task_always_eager is False
    result = ping.apply_async(queue=worker_queue)
    answer = result.get(timeout=60)
    assert answer["pong"] is True
    assert result.successful()
    assert result.status == "SUCCESS"
