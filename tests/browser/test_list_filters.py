"""The customer list's filters in a real browser: head office picks a branch, and the
manager select then offers that branch's staff only."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def offered_groups(browser) -> list[str]:
    """The manager select's branch groups a user can open (neither hidden nor disabled)."""
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('#id_manager optgroup'))"
        ".filter(g => !g.hidden && !g.disabled).map(g => g.label);"
    )


def test_choosing_a_branch_narrows_the_managers_to_its_staff(browser, live_server, sign_in, org):
    sign_in("headoffice")
    browser.get(f"{live_server.url}/customers/")
    assert offered_groups(browser) == ["0101 杭州营业部", "0202 上海营业部"]
    manager = Select(browser.find_element(By.ID, "id_manager"))
    manager.select_by_visible_text(f"BROKER {org.broker.name}")

    Select(browser.find_element(By.ID, "id_branch")).select_by_visible_text("0202 上海营业部")
    assert offered_groups(browser) == ["0202 上海营业部"]
    assert manager.first_selected_option.get_attribute("value") == ""  # 0101's broker cleared

    Select(browser.find_element(By.ID, "id_branch")).select_by_index(0)  # any branch again
    assert offered_groups(browser) == ["0101 杭州营业部", "0202 上海营业部"]
