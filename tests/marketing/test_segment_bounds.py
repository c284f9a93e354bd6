"""What bounds a segment's statements: an evaluation runs under its own statement timeout
(a rule the planner reads badly fails and keeps its members instead of holding the nightly
run), and a preview's count comes first, its sample within what is left of the time."""

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


def test_the_preview_counts_first_and_samples_only_what_matched():
    from customers.models import Customer

    data = segment_dataset()
    calls = []
    everyone = Customer.objects.all()
    count, rows = previews._fetch(everyone, 3, ("cust_no",), between=lambda: calls.append(1))
    assert count == len(data["customers"]) and len(rows) == 3 and calls == [1]
    count, rows = previews._fetch(everyone.none(), 3, ("cust_no",), between=lambda: calls.append(2))
    assert (count, rows, calls) == (0, [], [1])
