"""Real-browser tests: Debian's Chromium, headless, driven through its chromedriver by
Selenium against pytest-django's live server. `make test` installs both (sysdeps)."""

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

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
