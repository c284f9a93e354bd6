"""The Content-Security-Policy in a real browser: the dashboard and a customer's 360 page
draw every chart from its JSON data block with the site's own scripts, the browser reports
no violation of the policy, a chart that htmx swaps in is drawn too, and a click on a
dashboard bar still opens the customers behind it. What the templates' inline handlers did
(the language select, the service requests panel taking a 403 in) static/js/crm.js does."""

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from customers.models import ServiceRequest, ServiceRequestType
from customers.services.relationship import service_request_open

from .conftest import wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Runs before any script of each page: collects what the policy refused and every error.
WATCH = """
window.__refused = [];
window.__errors = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__refused.push(event.violatedDirective + " " + event.blockedURI + " " +
    event.sourceFile + ":" + event.lineNumber);
});
window.addEventListener("error", function (event) { window.__errors.push(event.message); });
"""

DRAWN = """
return Array.from(document.querySelectorAll('.chart'))
  .map(function (chart) { return !!chart.querySelector('svg.main-svg'); });
"""


@pytest.fixture
def watched(browser):
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    yield browser
    browser.execute_cdp_cmd(
        "Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]}
    )


def assert_charts_drawn_without_refusals(browser, at_least: int) -> None:
    wait(browser).until(lambda b: len(b.execute_script(DRAWN)) >= at_least)
    wait(browser).until(lambda b: all(b.execute_script(DRAWN)))
    assert browser.execute_script("return window.__refused") == []
    assert browser.execute_script("return window.__errors") == []
    assert browser.execute_script("return typeof Plotly") == "object"


def assert_policy_refuses_an_inline_script(browser) -> None:
    """What the page's own scripts never do: an inline script is refused, and reported."""
    browser.execute_script(
        """
        const script = document.createElement('script');
        script.textContent = 'window.__inline = 1';
        document.body.appendChild(script);
        """
    )
    assert browser.execute_script("return window.__inline") is None
    wait(browser).until(lambda b: b.execute_script("return window.__refused.length") == 1)
    assert browser.execute_script("return window.__refused[0]").startswith("script-src")


def test_the_dashboard_draws_its_charts_under_the_policy_and_drills_down(
    watched, live_server, sign_in, book
):
    browser = watched
    sign_in("headoffice")
    browser.get(f"{live_server.url}/dashboards/")
    assert_charts_drawn_without_refusals(browser, at_least=5)
    assert_policy_refuses_an_inline_script(browser)
    # The branch chart's bars link to each branch's customer list.
    bar = browser.execute_script(
        """
        for (const chart of document.querySelectorAll('.js-plotly-plot')) {
          const links = chart.data[0].customdata || [];
          if (String(links[0]).startsWith('/customers/?branch=')) {
            return chart.querySelector('g.point path');
          }
        }
        """
    )
    ActionChains(browser).move_to_element(bar).pause(0.3).click().perform()
    wait(browser).until(lambda b: "/customers/?branch=" in b.current_url)
    assert browser.execute_script("return window.__refused") == []  # the list's own page


def test_the_360_page_draws_its_charts_and_one_htmx_swaps_in(watched, live_server, sign_in, book):
    browser = watched
    sign_in("broker")
    browser.get(f"{live_server.url}/customers/C001/")
    assert_charts_drawn_without_refusals(browser, at_least=2)
    # A panel that arrives through htmx brings its chart as a data block; it is drawn too.
    browser.execute_script(
        """
        const slot = document.createElement('div');
        slot.id = 'swapped';
        document.querySelector('main').appendChild(slot);
        htmx.ajax('GET', location.pathname, {target: '#swapped', select: '.chart'});
        """
    )
    wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#swapped .chart svg.main-svg"))
    assert browser.execute_script("return window.__refused") == []
    assert browser.execute_script("return window.__errors") == []
    assert_policy_refuses_an_inline_script(browser)


def test_a_refused_move_of_a_request_swaps_in_the_panel_with_its_reason(
    watched, live_server, sign_in, org
):
    browser = watched
    kind, _ = ServiceRequestType.objects.get_or_create(
        code="test-complaint", defaults={"name": "投诉", "sla_hours": 48, "is_complaint": True}
    )
    request = service_request_open(
        customer=org.broker_customer,
        request_type=kind,
        description="Fees look wrong",
        assignee=org.broker,
        opened_by=org.broker.user,
    )
    sign_in("broker")
    browser.get(f"{live_server.url}/customers/{org.broker_customer.cust_no}/")
    panel = browser.find_element(By.ID, "service-requests-panel")
    button = panel.find_element(By.CSS_SELECTOR, ".sr-moves button[type=submit]")
    # Meanwhile the request goes to the branch manager: the broker may no longer move it.
    ServiceRequest.objects.filter(pk=request.pk).update(assignee=org.branch_manager)
    button.click()
    wait(browser).until(
        lambda b: org.branch_manager.name in b.find_element(By.ID, "service-requests-panel").text
    )
    assert f"/customers/{org.broker_customer.cust_no}/" in browser.current_url
    assert browser.execute_script("return window.__refused") == []


def test_choosing_a_language_switches_to_it_without_an_inline_handler(
    watched, live_server, sign_in, org
):
    browser = watched
    sign_in("broker")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    Select(browser.find_element(By.ID, "language-select")).select_by_value("zh-hans")
    wait(browser).until(
        lambda b: b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    )
    assert browser.execute_script("return window.__refused") == []
