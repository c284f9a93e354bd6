import pytest

from analytics.models import CustomerDay
from crm.tasks import nightly_pipeline
from customers.models import RunStatus
from tests.customers.counter_files import base_day, write_day

pytestmark = pytest.mark.django_db


def test_the_nightly_pipeline_imports_new_days_then_computes_their_metrics(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path
    write_day(tmp_path, "20260302", base_day())
    result = nightly_pipeline.apply().get()
    assert len(result["runs"]) == 1
    assert CustomerDay.objects.filter(business_date="2026-03-02").count() == 2
    again = nightly_pipeline.apply().get()
    assert again == {"runs": [], "merged": []}


def test_a_refused_day_gets_no_metrics_even_when_earlier_data_exists(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path
    write_day(tmp_path / "ok", "20260302", base_day())
    from customers.services import counter_day_import

    counter_day_import(folder=tmp_path / "ok" / "20260302")
    # The same day re-delivered broken: refused, so its old facts must not be re-measured.
    write_day(tmp_path, "20260302", base_day(), manifest_overrides={"trades": (9, "0" * 64)})
    nightly_pipeline.apply().get()
    from customers.models import ImportRun

    assert ImportRun.objects.order_by("-pk").first().status == RunStatus.REFUSED
    assert not CustomerDay.objects.exists()
