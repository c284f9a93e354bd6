"""XSS in a real browser: text from the counter import and from users, laced with markup,
script breakouts and template syntax, shows as text on every page that shows it.

Imported text (customers, their addresses and e-mails, branch, region, staff, team and
security names, an extra column's header, a rejected row) goes in through the real import;
entered text through the services the forms call (a contact, a service request) and through
the pages' own forms (a contact and a request over htmx, a saved view, a login); the rest (a
task, a request type, an import profile) as an administrator would save it. Each page is
then opened in headless Chromium as a user who may see it.

On every page no payload ran (`window.__xss` stays undefined, no alert opened), no element
or attribute came out of a payload (`data-xss`, a payload's own <script>, a `javascript:`
URL, an `on…` handler that names `__xss`), and where the page shows the field, its text is
there as typed. The element checks still fail when a Content-Security-Policy keeps the
injected script from running.
"""

import datetime
import html
from urllib.parse import quote as url_quote

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from crm.models import Branch, Staff, Team
from crm.services import audit_record
from customers.models import (
    Customer,
    ImportProfile,
    ImportRun,
    Interaction,
    ServiceRequest,
    ServiceRequestType,
    Task,
    TaskKind,
)
from customers.services import counter_day_import
from customers.services.profiles import import_profile_copy
from customers.services.relationship import interaction_log, service_request_open
from products.models import Security
from tests.crm.factories import UserFactory
from tests.customers.counter_files import HEADERS, base_day, csv_text, write_day

from .conftest import visible, wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = "20260302"
MONTH = "2026-03-01"


# -- payloads: each sets window.__xss to its own number, so a failure names its field ------------


def script(n: int) -> str:
    return f"<script>window.__xss={n}</script>"


def attribute(n: int) -> str:
    """Out of a double-quoted attribute (or straight into markup) as an image that fails."""
    return f'"><img src=x data-xss onerror=window.__xss={n}>'


def single_quoted(n: int) -> str:
    """Out of a single-quoted attribute, such as hx-headers='…' or title='…'."""
    return f"'><svg data-xss onload=window.__xss={n}>"


def script_close(n: int) -> str:
    """Out of an inline <script> (JSON chart data, json_script, htmx attributes' JS)."""
    return f"</script><script>window.__xss={n}</script>"


def plotly_label(n: int) -> str:
    """Plotly reads a little HTML in labels and hover text: a link and an image in one."""
    return (
        f'<a href="javascript:window.__xss={n}">p</a><img src=x data-xss onerror=window.__xss={n}>'
    )


TEMPLATE_TEXT = "{{ 7|add:7 }}{% now 'Y' %}"

# Imported through customers.csv, branches.csv, staff.csv, securities.csv.
CUSTOMER_1 = "张三" + script(1) + attribute(1)
CUSTOMER_2 = "李四" + script_close(2) + single_quoted(2)
# Out of <title> (the 360 page's title is the customer's name), as text template syntax.
CUSTOMER_3 = "王五" + TEMPLATE_TEXT + "</title><img src=x data-xss onerror=window.__xss=3>"
ADDRESS = "杭州市" + attribute(4) + script_close(4)
EMAIL = "zs" + attribute(5) + "@example.cn"
BRANCH = "杭州" + attribute(6) + script_close(6)
BRANCH_B = "上海" + plotly_label(31)  # the org fixture's other branch, in the branch chart
REGION = "浙江" + plotly_label(7)
STAFF = "王经理" + attribute(8) + script_close(8)
TEAM = "财富" + script(9) + attribute(9)
SECURITY_1 = "茅台" + attribute(10) + script_close(10)
SECURITY_2 = "平安" + plotly_label(11)
INDUSTRY = "食品" + attribute(12) + single_quoted(12)
EXTRA_HEADER = "备注" + attribute(13)
REJECTED_NAME = "坏行" + script(14) + "<b data-xss>14</b>"
# Entered by people.
PROFILE_NAME = "p" + attribute(15)  # a slug in the admin form; the model takes any text
PROFILE_DESCRIPTION = "柜台" + script_close(16) + single_quoted(16)
CONTACT_CONTENT = "电话" + attribute(17) + script_close(17)
CONTACT_RESULT = script(18) + single_quoted(18)
REQUEST_DESCRIPTION = "开户" + attribute(19) + "</textarea>" + script(19)  # admin: a textarea
TASK_TITLE = script_close(20) + attribute(20)
SAVED_VIEW = "我的" + attribute(21) + single_quoted(21)
REQUEST_TYPE = "投诉" + attribute(22) + script_close(22)
SEARCH = "张" + attribute(23)
HOLDS = script_close(24)
BAD_CHOICE = attribute(25)
SORT = single_quoted(26)
USERNAME = attribute(27) + script_close(27)
PORTAL_CONTACT = "上门" + attribute(28) + script_close(28)
PORTAL_REQUEST = "销户" + single_quoted(29) + script(29)


# -- checks -----------------------------------------------------------------------------------

FIND_INJECTIONS = """
const found = [];
if (window.__xss !== undefined) { found.push("window.__xss = " + window.__xss); }
// A payload's script element stays in the page even when a Content-Security-Policy keeps
// it from running: its text is the payload's own statement.
for (const element of document.querySelectorAll("script")) {
  if (element.textContent.trim().startsWith("window.__xss")) { found.push(element.outerHTML); }
}
for (const element of document.querySelectorAll("*")) {
  for (const attribute of element.attributes) {
    const name = attribute.name.toLowerCase(), value = attribute.value;
    if (name === "data-xss"
        || (name.startsWith("on") && value.includes("__xss"))
        || /^[\\s\\u0000-\\u001f]*javascript:/i.test(value)) {
      found.push(element.outerHTML.slice(0, 200));
      break;
    }
  }
}
return found;
"""

PAGE_TEXT = """
document.querySelectorAll("details").forEach(function (d) { d.open = true; });
return document.body.innerText;
"""


def assert_safe(browser, *texts: str, values: dict[str, str] | None = None) -> None:
    """No payload ran or left an element behind; `texts` read as typed; inputs named in
    `values` hold theirs."""
    try:
        alert = browser.switch_to.alert
        message = alert.text
        alert.dismiss()
        pytest.fail(f"An alert opened on {browser.current_url}: {message}")
    except NoAlertPresentException:
        pass
    wait(browser).until(lambda b: b.execute_script("return document.readyState") == "complete")
    injected = browser.execute_script(FIND_INJECTIONS)
    assert not injected, f"{browser.current_url}: {injected}"
    shown = browser.execute_script(PAGE_TEXT)
    missing = [text for text in texts if text not in shown]
    assert not missing, f"{browser.current_url} does not show as text: {missing}"
    for name, value in (values or {}).items():
        # The top bar's quick search is a `q` too, always empty: the page's own field counts.
        fields = [
            field
            for field in browser.find_elements(By.NAME, name)
            if field.get_attribute("id") != "quick-search"
        ]
        assert fields, f"{browser.current_url} has no field {name}"
        assert fields[0].get_attribute("value") == value, f"{browser.current_url}: {name}"


def assert_fields_show(browser, fields: dict[str, str]) -> None:
    """An admin change page shows each field's text: in its input when it is editable, as
    text when the page is read-only."""
    editable = {
        name: value for name, value in fields.items() if browser.find_elements(By.NAME, name)
    }
    assert_safe(browser, *(v for n, v in fields.items() if n not in editable), values=editable)


def open_page(browser, live_server, path: str, *texts: str, **kwargs) -> None:
    browser.get(f"{live_server.url}{path}")
    assert_safe(browser, *texts, **kwargs)


CHART_TEXT = """
return Array.from(arguments[0].querySelectorAll(".xtick text, .hoverlayer text"))
  .map(function (text) { return text.textContent; });
"""


def hover_every_chart(browser) -> list[str]:
    """Hover each drawn chart's points one after the other (plotly writes hover labels from
    the figure's text, reading a little HTML in it); the tick and hover texts seen."""
    wait(browser).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".js-plotly-plot"))
    texts = []
    for chart in browser.find_elements(By.CSS_SELECTOR, ".js-plotly-plot"):
        points = chart.find_elements(By.CSS_SELECTOR, "g.point path, g.slice path")
        for point in [p for p in points if p.size["width"] and p.size["height"]][:3]:
            ActionChains(browser).move_to_element(point).pause(0.1).perform()
            texts += browser.execute_script(CHART_TEXT, chart)
            assert_safe(browser)
    return texts


# -- the data ---------------------------------------------------------------------------------


def counter_day() -> tuple[dict, dict]:
    """base_day with its texts replaced by payloads, one more customer, an extra column whose
    header is a payload, and one customer row rejected for its open date."""
    rows = base_day()
    rows["branches"] = [["0101", BRANCH, REGION], ["0202", BRANCH_B, ""]]
    # BROKER is the org fixture's broker: the import renames them and moves them to TEAM.
    rows["staff"] = [
        ["BROKER", STAFF, "0101", "broker", TEAM, "active"],
        ["S02", "李经纪", "0101", "broker", "", "active"],
    ]
    rows["securities"] = [
        ["SH", "600519", SECURITY_1, "stock", INDUSTRY],
        ["SZ", "000001", SECURITY_2, "stock", "银行"],
    ]
    first, second = rows["customers"]
    first[1], first[8], first[9], first[12] = CUSTOMER_1, EMAIL, ADDRESS, "BROKER"
    second[1], second[12] = CUSTOMER_2, "BROKER"
    third = [*second]
    third[0], third[1] = "C003", CUSTOMER_3
    rejected = [*second]
    rejected[0], rejected[1], rejected[13] = "C009", REJECTED_NAME, "2026-13-45"
    rows["customers"] = [[*row, "附注"] for row in (first, second, third, rejected)]
    return rows, {"customers": [*HEADERS["customers"], EXTRA_HEADER]}


@pytest.fixture
def book(tmp_path, settings, org):
    """The day imported with a payload-named profile, its metrics computed, and the texts
    people enter: a contact, a service request of a payload type, a task, all of them on
    the broker's customer C001."""
    settings.IMPORT_ROOT = str(tmp_path)
    rows, headers = counter_day()
    canonical = ImportProfile.objects.get(is_default=True)
    profile = import_profile_copy(profile=canonical, name=PROFILE_NAME)
    ImportProfile.objects.filter(pk=profile.pk).update(description=PROFILE_DESCRIPTION)
    run = counter_day_import(
        folder=write_day(tmp_path, DAY, rows, headers=headers), profile=profile
    )
    assert run.rows_rejected == 1, run.error
    call_command("compute_metrics")

    customer = Customer.objects.get(cust_no="C001")
    broker = Staff.objects.get(staff_code="BROKER")
    assert (customer.manager, broker.name, broker.team.name) == (broker, STAFF, TEAM)
    request_type = ServiceRequestType.objects.create(code="xss", name=REQUEST_TYPE, sla_hours=24)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    interaction_log(
        customer=customer,
        staff=broker,
        channel="phone",
        direction="out",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        content=CONTACT_CONTENT,
        result=CONTACT_RESULT,
        follow_up_on=tomorrow,
    )
    service_request_open(
        customer=customer,
        request_type=request_type,
        description=REQUEST_DESCRIPTION,
        assignee=broker,
        opened_by=broker.user,
    )
    Task.objects.create(
        customer=customer, assignee=broker, kind=TaskKind.OTHER, title=TASK_TITLE, due_on=tomorrow
    )
    org.head_office.user.user_permissions.add(Permission.objects.get(codename="reveal_pii"))
    UserFactory(username="root", is_superuser=True, is_staff=True)
    org.run, org.profile, org.request_type = run, profile, request_type
    return org


# -- the pages --------------------------------------------------------------------------------


def test_the_login_page_echoes_a_username_and_refuses_a_javascript_next(browser, live_server):
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/accounts/login/?next=javascript:window.__xss=30//")
    assert_safe(browser)
    browser.find_element(By.NAME, "username").send_keys(USERNAME)
    browser.find_element(By.NAME, "password").send_keys("wrong")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    wait(browser).until(visible((By.CSS_SELECTOR, "p.error")))
    assert_safe(browser, values={"username": USERNAME})


def test_a_broker_sees_imported_and_entered_text_as_text(browser, live_server, sign_in, book):
    sign_in("broker")
    assert_safe(browser, STAFF)  # the workbench, with the signed-in broker's imported name
    # The follow-up task the contact put on the workbench repeats its first words.
    tasks_title = Task.objects.get(kind=TaskKind.FOLLOW_UP).title
    assert CONTACT_CONTENT in tasks_title
    open_page(browser, live_server, "/", CUSTOMER_1, TASK_TITLE, tasks_title, REQUEST_TYPE)

    # The broker's own branch is no column of their list (the 360 page shows it).
    open_page(browser, live_server, "/customers/", CUSTOMER_1, CUSTOMER_2, CUSTOMER_3)
    echoed = (
        f"/customers/?q={quote(SEARCH)}&holds={quote(HOLDS)}&status={quote(BAD_CHOICE)}"
        f"&sort={quote(SORT)}"
    )
    open_page(browser, live_server, echoed, BAD_CHOICE, values={"q": SEARCH, "holds": HOLDS})
    open_page(browser, live_server, "/customers/?holds=600519", CUSTOMER_1)

    # A saved view, named through the list's own form: the message and the menu show it.
    browser.execute_script("document.querySelector('details.save-view').open = true")
    form = browser.find_element(By.CSS_SELECTOR, "form.save-view-form")
    form.find_element(By.NAME, "name").send_keys(SAVED_VIEW)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(visible((By.CSS_SELECTOR, ".messages")))
    assert_safe(browser, f"Saved the view “{SAVED_VIEW}”.", SAVED_VIEW)

    open_page(
        browser,
        live_server,
        "/customers/C001/",
        CUSTOMER_1,
        BRANCH,
        STAFF,
        SECURITY_1,
        CONTACT_CONTENT,
        CONTACT_RESULT,
        REQUEST_DESCRIPTION,
        REQUEST_TYPE,
        TASK_TITLE,
        tasks_title,
    )
    # The 360 page's htmx forms: what they send back is swapped into the page.
    panel = browser.find_element(By.ID, "interactions-panel")
    panel.find_element(By.NAME, "content").send_keys(PORTAL_CONTACT)
    panel.find_element(By.NAME, "result").send_keys(PORTAL_CONTACT)
    panel.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda b: Interaction.objects.filter(content=PORTAL_CONTACT).exists())
    wait(browser).until(
        lambda b: PORTAL_CONTACT in b.find_element(By.CSS_SELECTOR, "#interactions-panel").text
    )
    assert_safe(browser, PORTAL_CONTACT)

    panel = browser.find_element(By.ID, "service-requests-panel")
    browser.execute_script("arguments[0].querySelector('details').open = true", panel)
    Select(panel.find_element(By.NAME, "request_type")).select_by_value(str(book.request_type.pk))
    Select(panel.find_element(By.NAME, "assignee")).select_by_value(
        str(Staff.objects.get(staff_code="BROKER").pk)
    )
    panel.find_element(By.NAME, "description").send_keys(PORTAL_REQUEST)
    panel.find_element(By.CSS_SELECTOR, "details.panel-form button[type=submit]").click()
    wait(browser).until(
        lambda b: PORTAL_REQUEST in b.find_element(By.ID, "service-requests-panel").text
    )
    assert ServiceRequest.objects.filter(description=PORTAL_REQUEST).exists()
    assert_safe(browser, PORTAL_REQUEST)
    open_page(browser, live_server, "/customers/C001/", PORTAL_CONTACT, PORTAL_REQUEST)

    open_page(browser, live_server, "/customers/C002/", CUSTOMER_2, SECURITY_2)
    open_page(browser, live_server, "/customers/C003/", CUSTOMER_3)
    assert browser.title.startswith(f"{CUSTOMER_3} · C003")
    open_page(
        browser,
        live_server,
        f"/customers/tasks/?status={quote(BAD_CHOICE)}&kind={quote(HOLDS)}",
    )
    open_page(browser, live_server, "/customers/tasks/", TASK_TITLE, tasks_title, CUSTOMER_1)
    open_page(
        browser,
        live_server,
        "/customers/service-requests/",
        REQUEST_DESCRIPTION[:50],  # the list shows the first 60 characters
        REQUEST_TYPE,
        CUSTOMER_1,
        STAFF,
    )
    open_page(browser, live_server, f"/customers/service-requests/?status={quote(BAD_CHOICE)}")


def test_head_office_sees_personal_data_dashboards_and_imports_as_text(
    browser, live_server, sign_in, book
):
    sign_in("headoffice")
    open_page(browser, live_server, "/customers/", CUSTOMER_1, BRANCH, STAFF)
    open_page(browser, live_server, f"/customers/?industry={quote(INDUSTRY)}", CUSTOMER_1)
    options = [o.text for o in Select(browser.find_element(By.NAME, "industry")).options]
    assert INDUSTRY in options
    # The manager picker lists the staff it finds, with their branch, as text.
    browser.find_element(By.CSS_SELECTOR, "input.staff-picker").send_keys("王经理")
    wait(browser).until(visible((By.CSS_SELECTOR, ".staff-picker-results li")))
    assert_safe(browser, STAFF, f"0101 {BRANCH}")

    # The personal data panel is swapped in by htmx when revealed.
    open_page(browser, live_server, "/customers/C001/", CUSTOMER_1)
    browser.find_element(By.CSS_SELECTOR, "#pii button[type=submit]").click()
    wait(browser).until(lambda b: not b.find_elements(By.CSS_SELECTOR, "#pii form"))
    assert_safe(browser, ADDRESS, EMAIL)

    open_page(browser, live_server, "/dashboards/", REGION, STAFF, BRANCH)
    charts = hover_every_chart(browser)
    assert f"0101 {BRANCH}" in charts  # on its axis and in its hover label
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('.xtick text'))"
        ".map(function (t) { return t.getAttribute('data-unformatted'); })"
    )
    # The figure holds the name as entities (crm.charts.chart_text), so plotly shows
    # it as text and makes no link of it.
    assert html.escape(f"0202 {BRANCH_B}", quote=False) in labels
    assert not browser.find_elements(By.CSS_SELECTOR, ".xtick a, .hoverlayer a")
    open_page(browser, live_server, f"/dashboards/?start={quote(BAD_CHOICE)}&end={quote(HOLDS)}")
    for drill in (
        f"?month={MONTH}&top=100",
        "?day=2026-03-02&figure=inflow",
        "?day=2026-03-02&figure=revenue",
        f"?month={MONTH}&since={MONTH}&channel=mobile",
    ):
        open_page(browser, live_server, f"/dashboards/customers/{drill}", CUSTOMER_1, BRANCH)
    branch = Branch.objects.get(code="0101")
    open_page(browser, live_server, f"/customers/?branch={branch.pk}", CUSTOMER_1, BRANCH)

    run = book.run
    open_page(browser, live_server, "/customers/imports/", PROFILE_NAME)
    options = [o.text for o in Select(browser.find_element(By.NAME, "profile")).options]
    # The option reads "name — description", the hostile name as text.
    assert any(option.startswith(f"{PROFILE_NAME} — ") for option in options), options
    # Starting an import with it says the profile's name back.
    Select(browser.find_element(By.NAME, "profile")).select_by_value(PROFILE_NAME)
    browser.find_element(By.CSS_SELECTOR, "#import-start button[type=submit]").click()
    wait(browser).until(visible((By.CSS_SELECTOR, ".messages")))
    assert_safe(browser, PROFILE_NAME)
    open_page(browser, live_server, f"/customers/imports/?status={quote(BAD_CHOICE)}")
    open_page(
        browser,
        live_server,
        f"/customers/imports/{run.pk}/",
        PROFILE_NAME,
        EXTRA_HEADER,
        raw_fragment(),
    )
    open_page(browser, live_server, f"/customers/imports/{run.pk}/?file={quote(BAD_CHOICE)}")

    # The rejects "viewer" is a download: it must never be taken for a page.
    download = browser.execute_async_script(
        """const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => r.text().then(body => done({
          type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition"),
          sniff: r.headers.get("x-content-type-options"), body: body})));""",
        f"{live_server.url}/customers/imports/{run.pk}/rejects/customers.csv",
    )
    assert download["type"].startswith("text/csv"), download
    assert download["disposition"].startswith("attachment"), download
    assert download["sniff"] == "nosniff", download
    assert csv_text([], [counter_day()[0]["customers"][-1]]).strip() in download["body"]


def test_a_branch_manager_sees_team_and_broker_names_on_the_dashboard_as_text(
    browser, live_server, sign_in, book
):
    sign_in("branchhead")
    open_page(browser, live_server, "/dashboards/", TEAM, STAFF, BRANCH)
    assert hover_every_chart(browser)
    open_page(browser, live_server, f"/dashboards/customers/?month={MONTH}&top=100", CUSTOMER_1)
    open_page(browser, live_server, "/customers/C002/", CUSTOMER_2, SECURITY_2)


def test_the_admin_shows_imported_and_entered_text_as_text(browser, live_server, sign_in, book):
    sign_in("root")
    customer = Customer.objects.get(cust_no="C001")
    team = Team.objects.get(name=TEAM)
    # An export's audit entry keeps the filters it was asked with.
    audited = audit_record(
        actor=book.broker.user, action="customers.export", details={"filters": {"q": [SEARCH]}}
    )
    pages = [
        ("/admin/customers/customer/", [CUSTOMER_1, CUSTOMER_2, CUSTOMER_3, BRANCH, STAFF]),
        (f"/admin/customers/customer/{customer.pk}/change/", []),
        ("/admin/customers/capitalaccount/", [CUSTOMER_1]),
        ("/admin/crm/branch/", [BRANCH, REGION]),
        (f"/admin/crm/branch/{customer.branch_id}/change/", []),
        ("/admin/crm/team/", [TEAM, BRANCH]),
        (f"/admin/crm/team/{team.pk}/change/", []),
        ("/admin/crm/staff/", [STAFF, TEAM, BRANCH]),
        (f"/admin/crm/staff/{customer.manager_id}/change/", []),
        ("/admin/products/security/", [SECURITY_1, SECURITY_2, INDUSTRY]),
        (f"/admin/products/security/{Security.objects.get(sec_code='600519').pk}/change/", []),
        ("/admin/customers/importprofile/", [PROFILE_NAME, PROFILE_DESCRIPTION]),
        (f"/admin/customers/importprofile/{book.profile.pk}/change/", []),
        ("/admin/customers/importrun/", [PROFILE_NAME]),
        # The file results' inline lists the ignored columns as JSON: the quote is escaped.
        (f"/admin/customers/importrun/{book.run.pk}/change/", [PROFILE_NAME, EXTRA_HEADER[3:]]),
        ("/admin/customers/interaction/", [CUSTOMER_1, CONTACT_RESULT, STAFF]),
        (f"/admin/customers/interaction/{Interaction.objects.get().pk}/change/", []),
        ("/admin/customers/servicerequest/", [CUSTOMER_1, REQUEST_TYPE, STAFF]),
        (f"/admin/customers/servicerequest/{ServiceRequest.objects.get().pk}/change/", []),
        ("/admin/customers/servicerequesttype/", [REQUEST_TYPE]),
        ("/admin/customers/task/", [TASK_TITLE, CUSTOMER_1, STAFF]),
        (f"/admin/customers/task/{Task.objects.get(title=TASK_TITLE).pk}/change/", []),
        ("/admin/crm/auditentry/", []),
        (f"/admin/crm/auditentry/{audited.pk}/change/", []),
    ]
    for path, texts in pages:
        open_page(browser, live_server, path, *texts)
    open_page(
        browser, live_server, f"/admin/customers/customer/?q={quote(SEARCH)}", values={"q": SEARCH}
    )
    values = {
        "/admin/customers/customer/": {"name": CUSTOMER_1},
        "/admin/crm/branch/": {"name": BRANCH, "region": REGION},
        "/admin/crm/team/": {"name": TEAM},
        "/admin/crm/staff/": {"name": STAFF},
        "/admin/products/security/": {"name": SECURITY_1, "industry": INDUSTRY},
        "/admin/customers/importprofile/": {
            "name": PROFILE_NAME,
            "description": PROFILE_DESCRIPTION,
        },
        "/admin/customers/task/": {"title": TASK_TITLE},
    }
    for path, _texts in pages:
        for prefix, fields in values.items():
            if path.startswith(prefix) and path.endswith("/change/"):
                open_page(browser, live_server, path)
                assert_fields_show(browser, fields)
    # Personal data, where the admin masks it, shows in full once revealed.
    open_page(browser, live_server, f"/admin/customers/customer/{customer.pk}/change/")
    reveal = browser.find_elements(By.CSS_SELECTOR, ".object-tools form button[type=submit]")
    if reveal:
        reveal[0].click()
        wait(browser).until(lambda b: "/change/" in b.current_url)
    assert_fields_show(browser, {"address": ADDRESS, "email": EMAIL})
    # Read-only change pages show their texts as text.
    open_page(
        browser,
        live_server,
        f"/admin/customers/interaction/{Interaction.objects.get().pk}/change/",
        CONTACT_CONTENT,
        CONTACT_RESULT,
    )
    sr = ServiceRequest.objects.get()
    open_page(browser, live_server, f"/admin/customers/servicerequest/{sr.pk}/change/", CUSTOMER_1)
    assert browser.find_element(By.NAME, "description").get_attribute("value") == (
        REQUEST_DESCRIPTION
    )

    # The import profile's set-up and dry run read the day folder: its unknown header, its
    # rejected row, both as text.
    for page, submit_texts in (
        ("setup", [EXTRA_HEADER]),
        ("dry-run", [EXTRA_HEADER, raw_fragment()]),
    ):
        open_page(browser, live_server, f"/admin/customers/importprofile/{book.profile.pk}/{page}/")
        Select(browser.find_element(By.NAME, "folder")).select_by_value(DAY)
        browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
        wait(browser).until(lambda b: EXTRA_HEADER in b.execute_script(PAGE_TEXT))
        assert_safe(browser, *submit_texts)
    assert ImportRun.objects.count() == 1


def raw_fragment() -> str:
    return script(14) + "<b data-xss>14</b>"


def quote(text: str) -> str:
    return url_quote(text, safe="")
