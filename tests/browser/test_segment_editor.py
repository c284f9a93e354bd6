"""The segment rule editor in a real browser: head office builds a nested rule (an OR group
inside the AND) without a page reload, watches the live count follow each change, and
saves; the segment keeps the rule and is evaluated."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from customers.models import Customer
from marketing.models import Segment

from .conftest import wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def named(browser, name: str):
    return browser.find_element(By.CSS_SELECTOR, f"[name='{name}']")


def offers(browser, name: str, value: str) -> bool:
    """Whether the select is there (a re-render may be swapping it in) with that option."""
    options = browser.find_elements(By.CSS_SELECTOR, f"select[name='{name}'] option")
    return any(option.get_attribute("value") == value for option in options)


def choose(browser, name: str, value: str):
    """Pick an option of a select the editor re-renders on change; wait for the new one."""
    wait(browser).until(lambda b: offers(b, name, value))
    Select(named(browser, name)).select_by_value(value)
    wait(browser).until(
        lambda b: (
            Select(named(b, name)).first_selected_option.get_attribute("value") == value
            and not b.find_elements(By.CSS_SELECTOR, "#segment-editor.htmx-request")
        )
    )


def click_action(browser, value: str):
    before = len(browser.find_elements(By.CSS_SELECTOR, "#segment-editor [data-path]"))
    browser.find_element(By.CSS_SELECTOR, f"button[value='{value}']").click()
    wait(browser).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#segment-editor [data-path]")) > before
    )


def type_value(browser, name: str, text: str):
    field = named(browser, name)
    field.clear()
    field.send_keys(text)


def counted(browser, expected: int):
    wait(browser).until(
        lambda b: (
            [
                element.get_attribute("data-preview-count")
                for element in b.find_elements(
                    By.CSS_SELECTOR, "#segment-preview [data-preview-count]"
                )
            ]
            == [str(expected)]
        )
    )


def words(browser) -> str:
    return browser.find_element(By.CSS_SELECTOR, "#segment-words").text


def test_head_office_builds_a_nested_rule_watches_the_count_and_saves(
    browser, live_server, sign_in, org
):
    Customer.objects.filter(cust_no="A0001").update(risk_level="C4")
    Customer.objects.filter(cust_no="A0002").update(status="4")
    sign_in("headoffice")
    browser.get(f"{live_server.url}/marketing/segments/new/")
    browser.execute_script("window.notReloaded = true;")
    named(browser, "name").send_keys("杭州的积极型或休眠客户")

    # AND: the branch is 杭州营业部 — its five customers.
    click_action(browser, "add-condition r")
    choose(browser, "rule:r.0:field", "branch")
    choose(browser, "rule:r.0:value", str(org.branch_a.pk))
    counted(browser, 5)
    wait(browser).until(lambda b: "branch = 0101 杭州营业部" in words(b))

    # … and an OR group inside it: risk level C4, or a dormant account.
    click_action(browser, "add-group r")
    choose(browser, "rule:r.1.0:field", "risk_level")
    choose(browser, "rule:r.1.0:value", "C4")
    click_action(browser, "add-condition r.1")
    choose(browser, "rule:r.1.1:field", "status")
    choose(browser, "rule:r.1.1:value", "4")
    counted(browser, 2)
    wait(browser).until(
        lambda b: "any of: (risk level = C4 aggressive; status = Dormant)" in words(b)
    )
    # What was typed before survived every re-render.
    assert named(browser, "rule:r.0:value").get_attribute("value") == str(org.branch_a.pk)
    assert browser.execute_script("return window.notReloaded === true;")

    browser.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    wait(browser).until(lambda b: "/new/" not in b.current_url)
    segment = Segment.objects.get(name="杭州的积极型或休眠客户")
    assert segment.rule["rules"][1]["group"] == "or"
    assert [rule["value"] for rule in segment.rule["rules"][1]["rules"]] == ["C4", "4"]
    members = set(segment.members.values_list("customer__cust_no", flat=True))
    assert members == {"A0001", "A0002"}
