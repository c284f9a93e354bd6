"""The customer list's filters in a real browser: head office finds a manager by typing
(the picker searches the company's staff and filters by the picked member's id), within the
branch chosen; a user who chooses from a select of managers sees only the chosen branch's
staff; the filters that are not used most fold under "more filters"."""

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.customers.factories import CustomerFactory

from .conftest import visible, wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PICKER = (By.CSS_SELECTOR, "input.staff-picker")
RESULTS = (By.CSS_SELECTOR, ".staff-picker-results li")


def offered_groups(browser) -> list[str]:
    """The manager select's branch groups a user can open (neither hidden nor disabled)."""
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('#id_manager optgroup'))"
        ".filter(g => !g.hidden && !g.disabled).map(g => g.label);"
    )


def offered_staff(browser) -> list[str]:
    wait(browser).until(visible(RESULTS))
    return [item.get_attribute("data-id") for item in browser.find_elements(*RESULTS)]


def offers(browser, *staff):
    """Wait until the picker offers exactly `staff` (an earlier search may show first)."""
    expected = [str(member.pk) for member in staff]
    wait(browser).until(lambda b: offered_staff(b) == expected)


def submit(browser):
    browser.find_element(By.CSS_SELECTOR, ".customer-filters button[type=submit]").click()
    wait(browser).until(lambda b: "?" in b.current_url)


def shown_customers(browser) -> list[str]:
    return [link.text for link in browser.find_elements(By.CSS_SELECTOR, "table a[href*='/']")]


def test_head_office_finds_a_manager_by_typing_and_filters_by_them(
    browser, live_server, sign_in, org
):
    sign_in("headoffice")
    browser.get(f"{live_server.url}/customers/")
    picker = browser.find_element(*PICKER)
    picker.send_keys("tea")
    offers(browser, org.teammate)
    item = browser.find_element(*RESULTS)
    assert item.text.startswith(f"TEAMMATE {org.teammate.name}")
    item.click()
    assert picker.get_attribute("value") == f"TEAMMATE {org.teammate.name}"
    submit(browser)
    assert parse_qs(urlsplit(browser.current_url).query)["manager"] == [str(org.teammate.pk)]
    assert "A0002" in shown_customers(browser) and "A0001" not in shown_customers(browser)
    # The page shows who was picked, by name, and keeps filtering by them.
    picker = browser.find_element(*PICKER)
    assert picker.get_attribute("value") == f"TEAMMATE {org.teammate.name}"
    submit(browser)
    assert parse_qs(urlsplit(browser.current_url).query)["manager"] == [str(org.teammate.pk)]


def test_the_picker_searches_the_chosen_branch_only(browser, live_server, sign_in, org):
    sign_in("headoffice")
    browser.get(f"{live_server.url}/customers/")
    Select(browser.find_element(By.ID, "id_branch")).select_by_visible_text("0202 上海营业部")
    picker = browser.find_element(*PICKER)
    picker.click()
    offers(browser, org.other_broker)
    picker.send_keys(Keys.ENTER)  # picks the first match
    assert picker.get_attribute("value") == f"OUTSIDER {org.other_broker.name}"
    submit(browser)
    assert shown_customers(browser) == ["B0001"]


def test_a_staff_code_typed_but_not_picked_still_filters(browser, live_server, sign_in, org):
    sign_in("headoffice")
    browser.get(f"{live_server.url}/customers/")
    browser.find_element(*PICKER).send_keys("BROKER")
    offers(browser, org.broker)
    browser.find_element(*PICKER).send_keys(Keys.ESCAPE)
    submit(browser)
    assert parse_qs(urlsplit(browser.current_url).query)["manager"] == ["BROKER"]
    assert shown_customers(browser) == ["A0001"]


def test_choosing_a_branch_narrows_a_select_of_managers_to_its_staff(
    browser, live_server, sign_in, org
):
    # A team lead whose team serves a customer in the other branch chooses among both
    # branches' staff, from a select.
    CustomerFactory(cust_no="B0002", branch=org.branch_b, manager=org.teammate)
    sign_in("lead")
    browser.get(f"{live_server.url}/customers/")
    assert offered_groups(browser) == ["0101 杭州营业部", "0202 上海营业部"]
    manager = Select(browser.find_element(By.ID, "id_manager"))
    manager.select_by_visible_text(f"BROKER {org.broker.name}")

    Select(browser.find_element(By.ID, "id_branch")).select_by_visible_text("0202 上海营业部")
    assert offered_groups(browser) == ["0202 上海营业部"]
    assert manager.first_selected_option.get_attribute("value") == ""  # 0101's broker cleared

    Select(browser.find_element(By.ID, "id_branch")).select_by_index(0)  # any branch again
    assert offered_groups(browser) == ["0101 杭州营业部", "0202 上海营业部"]


def test_the_filters_not_used_most_are_folded_until_one_is_set(browser, live_server, sign_in, org):
    sign_in("branchhead")
    browser.get(f"{live_server.url}/customers/")
    status = browser.find_element(By.ID, "id_status")
    assert browser.find_element(By.ID, "id_q").is_displayed()
    assert not status.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "details.more-filters summary").click()
    Select(status).select_by_value("0")
    submit(browser)
    assert browser.find_element(By.ID, "id_status").is_displayed()  # open: a folded one is set
