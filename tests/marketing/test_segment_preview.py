"""The live preview's count (marketing/services/previews.py) on the real databases: a count
that runs past its timeout says so quickly and leaves the connection usable; a newer version
of the same editor's rule cancels the count still running for the older one, which answers
"superseded" long before its query would have ended; a stale version never runs. And the
preview fragment: the count and sample of the draft, 204 when superseded."""

import json
import threading
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from crm.models import Branch
from marketing.services import previews
from marketing.services.previews import PreviewResult, preview_count

pytestmark = pytest.mark.django_db

TOKEN = "0123456789abcdef0123456789abcdef"
PREVIEW = "/marketing/segments/editor/preview/"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_sleep and pg_cancel_backend are PostgreSQL's"
)
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the progress handler is SQLite's"
)

# Rows every database has committed (a thread's own connection sees them outside the test's
# transaction), each made slow by a condition the database cannot skip.
PG_SLOW = "(SELECT 1 FROM pg_sleep({seconds})) = 1"
SQLITE_SLOW = (
    "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000)"
    " SELECT count(*) FROM c) > 0"
)


def slow(seconds: int = 5):
    where = PG_SLOW.format(seconds=seconds) if connection.vendor == "postgresql" else SQLITE_SLOW
    return ContentType.objects.extra(where=[where])  # noqa: S610 - the test's own SQL


def running_version(token: str) -> int | None:
    state = cache.get(previews.KEY.format(token=token)) or {}
    return (state.get("running") or {}).get("version")


# -- timed out ----------------------------------------------------------------------------------


@postgresql_only
def test_a_count_past_its_statement_timeout_says_timed_out_at_once_on_postgresql():
    clock = time.monotonic()
    result = preview_count(slow(3), token=TOKEN, version=1, timeout_ms=150)
    assert result == PreviewResult(timed_out=True)
    assert time.monotonic() - clock < 1.5
    # The connection goes on: no aborted transaction, no timeout left behind.
    assert ContentType.objects.count() > 0
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW application_name")
        assert "segment-preview" not in cursor.fetchone()[0]


@sqlite_only
def test_a_count_past_its_deadline_says_timed_out_at_once_on_sqlite():
    clock = time.monotonic()
    result = preview_count(slow(), token=TOKEN, version=1, timeout_ms=200)
    assert result == PreviewResult(timed_out=True)
    assert time.monotonic() - clock < 1.5
    assert ContentType.objects.count() > 0
    assert preview_count(ContentType.objects.all(), token=TOKEN, version=2).count > 0


def test_a_quick_count_answers_its_count_and_sample():
    everything = ContentType.objects.all()
    result = preview_count(everything, token=TOKEN, version=1, sample=3, sample_order=("pk",))
    assert result.count == everything.count()
    assert result.sample == list(everything.order_by("pk")[:3])
    assert running_version(TOKEN) is None  # nothing is recorded as running once it ended


@postgresql_only
def test_the_count_is_planned_as_the_evaluation_is():
    """No nested loops and no parallel workers (marketing/segments/planning.py) while the
    preview's statement runs (SET LOCAL: they end with its transaction)."""
    planned = ContentType.objects.extra(
        where=[
            "current_setting('enable_nestloop') = 'off'",
            "current_setting('max_parallel_workers_per_gather') = '0'",
        ]
    )
    result = preview_count(planned, token=TOKEN, version=1, sample=1, sample_order=("pk",))
    assert result.count == ContentType.objects.count() > 0


def test_the_count_and_the_sample_come_from_one_run_of_the_rule():
    """The rule's query is the expensive part: it runs once, not once for the count and again
    for the sample; a rule matching nobody counts 0."""
    everything = ContentType.objects.all()
    with CaptureQueriesContext(connection) as captured:
        result = preview_count(everything, token=TOKEN, version=1, sample=2, sample_order=("pk",))
    reads = [q["sql"] for q in captured.captured_queries if "django_content_type" in q["sql"]]
    assert len(reads) == 1
    assert (result.count, len(result.sample)) == (everything.count(), 2)
    nobody = preview_count(
        everything.filter(pk__lt=0), token=TOKEN, version=2, sample=2, sample_order=("pk",)
    )
    assert (nobody.count, nobody.sample) == (0, [])


# -- superseded ---------------------------------------------------------------------------------


def count_in_thread(queryset, *, version: int, timeout_ms: int) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        clock = time.monotonic()
        try:
            outcome["result"] = preview_count(
                queryset, token=TOKEN, version=version, timeout_ms=timeout_ms
            )
        except Exception as error:
            outcome["error"] = error
        finally:
            outcome["seconds"] = time.monotonic() - clock
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 10
    while running_version(TOKEN) != version and time.monotonic() < deadline:
        time.sleep(0.02)
    assert running_version(TOKEN) == version, outcome
    time.sleep(0.3)  # well inside its slow statement
    return thread, outcome


def newer_version_supersedes_the_running_count():
    thread, outcome = count_in_thread(slow(8), version=1, timeout_ms=30_000)
    clock = time.monotonic()
    newer = preview_count(ContentType.objects.all(), token=TOKEN, version=2, timeout_ms=5_000)
    thread.join(10)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome
    assert outcome["result"] == PreviewResult(superseded=True)
    assert outcome["seconds"] < 3, outcome  # its query would have run 8 s and more
    assert newer.count == ContentType.objects.count()
    assert time.monotonic() - clock < 3


@postgresql_only
def test_a_newer_version_cancels_the_count_of_the_older_on_postgresql():
    newer_version_supersedes_the_running_count()


@sqlite_only
def test_a_newer_version_stops_the_count_of_the_older_on_sqlite():
    newer_version_supersedes_the_running_count()


def test_a_version_older_than_the_newest_never_runs(django_assert_num_queries):
    assert preview_count(ContentType.objects.all(), token=TOKEN, version=5).count
    with django_assert_num_queries(0):
        assert preview_count(ContentType.objects.all(), token=TOKEN, version=4).superseded


def test_a_token_that_is_not_one_is_refused():
    with pytest.raises(ValueError):
        preview_count(ContentType.objects.all(), token="'; --", version=1)


# -- the fragment -------------------------------------------------------------------------------


@pytest.fixture
def head(client, org):
    client.force_login(org.head_office.user)
    return client


def preview(client, rule: dict, version: int = 1):
    data = {"rule": json.dumps(rule), "preview_token": TOKEN, "preview_version": version}
    return client.post(PREVIEW, data, HTTP_ACCEPT_LANGUAGE="en", HTTP_HX_REQUEST="true")


def by_number(prefix: str) -> dict:
    """Customers whose number starts with `prefix`: in the test cast, those of a branch."""
    branch = Branch.objects.get(code={"A": "0101", "B": "0202"}[prefix[0]])
    condition = {"field": "branch", "op": "eq", "value": branch.pk, "args": {}, "not": False}
    return {"group": "and", "not": False, "rules": [condition]}


def test_the_preview_shows_the_count_and_a_sample_with_the_lists_columns(head, org):
    html = preview(head, by_number("A000")).content.decode()
    assert 'data-preview-count="5"' in html
    assert "A0001" in html and org.broker_customer.name in html and "杭州营业部" in html
    assert "B0001" not in html
    assert "Total assets" in html and "Risk level" not in html


def test_a_superseded_preview_answers_204_for_htmx_to_ignore(head):
    assert preview(head, by_number("A"), version=3).status_code == 200
    assert preview(head, by_number("B"), version=2).status_code == 204


def test_the_preview_says_when_it_could_not_count_in_time(head, monkeypatch):
    timed_out = PreviewResult(timed_out=True)
    monkeypatch.setattr("marketing.views.segment_editor.preview_count", lambda *a, **k: timed_out)
    html = preview(head, by_number("A")).content.decode()
    assert "More customers than the preview could count in time (2.0 s)" in html


def test_an_incomplete_rule_is_not_counted(head):
    rule = {"group": "and", "not": False, "rules": [{"field": "", "op": "", "value": None}]}
    html = preview(head, rule).content.decode()
    assert "Complete the rule to count its customers." in html


def test_a_preview_without_its_token_is_refused(head):
    response = head.post(PREVIEW, {"rule": json.dumps(by_number("A"))})
    assert response.status_code == 400
