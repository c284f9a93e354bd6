"""What bounds a segment's statements: an evaluation runs under its own statement timeout
(a rule the planner reads badly fails and keeps its members instead of holding the nightly
run), and a preview's count and sample come from one statement under the preview's time."""

import pytest
from django.db import connection
from django.test import override_settings

from marketing.services import previews
from marketing.services.segments import segment_evaluate

from .segment_data import CONTEXT, segment_dataset

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
@override_settings(SEGMENT_EVALUATION_TIMEOUT_MS=4321)
def test_an_evaluation_runs_under_its_statement_timeout_with_hash_joins():
    data = segment_dataset()
    evaluation = segment_evaluate(data["dynamic"], context=CONTEXT)
    assert evaluation.error == "" and evaluation.members == 5
    with connection.cursor() as cursor:
        # SET LOCAL outlives the evaluation's savepoint inside the test's transaction.
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "4321ms"
        cursor.execute("SHOW enable_nestloop")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


def test_the_preview_counts_and_samples_in_one_statement_and_nobody_counts_zero():
    from customers.models import Customer

    data = segment_dataset()
    everyone = Customer.objects.all()
    count, rows = previews._fetch(everyone, 3, ("cust_no",))
    assert count == len(data["customers"]) > 3
    assert [row.cust_no for row in rows] == sorted(data["customers"])[:3]
    assert previews._fetch(everyone.none(), 3, ("cust_no",)) == (0, [])
    assert previews._fetch(everyone, 0, ("cust_no",)) == (len(data["customers"]), [])
