"""The 360 page in a real browser stays current without a reload: logging a contact with a
follow-up date puts the follow-up on the tasks panel and moves the header's last contact
(htmx out-of-band swaps); resolving a request from My tasks leaves its row one status."""

import datetime

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from customers.models import ServiceRequest, ServiceRequestStatus, ServiceRequestType, Task
from customers.services.relationship import service_request_open

from .conftest import visible, wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def set_value(browser, element, value: str) -> None:
    # Date inputs take typed keys in the browser's locale order; the value is what is posted.
    browser.execute_script("arguments[0].value = arguments[1];", element, value)


def test_logging_a_contact_updates_the_tasks_panel_and_the_last_contact(
    browser, live_server, sign_in, org
):
    when = (timezone.localtime() - datetime.timedelta(hours=3)).replace(second=0, microsecond=0)
    follow_up = timezone.localdate() + datetime.timedelta(days=2)
    sign_in("broker")
    browser.get(f"{live_server.url}/customers/A0001/")
    wait(browser).until(visible((By.ID, "interactions-panel")))
    assert "No open tasks." in browser.find_element(By.ID, "tasks-panel").text
    assert browser.find_element(By.ID, "last-contact").text == "—"
    browser.execute_script("window.notReloaded = true;")

    panel = browser.find_element(By.ID, "interactions-panel")
    set_value(browser, panel.find_element(By.NAME, "occurred_at"), when.strftime("%Y-%m-%dT%H:%M"))
    set_value(browser, panel.find_element(By.NAME, "follow_up_on"), follow_up.isoformat())
    panel.find_element(By.NAME, "content").send_keys("Discussed the rights issue subscription")
    panel.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    wait(browser).until(
        lambda b: (
            "Follow up: Discussed the rights issue" in b.find_element(By.ID, "tasks-panel").text
        )
    )
    tasks = browser.find_element(By.ID, "tasks-panel").text
    assert follow_up.isoformat() in tasks and "No open tasks." not in tasks
    assert browser.find_element(By.ID, "last-contact").text == when.strftime("%Y-%m-%d %H:%M")
    assert "Discussed the rights issue" in browser.find_element(By.ID, "interactions-panel").text
    assert browser.execute_script("return window.notReloaded === true")
    # Swapped, not duplicated: one of each on the page.
    assert len(browser.find_elements(By.ID, "tasks-panel")) == 1
    assert len(browser.find_elements(By.ID, "last-contact")) == 1
    assert Task.objects.get().due_on == follow_up


def test_resolving_a_request_from_my_tasks_leaves_its_row_one_status(
    browser, live_server, sign_in, org
):
    complaint, _ = ServiceRequestType.objects.get_or_create(
        code="test-complaint", defaults={"name": "投诉", "sla_hours": 48, "is_complaint": True}
    )
    service_request_open(
        customer=org.broker_customer,
        request_type=complaint,
        description="The bank transfer did not arrive",
        assignee=org.broker,
        opened_by=org.broker.user,
    )
    sign_in("broker")
    browser.get(f"{live_server.url}/customers/tasks/")
    browser.execute_script("window.notReloaded = true;")
    (row,) = browser.find_elements(By.CSS_SELECTOR, "table.tasks tbody tr")
    assert "Open" in row.text and "Done" not in row.text

    row.find_element(By.NAME, "resolution").send_keys("The bank re-sent it")
    row.find_element(By.XPATH, ".//button[normalize-space()='Resolve request']").click()
    wait(browser).until(lambda b: row.find_elements(By.CSS_SELECTOR, ".badge.sr-resolved"))

    assert browser.execute_script("return window.notReloaded === true")
    status = row.find_element(By.CSS_SELECTOR, ".task-state").text
    assert status == "Resolved"
    assert "Open" not in row.text and "Done" not in row.text
    stored = ServiceRequest.objects.get()
    assert stored.status == ServiceRequestStatus.RESOLVED
    assert stored.resolution == "The bank re-sent it"
