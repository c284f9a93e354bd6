"""Drill-down clicks in a real browser: under the dashboards' unified hover a click hands
static/js/drilldown.js the point of every trace at that day, the assets line's first; a
click on a bar of assets and inflow, on a bar of daily revenue and on a slice of the
revenue mix each opens the list of the customers behind what was clicked."""

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from .conftest import wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The element to click in the chart one of whose traces links with `marker`: the
# `trace`-th bar trace's first bar, or the pie's first slice.
ELEMENT = """
const [marker, trace] = arguments;
for (const chart of document.querySelectorAll('.js-plotly-plot')) {
  if (!chart.data.some((t) => String((t.customdata || [])[0]).includes(marker))) { continue; }
  if (chart.data[0].type === 'pie') { return chart.querySelector('g.slice path.surface'); }
  const bars = chart.querySelectorAll('g.trace.bars');
  return bars[trace].querySelector('g.point path');
}
"""
# A point inside the element's shape (a donut slice's box has the hole at its centre), as
# an offset from the centre of its box, which is where Selenium's offsets start.
INSIDE = """
const shape = arguments[0];
const box = shape.getBBox();
const screen = shape.getScreenCTM();
const rect = shape.getBoundingClientRect();
for (let i = 1; i < 20; i++) {
  for (let j = 1; j < 20; j++) {
    const point = new DOMPoint(box.x + (box.width * i) / 20, box.y + (box.height * j) / 20);
    if (shape.isPointInFill(point)) {
      const at = point.matrixTransform(screen);
      return [at.x - (rect.left + rect.width / 2), at.y - (rect.top + rect.height / 2)];
    }
  }
}
"""
DRAWN = "return document.querySelectorAll('.chart svg.main-svg').length"


def click_and_read_title(browser, dashboard: str, marker: str, trace: int = 0) -> str:
    browser.get(dashboard)
    wait(browser).until(lambda b: b.execute_script(DRAWN) >= 5)
    element = browser.execute_script(ELEMENT, marker, trace)
    assert element is not None, marker
    dx, dy = browser.execute_script(INSIDE, element)
    actions = ActionChains(browser).scroll_to_element(element)
    actions.move_to_element_with_offset(element, int(dx), int(dy)).pause(0.3).click().perform()
    wait(browser).until(lambda b: "/dashboards/customers/" in b.current_url)
    return " ".join(browser.find_element(By.TAG_NAME, "h1").text.split())


def test_a_click_on_a_bar_or_a_slice_opens_the_customers_behind_it(
    browser, live_server, sign_in, book
):
    sign_in("branchhead")
    dashboard = f"{live_server.url}/dashboards/"
    assert click_and_read_title(browser, dashboard, "figure=inflow") == (
        "Net inflow on 2026-03-02: 1 customer"
    )
    assert click_and_read_title(
        browser, dashboard, "day=2026-03-02&figure=net_commission", trace=0
    ) == ("Net commission on 2026-03-02: 2 customers")
    # The stack's second bar, above the first: the customers of that source.
    assert click_and_read_title(browser, dashboard, "day=2026-03-02&figure=net_commission", 1) == (
        "Interest spread on 2026-03-02: 2 customers"
    )
    assert click_and_read_title(browser, dashboard, "end=2026-03-02&figure=net_commission") == (
        "Net commission from 2026-03-02 to 2026-03-02: 2 customers"
    )
