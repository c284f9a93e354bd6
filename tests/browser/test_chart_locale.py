"""Chart axes and hovers in the page's language, in a real browser: on a Chinese dashboard
and 360 page the date ticks and the hover read 3月2日 and 2026年3月2日, with no English
month; an English page keeps plotly's English months ("Mar 2")."""

import re

import pytest
from django.conf import settings
from django.core.management import call_command

from customers.models import Customer
from customers.services import counter_day_import
from tests.conftest import shipped_rows_ensure
from tests.customers.counter_files import base_day, write_day

from .conftest import wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ENGLISH_MONTH = re.compile(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")
DAYS = ("2026-03-02", "2026-03-03", "2026-03-04")
# The date axes' tick labels of every drawn chart (pies have none).
TICKS = """
return Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter((chart) => chart._fullLayout && chart._fullLayout.xaxis
                     && chart._fullLayout.xaxis.type === 'date')
  .map((chart) => Array.from(chart.querySelectorAll('.xtick text')).map((t) => t.textContent));
"""
# Hovers the first daily date chart's first point (the 360 page's monthly contribution
# hovers a month) and returns the hover's text.
HOVER = """
const chart = Array.from(document.querySelectorAll('.js-plotly-plot'))
  .find((c) => c._fullLayout.xaxis && c._fullLayout.xaxis.type === 'date'
               && c._fullLayout.xaxis.dtick !== 'M1');
Plotly.Fx.hover(chart, [{curveNumber: 0, pointNumber: 0}]);
return Array.from(chart.querySelectorAll('.hoverlayer text')).map((t) => t.textContent).join(' ');
"""


@pytest.fixture
def days(tmp_path, org):
    """Three counter days whose C001 and C002 the broker serves, with their metrics."""
    shipped_rows_ensure()
    for day in DAYS:
        counter_day_import(folder=write_day(tmp_path, day.replace("-", ""), base_day(day)))
    Customer.objects.filter(cust_no__in=["C001", "C002"]).update(
        manager=org.broker, branch=org.broker.branch
    )
    call_command("compute_metrics")
    return org


def open_in(browser, live_server, sign_in, username: str, path: str, language: str):
    sign_in(username)
    browser.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": language})
    browser.get(f"{live_server.url}{path}")
    wait(browser).until(
        lambda b: b.find_element("tag name", "html").get_attribute("lang") == language
    )
    wait(browser).until(lambda b: b.execute_script(TICKS) and all(b.execute_script(TICKS)))
    return browser.execute_script(TICKS), browser.execute_script(HOVER)


def test_a_chinese_dashboard_dates_its_axes_and_hovers_in_chinese(
    browser, live_server, sign_in, days
):
    charts, hover = open_in(browser, live_server, sign_in, "branchhead", "/dashboards/", "zh-hans")
    assert len(charts) >= 2
    for ticks in charts:
        assert any("月" in tick for tick in ticks), ticks
        assert not any(ENGLISH_MONTH.search(tick) for tick in ticks), ticks
    assert "2026年3月2日" in hover
    assert not ENGLISH_MONTH.search(hover)


def test_a_chinese_customer_page_dates_its_asset_trend_in_chinese(
    browser, live_server, sign_in, days
):
    charts, hover = open_in(browser, live_server, sign_in, "broker", "/customers/C001/", "zh-hans")
    assert charts and all(any("月" in tick for tick in ticks) for ticks in charts), charts
    assert not any(ENGLISH_MONTH.search(tick) for ticks in charts for tick in ticks)
    assert "2026年3月2日" in hover


def test_an_english_dashboard_keeps_english_months(browser, live_server, sign_in, days):
    charts, hover = open_in(browser, live_server, sign_in, "branchhead", "/dashboards/", "en")
    for ticks in charts:
        assert any(ENGLISH_MONTH.search(tick) for tick in ticks), ticks
        assert not any("月" in tick for tick in ticks), ticks
    assert "Mar 2, 2026" in hover
