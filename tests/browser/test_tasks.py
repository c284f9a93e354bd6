"""My tasks in a real browser: Cancel asks first, and either button turns the row's actions
into the task's new status without a page reload."""

import datetime

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions

from customers.models import Task, TaskKind, TaskStatus

from .conftest import wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_broker_cancels_one_task_and_completes_another(browser, live_server, sign_in, org):
    due = timezone.localdate() + datetime.timedelta(days=1)
    for title in ("Call back about the rights issue", "Send the fund factsheet"):
        Task.objects.create(
            customer=org.broker_customer,
            assignee=org.broker,
            kind=TaskKind.FOLLOW_UP,
            title=title,
            due_on=due,
        )
    sign_in("broker")
    browser.get(f"{live_server.url}/customers/tasks/")
    browser.execute_script("window.notReloaded = true;")
    first, second = browser.find_elements(By.CSS_SELECTOR, "table.tasks tbody tr")

    first.find_element(By.XPATH, ".//button[normalize-space()='Cancel']").click()
    wait(browser).until(expected_conditions.alert_is_present()).accept()
    wait(browser).until(lambda b: first.find_elements(By.CSS_SELECTOR, ".badge.task-cancelled"))

    second.find_element(By.XPATH, ".//button[normalize-space()='Done']").click()
    wait(browser).until(lambda b: second.find_elements(By.CSS_SELECTOR, ".badge.task-done"))

    assert browser.execute_script("return window.notReloaded === true")
    assert not browser.find_elements(By.CSS_SELECTOR, "table.tasks .task-actions")
    statuses = dict(Task.objects.values_list("title", "status"))
    assert statuses == {
        "Call back about the rights issue": TaskStatus.CANCELLED,
        "Send the fund factsheet": TaskStatus.DONE,
    }
