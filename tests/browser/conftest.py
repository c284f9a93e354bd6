"""Real-browser tests: Debian's Chromium, headless, driven through its chromedriver by
Selenium against pytest-django's live server. `make test` installs both (sysdeps)."""

import pytest
from django.core.management import call_command
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from customers.models import Customer
from customers.services import counter_day_import
from tests.conftest import shipped_rows_ensure
from tests.customers.counter_files import base_day, write_day

from .chromium import chromium_driver


@pytest.fixture(scope="session")
def browser():
    driver = chromium_driver("en-US")
    yield driver
    driver.quit()


@pytest.fixture
def sign_in(browser, live_server):
    def sign_in(username: str, password: str = "correct-horse-battery"):
        browser.delete_all_cookies()
        browser.get(f"{live_server.url}/accounts/login/")
        browser.find_element(By.NAME, "username").send_keys(username)
        browser.find_element(By.NAME, "password").send_keys(password)
        browser.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
        wait(browser).until(lambda b: "/accounts/login/" not in b.current_url)

    return sign_in


def wait(browser, seconds: int = 10) -> WebDriverWait:
    # htmx swaps whole panels: an element read mid-swap is stale, so look again.
    return WebDriverWait(browser, seconds, ignored_exceptions=(StaleElementReferenceException,))


def visible(locator):
    return expected_conditions.visibility_of_element_located(locator)


@pytest.fixture
def book(tmp_path, org):
    """A counter day whose C001 and C002 the broker serves, with its metrics computed."""
    shipped_rows_ensure()  # a transactional test before this one emptied the profiles
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    Customer.objects.filter(cust_no__in=["C001", "C002"]).update(
        manager=org.broker, branch=org.broker.branch
    )
    call_command("compute_metrics")
    return org
