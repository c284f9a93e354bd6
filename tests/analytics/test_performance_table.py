"""The dashboards' staff performance table and their other words: tasks done since the
last import counted, the person column named for every member of staff, no percentage
against a nil or negative month, a period on the branch volume title and a plain word for
a day without trading."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.selectors import _change
from crm.models import Staff
from customers.models import Customer, Task, TaskKind, TaskStatus
from customers.services import counter_day_import
from tests.customers.counter_files import base_day, write_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def metrics(tmp_path, org):
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    call_command("compute_metrics")
    return org


def dashboard(client, user, **params):
    client.force_login(user)
    return client.get("/dashboards/", params, HTTP_ACCEPT_LANGUAGE="en")


def test_tasks_done_since_the_last_import_count_in_a_period_that_runs_to_it(client, metrics):
    manager = Staff.objects.get(staff_code="S01")
    Task.objects.create(
        assignee=manager,
        customer=Customer.objects.get(cust_no="C001"),
        kind=TaskKind.FOLLOW_UP,
        title="回访",
        due_on=datetime.date(2026, 3, 2),
        status=TaskStatus.DONE,
        done_at=timezone.now(),  # after 2026-03-02, the last loaded day
    )
    rows = {
        r["manager_id"]: r
        for r in dashboard(client, metrics.branch_manager.user).context["table"].data
    }
    assert rows[manager.pk]["tasks_done"] == 1
    earlier = dashboard(client, metrics.branch_manager.user, start="2026-03-01", end="2026-03-01")
    assert all(row["tasks_done"] == 0 for row in earlier.context["table"].data)


def test_the_person_column_names_a_member_of_staff(client, metrics):
    response = dashboard(client, metrics.branch_manager.user)
    assert "Member of staff" in response.content.decode()
    zh = client.get("/dashboards/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<th" in zh and "经纪人</a></th>" not in zh


def test_a_change_against_a_nil_or_negative_month_is_no_percentage():
    assert _change(Decimal(50), Decimal(-100)) is None
    assert _change(Decimal(50), Decimal(0)) is None
    assert _change(Decimal(150), Decimal(100)) == Decimal("0.5")


def test_the_branch_volume_title_names_its_period(client, metrics):
    response = dashboard(client, metrics.head_office.user)
    content = response.content.decode()
    start, end = response.context["start"], response.context["end"]
    assert f"Trading volume by branch, {start:%Y-%m-%d} to {end:%Y-%m-%d}" in content


def test_a_day_without_trading_says_so_rather_than_blame_the_filters(client, metrics):
    client.force_login(metrics.branch_manager.user)
    sunday = client.get(
        "/dashboards/customers/",
        {"day": "2026-03-01", "figure": "inflow"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "2026-03-01 was not a trading day: there are no figures for it." in sunday
    traded = client.get(
        "/dashboards/customers/", {"day": "2026-03-02", "figure": "inflow"}
    ).content.decode()
    assert "was not a trading day" not in traded and "C001" in traded
