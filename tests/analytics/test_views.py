import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from analytics.selectors import accounts_summary, daily_series, dashboard_scope, group_rollup
from crm.models import AuditEntry, Role
from customers.services import counter_day_import
from tests.crm.factories import StaffFactory
from tests.customers.counter_files import base_day, write_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def metrics(tmp_path, org):
    """base_day's two customers sit in branch 0101, the org fixture's branch A."""
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    call_command("compute_metrics")
    return org


def dashboard(client, user, **params):
    client.force_login(user)
    return client.get("/dashboards/", params, HTTP_ACCEPT_LANGUAGE="en")


def test_it_shows_a_branch_manager_the_figures_of_their_branch(client, metrics):
    response = dashboard(client, metrics.branch_manager.user)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Branch dashboard" in body
    assert "265,500.50" in body  # assets at month end: 250,000.00 + 15,500.50
    assert "Staff performance" in body and "王经理" in body
    assert "Trading volume by branch" not in body


def test_it_counts_the_branchs_accounts_by_status_and_activity(metrics):
    scope = dashboard_scope(metrics.branch_manager.user)
    summary = accounts_summary(scope, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    # Branch A: the org fixture's five customers and base_day's two, all normal.
    assert summary["normal"] == 7
    assert summary["closed"] == 0
    assert summary["active"] == 2  # C001 and C002 traded


def test_it_keeps_another_branchs_manager_out_of_these_figures(client, metrics):
    other = StaffFactory(user__username="bm-b", role=Role.BRANCH_MANAGER, branch=metrics.branch_b)
    scope = dashboard_scope(other.user)
    assert scope.branch_ids == (metrics.branch_b.pk,)
    series = daily_series(scope, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    # Branch B has accounts but none of branch A's money or revenue.
    assert series and all(r["total_assets"] == 0 and r["contribution"] == 0 for r in series)
    body = dashboard(client, other.user).content.decode()
    assert "265,500.50" not in body and "王经理" not in body


def test_it_shows_head_office_the_company_with_a_drill_down_by_branch(client, metrics):
    body = dashboard(client, metrics.head_office.user).content.decode()
    assert "Company dashboard" in body
    assert "Trading volume by branch" in body
    # plotly writes "/" as \\u002f inside its JSON
    assert f"/customers/?branch={metrics.branch_a.pk}" in body.replace("\\u002f", "/")
    series = daily_series(
        dashboard_scope(metrics.head_office.user),
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 31),
    )
    assert series[0]["contribution"] == Decimal("45.92")


def test_it_refuses_brokers_and_customer_managers(client, metrics):
    assert dashboard(client, metrics.broker.user).status_code == 403
    assert dashboard(client, metrics.manager.user).status_code == 403


def test_it_exports_the_broker_table_audited(client, metrics):
    client.force_login(metrics.branch_manager.user)
    response = client.get("/dashboards/brokers.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = b"".join(response).decode("utf-8-sig")
    assert "S01" in text and "41.04" in text
    assert AuditEntry.objects.filter(action="dashboard.brokers_export").exists()


def test_it_says_so_when_no_metrics_exist_yet(client, org):
    body = dashboard(client, org.head_office.user).content.decode()
    assert "No metrics yet" in body


def test_it_renders_in_a_bounded_number_of_queries(client, metrics, django_assert_max_num_queries):
    client.force_login(metrics.head_office.user)
    with django_assert_max_num_queries(20):
        assert client.get("/dashboards/").status_code == 200


def test_it_rolls_the_month_up_by_team_for_a_branch_and_by_region_for_the_company(metrics):
    month = datetime.date(2026, 3, 1)
    teams = {
        row["group"]: row
        for row in group_rollup(dashboard_scope(metrics.branch_manager.user), month)
    }
    assert teams["财富一组"]["contribution"] == Decimal("41.04")  # S01's team (base_day)
    assert teams[None]["contribution"] == Decimal("4.88")  # S02 has no team
    regions = group_rollup(dashboard_scope(metrics.head_office.user), month)
    assert [(r["group"], r["contribution"]) for r in regions] == [("浙江", Decimal("45.92"))]


def test_a_broker_row_drills_down_to_exactly_that_brokers_customers(client, metrics):
    from crm.models import Staff

    body = dashboard(client, metrics.branch_manager.user).content.decode()
    manager = Staff.objects.get(staff_code="S01")
    link = f"/customers/?manager={manager.pk}"
    assert link in body
    listed = client.get(link).content.decode()
    assert "C001" in listed and "C002" not in listed  # C002 is served by S02


def test_a_pareto_point_drills_down_to_the_top_customers(client, metrics):
    client.force_login(metrics.branch_manager.user)
    # Two customers: the best 50 % is C001 alone.
    body = client.get("/dashboards/customers/", {"month": "2026-03-01", "top": 50}).content
    assert b"C001" in body and b"C002" not in body
    everyone = client.get("/dashboards/customers/", {"month": "2026-03-01", "top": 100}).content
    assert b"C001" in everyone and b"C002" in everyone


def test_a_channel_slice_drills_down_to_the_customers_who_used_it(client, metrics):
    client.force_login(metrics.head_office.user)
    mobile = client.get(
        "/dashboards/customers/", {"month": "2026-03-01", "channel": "mobile"}
    ).content
    assert b"C001" in mobile and b"C002" not in mobile  # C002 traded on the internet


def test_the_drill_down_is_scoped_and_refuses_nonsense(client, metrics):
    other = StaffFactory(user__username="bm-b2", role=Role.BRANCH_MANAGER, branch=metrics.branch_b)
    client.force_login(other.user)
    body = client.get("/dashboards/customers/", {"month": "2026-03-01", "top": 100}).content
    assert b"C001" not in body
    client.force_login(metrics.broker.user)
    assert (
        client.get("/dashboards/customers/", {"month": "2026-03-01", "top": 100}).status_code == 403
    )
    client.force_login(metrics.head_office.user)
    assert client.get("/dashboards/customers/", {"month": "x", "top": 1}).status_code == 404
    assert client.get("/dashboards/customers/", {"month": "2026-03-01"}).status_code == 404


def test_a_daily_bar_drills_down_to_the_customers_behind_it(client, metrics):
    client.force_login(metrics.branch_manager.user)
    inflow = client.get("/dashboards/customers/", {"day": "2026-03-02", "figure": "inflow"})
    assert b"C001" in inflow.content and b"C002" not in inflow.content  # only C001 moved money
    revenue = client.get("/dashboards/customers/", {"day": "2026-03-02", "figure": "revenue"})
    assert b"C001" in revenue.content and b"C002" in revenue.content
    nothing = client.get("/dashboards/customers/", {"day": "2026-03-03", "figure": "revenue"})
    assert b"C001" not in nothing.content
    assert (
        client.get("/dashboards/customers/", {"day": "2026-03-02", "figure": "x"}).status_code
        == 404
    )
