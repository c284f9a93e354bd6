"""The 360 page's panel index in a real browser (issue 12, point 14): it stays at the top of
the window however far the page is scrolled, a click on an entry brings its panel into view
below it, and the entry of the panel being read is marked; the serving broker reveals the
customer's mobile in one click (point 13)."""

import pytest
from selenium.webdriver.common.by import By

from crm.models import AuditEntry
from customers.models import Customer

from .conftest import visible, wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def rect(browser, element_id: str) -> dict:
    return browser.execute_script(
        "var r = document.getElementById(arguments[0]).getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, height: window.innerHeight};",
        element_id,
    )


def index_link(browser, href: str):
    return browser.find_element(By.CSS_SELECTOR, f'#panel-index a[href="{href}"]')


def test_the_panel_index_stays_at_the_top_and_jumps_to_the_trades(
    browser, live_server, sign_in, book
):
    sign_in("broker")
    browser.get(f"{live_server.url}/customers/C001/")
    wait(browser).until(visible((By.ID, "trades-panel")))
    assert browser.execute_script("return document.documentElement.scrollHeight") > 2500

    # At the top of the page the trades are far below the window.
    assert rect(browser, "trades-panel")["top"] > rect(browser, "trades-panel")["height"]

    browser.execute_script("window.scrollTo(0, document.documentElement.scrollHeight);")
    wait(browser).until(lambda b: b.execute_script("return window.scrollY") > 1500)
    index = rect(browser, "panel-index")
    assert -1 <= index["top"] <= 1, index  # stuck to the top of the window
    assert index["bottom"] > index["top"] + 20
    assert browser.find_element(By.ID, "panel-index").is_displayed()
    # Scrolled to the bottom: the last entry is the one marked.
    last = index_link(browser, "#service-requests-panel")
    wait(browser).until(lambda b: last.get_attribute("aria-current") == "true")

    index_link(browser, "#trades-panel").click()

    def trades_in_view(b):
        trades, index = rect(b, "trades-panel"), rect(b, "panel-index")
        return index["bottom"] - 1 <= trades["top"] < trades["height"] - 100

    wait(browser).until(trades_in_view)
    assert browser.current_url.endswith("#trades-panel")
    assert -1 <= rect(browser, "panel-index")["top"] <= 1

    # From the top, a jump to the contacts puts them just below the index, and marks them.
    browser.execute_script("window.scrollTo(0, 0);")
    index_link(browser, "#interactions-panel").click()
    wait(browser).until(
        lambda b: 0 <= rect(b, "interactions-panel")["top"] - rect(b, "panel-index")["bottom"] < 40
    )
    contacts = index_link(browser, "#interactions-panel")
    wait(browser).until(lambda b: contacts.get_attribute("aria-current") == "true")
    assert index_link(browser, "#trades-panel").get_attribute("aria-current") is None


def test_the_serving_broker_reveals_the_mobile_in_one_click(browser, live_server, sign_in, book):
    Customer.objects.filter(cust_no="C001").update(mobile="13912345678")
    sign_in("broker")
    browser.get(f"{live_server.url}/customers/C001/")
    pii = wait(browser).until(visible((By.ID, "pii")))
    assert "13912345678" not in pii.text and "139****5678" in pii.text
    browser.execute_script("window.notReloaded = true;")
    pii.find_element(By.XPATH, ".//button[contains(., 'Show mobile and e-mail')]").click()
    wait(browser).until(lambda b: b.find_element(By.ID, "pii-mobile").text == "13912345678")
    link = browser.find_element(By.CSS_SELECTOR, "#pii-mobile a")
    assert link.get_attribute("href") == "tel:13912345678"
    assert browser.execute_script("return window.notReloaded === true")
    assert AuditEntry.objects.filter(action="customer.reveal_contact").count() == 1
