"""A team lead's dashboard in a real browser: its charts draw (static/js/charts.js under the
CSP) and a click on one opens the list of the team's customers behind it, never the
branch's."""

import pytest
from django.core.management import call_command
from selenium.webdriver.common.by import By

from customers.models import Customer
from customers.services import counter_day_import
from tests.conftest import shipped_rows_ensure
from tests.customers.counter_files import base_day, write_day

from .conftest import wait
from .test_drilldown_clicks import DRAWN, click_and_read_title

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def split_book(tmp_path, org):
    """A counter day whose C001 the team's broker serves and C002 the branch's customer
    manager (outside the team), with its metrics computed."""
    shipped_rows_ensure()  # a transactional test before this one emptied the profiles
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    Customer.objects.filter(cust_no="C001").update(manager=org.broker, branch=org.broker.branch)
    Customer.objects.filter(cust_no="C002").update(manager=org.manager, branch=org.manager.branch)
    call_command("compute_metrics")
    return org


def test_a_team_leads_chart_click_opens_the_teams_customers(
    browser, live_server, sign_in, split_book, tmp_path
):
    dashboard = f"{live_server.url}/dashboards/"
    sign_in("lead")
    browser.get(dashboard)
    wait(browser).until(lambda b: b.execute_script(DRAWN) >= 5)
    assert "Team dashboard: 财富一组" in browser.find_element(By.TAG_NAME, "h1").text
    browser.save_screenshot(str(tmp_path / "team-dashboard.png"))
    marker = "day=2026-03-02&figure=net_commission"
    assert click_and_read_title(browser, dashboard, marker) == (
        "Net commission on 2026-03-02: 1 customer"
    )
    assert "C001" in browser.page_source and "C002" not in browser.page_source
    # The branch manager's same bar stands for both customers.
    sign_in("branchhead")
    assert click_and_read_title(browser, dashboard, marker) == (
        "Net commission on 2026-03-02: 2 customers"
    )
