import datetime
from decimal import Decimal

import pytest
from celery.result import denied_join_result
from django.db.models import Sum

from analytics.models import ContributionPareto, CustomerDay, CustomerMonth
from analytics.selectors import contribution_for_customer
from crm.pipeline import pipeline_busy
from crm.tasks import nightly_pipeline, pipeline
from customers.models import Customer, ImportReject, ImportRun, RunStatus, Trade
from customers.services import counter_corrections_import, counter_day_import
from tests.customers.counter_files import base_day, write_day

pytestmark = pytest.mark.django_db
MARCH_2 = datetime.date(2026, 3, 2)


def commission_of(cust_no: str, day=MARCH_2) -> Decimal:
    return CustomerDay.objects.get(customer__cust_no=cust_no, business_date=day).commission


def traded_commission(cust_no: str) -> Decimal:
    return Trade.objects.filter(account__customer__cust_no=cust_no).aggregate(
        total=Sum("commission")
    )["total"]


def test_the_nightly_pipeline_imports_new_days_then_computes_their_metrics(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path
    write_day(tmp_path, "20260302", base_day())
    result = nightly_pipeline.apply().get()
    assert len(result["runs"]) == 1
    assert CustomerDay.objects.filter(business_date="2026-03-02").count() == 2
    again = nightly_pipeline.apply().get()
    # March is the only month of metrics, still open: no tier month is due yet.
    tiers = {"months": [], "contact_tasks": 0, "review_tasks": 0, "contact_tasks_done": 0}
    # The suitability step flagged what it found the first time; again it adds nothing.
    suitability = again.pop("suitability")
    assert (suitability["flagged"], suitability["tasks_created"]) == (0, 0)
    assert result["suitability"]["run"] < suitability["run"]
    assert again == {
        "runs": [],
        "metrics_days": [],
        "tiers_and_segments": {"tiers": tiers, "segments": {"evaluated": 0, "failed": 0}},
        "conversions": {"stamped": 0},
        "merged": [],
    }


def test_the_nightly_pipeline_runs_in_a_worker_process_that_forbids_waiting_on_results(
    settings, tmp_path
):
    # What a prefork worker's pool process (and an eager delay) sets for every task.
    settings.IMPORT_ROOT = tmp_path
    write_day(tmp_path, "20260302", base_day())
    with denied_join_result():
        result = nightly_pipeline.apply(throw=True).result
    assert len(result["runs"]) == 1 and result["metrics_days"] == ["2026-03-02"]


def test_a_refused_redelivery_leaves_the_days_metrics_alone(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path
    write_day(tmp_path, "20260302", base_day())
    nightly_pipeline.apply().get()
    # The same day re-delivered broken: refused, so nothing of the day changed.
    write_day(tmp_path, "20260302", base_day(), manifest_overrides={"trades": (9, "0" * 64)})
    result = nightly_pipeline.apply().get()
    assert ImportRun.objects.get(pk=result["runs"][0]).status == RunStatus.REFUSED
    assert result["metrics_days"] == []


def test_a_day_loaded_outside_the_pipeline_gets_its_metrics_from_the_next_run(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "root"
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    result = nightly_pipeline.apply().get()
    assert result["runs"] == [] and result["metrics_days"] == ["2026-03-02"]
    assert commission_of("C001") == Decimal("37.50")


def test_a_redelivered_day_gets_its_metrics_months_and_pareto_in_the_same_run(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path
    write_day(tmp_path, "20260302", base_day())
    nightly_pipeline.apply().get()
    pareto_before = ContributionPareto.objects.get(scope=0, bucket=1).cumulative_share
    redelivered = base_day()
    redelivered["trades"][0][9] = "137.50"  # C001's commission, 100.00 more
    write_day(tmp_path, "20260302", redelivered)
    result = nightly_pipeline.apply().get()
    assert len(result["runs"]) == 1
    assert result["metrics_days"] == ["2026-03-02"]
    assert ImportRun.objects.get(pk=result["runs"][0]).metrics_at is not None
    assert commission_of("C001") == traded_commission("C001") == Decimal("137.50")
    month = CustomerMonth.objects.get(customer__cust_no="C001", month=datetime.date(2026, 3, 1))
    assert month.commission == Decimal("137.50")
    # What the 360 page's contribution panel shows agrees with its own trade list.
    panel = contribution_for_customer(
        Customer.objects.get(cust_no="C001"), today=datetime.date(2026, 3, 31)
    )
    assert panel["commission_ytd"] == traded_commission("C001")
    assert ContributionPareto.objects.get(scope=0, bucket=1).cumulative_share > pareto_before
    assert not pipeline_busy()


def test_a_correction_uploaded_during_the_day_reaches_the_next_nightly_runs_metrics(
    settings, tmp_path
):
    settings.IMPORT_ROOT = tmp_path
    rows = base_day()
    rows["trades"][1][5] = "X"  # C002's trade is rejected
    write_day(tmp_path, "20260302", rows)
    run = ImportRun.objects.get(pk=nightly_pipeline.apply().get()["runs"][0])
    assert run.status == RunStatus.LOADED_WITH_REJECTS
    assert commission_of("C002") == Decimal("0.00")
    upload = tmp_path / "fixed.csv"
    fixed = ImportReject.objects.get(run=run).raw.replace(",X,", ",S,")
    upload.write_text(run.files.get(file="trades").header + "\n" + fixed + "\n")
    correction = counter_corrections_import(run=run, file="trades", upload=upload)
    assert correction.metrics_at is None  # stale until a metrics step has seen it
    result = nightly_pipeline.apply().get()
    assert result["runs"] == [] and result["metrics_days"] == ["2026-03-02"]
    assert commission_of("C002") == traded_commission("C002") == Decimal("5.00")
    correction.refresh_from_db()
    assert correction.metrics_at is not None


def test_a_late_day_recomputes_its_own_day_and_the_months_it_weighs_in(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path
    write_day(tmp_path, "20260302", base_day())
    nightly_pipeline.apply().get()
    march = CustomerMonth.objects.get(customer__cust_no="C001", month=datetime.date(2026, 3, 1))
    assert march.days == 1  # Monday 2 March alone: nothing carries into Sunday 1 March yet
    # Friday 27 February arrives late: its own day and February, and March that it opens.
    write_day(tmp_path, "20260227", base_day("2026-02-27"))
    result = nightly_pipeline.apply().get()
    assert ImportRun.objects.get(pk=result["runs"][0]).late
    assert result["metrics_days"] == ["2026-02-27"]
    assert commission_of("C001", datetime.date(2026, 2, 27)) == Decimal("37.50")
    february = CustomerMonth.objects.get(customer__cust_no="C001", month=datetime.date(2026, 2, 1))
    assert february.days == 2  # Friday 27 and Saturday 28, the month being closed
    march.refresh_from_db()
    assert march.days == 2  # Sunday 1 March carries Friday's figures now


def test_an_import_started_from_a_page_runs_one_day_again_then_its_metrics(settings, tmp_path, org):
    settings.IMPORT_ROOT = tmp_path
    write_day(tmp_path, "20260302", base_day())
    nightly_pipeline.apply().get()
    result = pipeline.apply(
        kwargs={"day": "20260302", "profile": None, "started_by_id": org.head_office.user.pk}
    ).get()
    run = ImportRun.objects.get(pk=result["runs"][0])
    assert (run.status, run.started_by) == (RunStatus.LOADED, org.head_office.user)
    assert result["metrics_days"] == ["2026-03-02"]
    assert not pipeline_busy()


def test_a_page_cannot_name_a_path_for_a_day(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "root"
    with pytest.raises(ValueError, match="not a path"):
        pipeline.apply(kwargs={"day": "../20260302"}, throw=True)
