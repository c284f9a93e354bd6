"""A broker's day in a real browser: find a customer in the list, open the 360 page, log a
call through the htmx form without a page reload, and be refused another broker's customer."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from customers.models import Customer, Interaction
from customers.services import counter_day_import
from tests.customers.counter_files import base_day, write_day

from .conftest import visible, wait

# The live server runs in another thread, so data must be committed; serialized_rollback
# keeps what migrations created (the import profiles) from one test to the next.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def book(tmp_path, org):
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    Customer.objects.filter(cust_no__in=["C001", "C002"]).update(
        manager=org.broker, branch=org.broker.branch
    )
    return org


def test_a_broker_finds_a_customer_logs_a_call_and_sees_it(browser, live_server, sign_in, book):
    sign_in("broker")
    browser.get(f"{live_server.url}/customers/")
    search = browser.find_element(By.ID, "id_q")  # the list's own search, not the top bar's
    search.send_keys("张")
    search.submit()
    wait(browser).until(lambda b: "q=" in b.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "table tbody tr")
    assert [row.text.split()[0] for row in rows] == ["C001"]

    browser.find_element(By.LINK_TEXT, "C001").click()
    wait(browser).until(visible((By.ID, "interactions-panel")))
    assert "250,000.00" in browser.find_element(By.CSS_SELECTOR, ".kpis").text
    page_marker = browser.execute_script("window.notReloaded = true; return true;")

    panel = browser.find_element(By.ID, "interactions-panel")
    Select(panel.find_element(By.NAME, "channel")).select_by_value("phone")
    panel.find_element(By.NAME, "content").send_keys("讨论了配股认购安排")
    panel.find_element(By.NAME, "result").send_keys("客户同意认购")
    panel.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(
        lambda b: (
            "讨论了配股认购安排"
            in b.find_element(By.CSS_SELECTOR, "#interactions-panel .timeline").text
        )
    )
    assert page_marker and browser.execute_script("return window.notReloaded === true")
    assert Interaction.objects.get().customer.cust_no == "C001"


def test_a_broker_gets_a_404_on_another_brokers_customer(browser, live_server, sign_in, book):
    sign_in("broker")
    browser.get(f"{live_server.url}/customers/B0001/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not found"
    assert "B0001" not in browser.find_element(By.TAG_NAME, "body").text.replace(
        "/customers/B0001/", ""
    )
