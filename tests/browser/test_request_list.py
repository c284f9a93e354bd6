"""The service requests list in a real browser: a branch manager gives a request to the team
lead and resolves it in its row, without a reload and without losing the list's filters; a
resolution left out is said in the row."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from customers.models import ServiceRequest, ServiceRequestStatus, ServiceRequestType
from customers.services.relationship import service_request_open

from .conftest import wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_branch_manager_reassigns_and_resolves_a_request_in_its_row(
    browser, live_server, sign_in, org
):
    request = service_request_open(
        customer=org.broker_customer,
        request_type=ServiceRequestType.objects.order_by("pk").first(),
        description="Change the mobile number",
        assignee=org.broker,
        opened_by=org.broker.user,
    )
    row_id = f"service-request-{request.pk}"

    def row():
        return browser.find_element(By.ID, row_id)

    sign_in("branchhead")
    url = f"{live_server.url}/customers/service-requests/?status=open"
    browser.get(url)
    browser.execute_script("window.notReloaded = true;")

    row().find_element(By.XPATH, ".//button[normalize-space()='Reassign']").click()
    wait(browser).until(lambda b: row().find_elements(By.NAME, "assignee"))
    Select(row().find_element(By.NAME, "assignee")).select_by_value(str(org.team_lead.pk))
    row().find_element(By.XPATH, ".//button[normalize-space()='Assign']").click()
    wait(browser).until(lambda b: not row().find_elements(By.NAME, "assignee"))
    assert org.team_lead.name in row().text

    row().find_element(By.XPATH, ".//button[normalize-space()='Resolve']").click()
    wait(browser).until(lambda b: "Describe how the request was resolved." in row().text)

    row().find_element(By.NAME, "resolution").send_keys("New mobile number recorded")
    row().find_element(By.XPATH, ".//button[normalize-space()='Resolve']").click()
    wait(browser).until(lambda b: row().find_elements(By.CSS_SELECTOR, ".badge.sr-resolved"))

    assert browser.execute_script("return window.notReloaded === true")
    assert browser.current_url == url
    request = ServiceRequest.objects.get(pk=request.pk)
    assert request.assignee == org.team_lead
    assert request.status == ServiceRequestStatus.RESOLVED
    assert request.resolution == "New mobile number recorded"
