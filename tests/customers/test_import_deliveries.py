"""Deliveries the counter gets wrong or sends again, and runs whose process died: a day that
leaves out a file it needs, a delivery restored to an earlier one, a run left Running, and
the dry run that writes nothing."""

import datetime
from decimal import Decimal

import pytest

from customers.models import (
    CashFlow,
    Customer,
    DailyBalance,
    ImportProfile,
    ImportReject,
    ImportRun,
    RunKind,
    RunStatus,
    Trade,
)
from customers.services import (
    counter_day_dry_run,
    counter_day_import,
    counter_pending_import,
    import_runs_reap,
)

from .counter_files import base_day, write_day

pytestmark = pytest.mark.django_db

DAY = "20260302"


def without(rows: dict, *files: str) -> dict:
    return {name: file_rows for name, file_rows in rows.items() if name not in files}


@pytest.mark.parametrize("left_out", ["balances", "positions", "credit_accounts"])
def test_it_refuses_a_day_whose_manifest_leaves_out_a_snapshot_file(tmp_path, left_out):
    counter_day_import(folder=write_day(tmp_path / "first", DAY, base_day()))
    next_day = without(base_day("2026-03-03"), left_out)
    run = counter_day_import(folder=write_day(tmp_path, "20260303", next_day))
    assert run.status == RunStatus.REFUSED
    assert f"{left_out}.csv" in run.error
    assert "the manifest leaves out" in run.error
    assert not DailyBalance.objects.filter(business_date=datetime.date(2026, 3, 3)).exists()


def test_it_loads_a_day_without_a_file_the_profile_says_this_counter_never_delivers(tmp_path):
    profile = ImportProfile.objects.get(name="canonical")
    profile.never_delivered = ["credit_accounts"]
    profile.save()
    run = counter_day_import(
        folder=write_day(tmp_path, DAY, without(base_day(), "credit_accounts"))
    )
    assert run.status == RunStatus.LOADED, run.error


def test_it_needs_master_data_on_the_first_day_only(tmp_path):
    masters = ("branches", "staff", "customers")
    first = counter_day_import(folder=write_day(tmp_path / "a", DAY, without(base_day(), *masters)))
    assert first.status == RunStatus.REFUSED
    assert "branches.csv, staff.csv, customers.csv" in first.error
    assert counter_day_import(folder=write_day(tmp_path / "b", DAY, base_day())).status == (
        RunStatus.LOADED
    )
    later = without(base_day("2026-03-03"), *masters)
    assert counter_day_import(folder=write_day(tmp_path, "20260303", later)).status == (
        RunStatus.LOADED
    )


def test_it_loads_a_delivery_restored_to_an_earlier_one_again(tmp_path):
    delivery_a = base_day()
    delivery_b = base_day()
    delivery_b["balances"][0][2] = "99.00"

    def balance() -> Decimal:
        return DailyBalance.objects.get(
            business_date=datetime.date(2026, 3, 2), account__fund_account="F001"
        ).balance

    write_day(tmp_path, DAY, delivery_a)
    assert len(counter_pending_import(root=tmp_path)) == 1
    original = balance()
    write_day(tmp_path, DAY, delivery_b)
    assert len(counter_pending_import(root=tmp_path)) == 1
    assert balance() == Decimal("99.00")
    write_day(tmp_path, DAY, delivery_a)
    again = counter_pending_import(root=tmp_path)
    assert [run.status for run in again] == [RunStatus.LOADED]
    assert balance() == original
    assert counter_pending_import(root=tmp_path) == []


def dead_run(day=datetime.date(2026, 3, 2)) -> ImportRun:
    """A run left Running by a process of this machine that no longer exists."""
    import socket

    return ImportRun.objects.create(
        business_date=day,
        kind=RunKind.DAY,
        source="/srv/counter/20260302",
        worker=f"{socket.gethostname()}:{2**22 + 12345}:777",
    )


def test_the_next_run_marks_a_run_whose_process_died_failed(tmp_path):
    stuck = dead_run()
    run = counter_day_import(folder=write_day(tmp_path, DAY, base_day()))
    assert run.status == RunStatus.LOADED
    stuck.refresh_from_db()
    assert stuck.status == RunStatus.FAILED
    assert stuck.finished_at is not None
    assert "stopped before it finished" in stuck.error


def test_it_leaves_a_live_run_running():
    live = ImportRun.objects.create(
        business_date=datetime.date(2026, 3, 2), kind=RunKind.DAY, source="x"
    )
    from crm.locks import liveness_claim, liveness_release

    live.worker = liveness_claim()  # this very process: alive
    live.save()
    assert import_runs_reap() == []
    live.refresh_from_db()
    assert live.status == RunStatus.RUNNING
    liveness_release(live.worker)


def test_a_dead_runs_page_stops_polling(client, org):
    client.force_login(org.head_office.user)
    stuck = dead_run()
    url = f"/customers/imports/{stuck.pk}/progress/"
    assert import_runs_reap() == [stuck.pk]
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.headers.get("HX-Refresh") == "true"


def business_rows() -> tuple:
    return (
        Trade.objects.count(),
        CashFlow.objects.count(),
        Customer.objects.count(),
        DailyBalance.objects.count(),
        ImportRun.objects.count(),
        ImportReject.objects.count(),
    )


def test_a_dry_run_reports_what_would_load_and_be_rejected_and_writes_nothing(tmp_path):
    rows = base_day()
    rows["trades"][0][5] = "buy"  # an unknown side
    rows["cash_flows"][1][4] = "12,3x"
    before = business_rows()
    report = counter_day_dry_run(
        folder=write_day(tmp_path, DAY, rows), profile=ImportProfile.objects.get(name="canonical")
    )
    assert business_rows() == before
    assert report.refused == ""
    files = {result.file: result for result in report.files}
    assert files["trades"].rows_read == 2
    assert files["trades"].rows_loaded == 1
    assert files["trades"].rows_rejected == 1
    (reason,) = files["trades"].reasons
    assert (reason.column, reason.rows, reason.line_no) == ("side", 1, 2)
    assert "buy" in reason.raw
    assert files["cash_flows"].rows_rejected == 1
    assert files["customers"].rows_loaded == len(rows["customers"])


def test_a_dry_run_says_what_would_refuse_the_day(tmp_path):
    before = business_rows()
    report = counter_day_dry_run(
        folder=write_day(tmp_path, DAY, without(base_day(), "positions")),
        profile=ImportProfile.objects.get(name="canonical"),
    )
    assert business_rows() == before
    assert "positions.csv" in report.refused
    assert report.files == []
