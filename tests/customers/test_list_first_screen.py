"""The customer list's first screen (issue 12, point 10; the list half of point 21): the most
used filters in one row and the rest folded, no column that is the same on every row for the
user, a manager picker that searches instead of listing the company's staff, and a table
written without a template per cell."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.utils import timezone

from crm.models import Role
from tests.crm.factories import StaffFactory
from tests.customers.factories import CustomerFactory

from .test_list_filters import DAY, figures

pytestmark = pytest.mark.django_db

LIST = "/customers/"
SEARCH = "/customers/managers/"
FIRST_ROW = ("q", "holds", "assets_min", "no_contact_days")


def get(client, user, url=LIST, **params):
    client.force_login(user)
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def page(client, user, **params) -> str:
    response = get(client, user, **params)
    assert response.status_code == 200
    return response.content.decode()


FIRST_ROW_HTML = re.compile(r'<div class="filters filters-first-row"[^>]*>.*?</div>\s*</div>', re.S)


def first_row(body: str) -> str:
    return FIRST_ROW_HTML.search(body)[0]


def folded(body: str) -> str:
    return re.search(r'<details class="more-filters"[^>]*>.*?</details>', body, re.S)[0]


def header_links(body: str) -> list[str]:
    return re.findall(r"<th [^>]*>\s*<a href=\"\?sort=([a-z_]+)\">", body)


# -- the filters: the most used in one row, the others folded -----------------------------------


def test_it_shows_the_most_used_filters_in_one_row_and_folds_the_others(client, org):
    body = page(client, org.head_office.user)
    row = first_row(body)
    for name in (*FIRST_ROW, "branch", "manager"):
        assert f'id="id_{name}"' in row, name
    more = folded(body)
    assert more.startswith('<details class="more-filters">')  # closed: nothing folded is set
    assert "<summary>More filters</summary>" in more
    for name in ("status", "risk_level", "industry", "age_min", "no_trade_days", "cash_min"):
        assert f'id="id_{name}"' in more and f'id="id_{name}"' not in row, name


@pytest.mark.parametrize("params", [{"status": "0"}, {"industry": "白酒"}, {"age_min": "abc"}])
def test_it_opens_the_folded_filters_when_one_of_them_is_set_or_wrong(client, org, params):
    more = folded(page(client, org.head_office.user, **params))
    assert more.startswith('<details class="more-filters" open>'), params


def test_a_first_row_filter_leaves_the_folded_ones_closed(client, org):
    more = folded(page(client, org.head_office.user, q="A00", assets_min="1"))
    assert more.startswith('<details class="more-filters">')


# -- columns that are the same on every row are left out ---------------------------------------


def test_a_broker_sees_neither_branch_nor_manager(client, org):
    body = page(client, org.broker.user)
    assert ">A0001<" in body
    links = header_links(body)
    assert "branch" not in links and "manager" not in links
    assert "cust_no" in links and "total_assets" in links
    assert 'id="id_branch"' not in body and 'id="id_manager"' not in body
    assert org.branch_a.name not in body  # neither as a cell nor as a filter's option


def test_a_branch_manager_sees_the_manager_but_not_the_branch(client, org):
    body = page(client, org.branch_manager.user)
    links = header_links(body)
    assert "branch" not in links and "manager" in links
    assert 'id="id_branch"' not in body and 'id="id_manager"' in first_row(body)


def test_a_team_lead_sees_the_managers_of_the_team(client, org):
    links = header_links(page(client, org.team_lead.user))
    assert "branch" not in links and "manager" in links


def test_head_office_sees_branch_and_manager(client, org):
    links = header_links(page(client, org.head_office.user))
    assert "branch" in links and "manager" in links


def test_a_broker_serving_a_customer_of_another_branch_sees_the_branch(client, org):
    CustomerFactory(cust_no="B0002", branch=org.branch_b, manager=org.broker)
    body = page(client, org.broker.user)
    links = header_links(body)
    assert "branch" in links and "manager" not in links
    assert org.branch_a.name in body and org.branch_b.name in body


def test_a_filter_left_out_still_filters_and_shows_when_set(client, org):
    body = page(client, org.broker.user, manager=org.broker.pk)
    assert ">A0001<" in body
    more = folded(body)
    assert more.startswith('<details class="more-filters" open>')
    assert 'id="id_manager"' in more


# -- the manager filter scales with the company ------------------------------------------------


def test_head_office_picks_a_manager_by_search_not_from_every_member_of_staff(client, org):
    StaffFactory.create_batch(30, branch=org.branch_b, role=Role.BROKER, name="远方同事")
    body = page(client, org.head_office.user)
    picker = re.search(r'<input type="text" name="manager"[^>]*>', first_row(body))[0]
    assert 'class="staff-picker"' in picker and f'data-search-url="{SEARCH}"' in picker
    assert '<select name="manager"' not in body
    assert "远方同事" not in body  # neither as options nor anywhere else
    assert "js/list-filters" in body


def test_the_picker_shows_the_chosen_manager_and_filters_by_their_id(client, org):
    body = page(client, org.head_office.user, manager=org.broker.pk)
    picker = re.search(r'<input type="text" name="manager"[^>]*>', body)[0]
    assert 'value="BROKER"' in picker
    assert f'data-picked-id="{org.broker.pk}"' in picker
    assert f'data-picked-label="BROKER {org.broker.name}"' in picker
    assert ">A0001<" in body and ">A0002<" not in body


def test_the_picker_shows_the_chosen_manager_even_when_another_filter_is_wrong(client, org):
    body = page(client, org.head_office.user, manager=org.broker.pk, age_min="abc")
    picker = re.search(r'<input type="text" name="manager"[^>]*>', body)[0]
    assert f'data-picked-id="{org.broker.pk}"' in picker and 'value="BROKER"' in picker


def test_without_script_the_picker_takes_a_staff_code(client, org):
    body = page(client, org.head_office.user, manager="TEAMMATE")
    assert ">A0002<" in body and ">A0001<" not in body
    body = page(client, org.head_office.user, manager="NOBODY")
    assert "Select a valid choice" in body and ">A0001<" not in body


def test_a_branch_manager_keeps_a_select_of_the_branchs_staff(client, org):
    body = page(client, org.branch_manager.user)
    select = re.search(r'<select name="manager".*?</select>', body, re.S)[0]
    assert f"BROKER {org.broker.name}" in select and "OUTSIDER" not in select


def test_a_team_lead_with_customers_in_two_branches_chooses_managers_by_branch(client, org):
    CustomerFactory(cust_no="B0002", branch=org.branch_b, manager=org.teammate)
    body = page(client, org.team_lead.user)
    select = re.search(r'<select name="manager".*?</select>', body, re.S)[0]
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == ["0101 杭州营业部", "0202 上海营业部"]  # the script narrows by branch
    branch = re.search(r'<select name="branch".*?</select>', first_row(body), re.S)[0]
    assert sorted(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', branch)) == groups


def search(client, user, **params):
    response = get(client, user, SEARCH, **params)
    return response.status_code, json.loads(response.content)


def test_the_manager_search_finds_staff_by_code_or_name(client, org):
    status, found = search(client, org.head_office.user, q="bro")
    assert status == 200
    assert found["results"] == [
        {"id": org.broker.pk, "label": f"BROKER {org.broker.name}", "branch": "0101 杭州营业部"}
    ]
    assert found["more"] is False
    _status, found = search(client, org.head_office.user, q=org.other_broker.name)
    assert [member["id"] for member in found["results"]] == [org.other_broker.pk]


def test_the_manager_search_narrows_to_the_chosen_branch(client, org):
    _status, found = search(client, org.head_office.user, branch=org.branch_b.pk)
    assert [member["id"] for member in found["results"]] == [org.other_broker.pk]
    _status, everyone = search(client, org.head_office.user)
    assert len(everyone["results"]) == 6


def test_the_manager_search_finds_only_staff_the_user_may_filter_by(client, org):
    _status, found = search(client, org.broker.user, q="OUT")
    assert found["results"] == []
    status, _found = search(client, org.broker.user, branch=org.branch_b.pk)
    assert status == 400  # a branch outside the user's reach


def test_the_manager_search_lists_a_page_and_says_more_follow(client, org):
    StaffFactory.create_batch(25, branch=org.branch_b, role=Role.BROKER)
    _status, found = search(client, org.head_office.user)
    assert len(found["results"]) == 20 and found["more"] is True


@pytest.mark.parametrize("params", [{"q": "a\x00"}, {"q": "x" * 101}, {"branch": "abc"}])
def test_the_manager_search_answers_bad_input_with_a_message(client, org, params):
    status, found = search(client, org.head_office.user, **params)
    assert status == 400 and found["error"]


# -- the table: one template for the page, not one per cell --------------------------------------


def templates_rendered(client, user, **params) -> int:
    response = get(client, user, **params)
    assert response.status_code == 200
    return len(response.templates)


def test_the_page_renders_as_many_templates_for_forty_customers_and_staff_as_for_a_few(client, org):
    contacted = timezone.now() - datetime.timedelta(days=3)
    for customer in (org.broker_customer, org.teammate_customer):
        figures(customer, total="100", last_trade=DAY)
    few = templates_rendered(client, org.head_office.user)
    for number in range(40):
        customer = CustomerFactory(
            branch=org.branch_b, manager=org.other_broker, last_contact_at=contacted
        )
        figures(customer, total=str(number), last_trade=DAY)
    StaffFactory.create_batch(40, branch=org.branch_b, role=Role.BROKER)
    assert templates_rendered(client, org.head_office.user) == few


def test_the_table_escapes_names_and_shows_the_local_day_of_the_last_contact(client, org):
    customer = org.broker_customer
    customer.name = '<b>"张三"</b>'
    # 17:30 UTC on 1 March is 01:30 on 2 March in Asia/Shanghai.
    customer.last_contact_at = datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC)
    customer.save()
    figures(customer, total="1234567.891", cash="0", ratio="0.5", last_trade=DAY)
    body = page(client, org.broker.user)
    row = re.search(r"<tr><td [^>]*><a href=\"/customers/A0001/\">.*?</tr>", body)[0]
    assert "<td >&lt;b&gt;&quot;张三&quot;&lt;/b&gt;</td>" in row
    assert '<td class="num">1,234,567.89</td>' in row and '<td class="num">50.00%</td>' in row
    assert row.count('<td class="nowrap">2026-03-02</td>') == 2  # last trade, last contact
    assert "<td >C3 " in row  # the risk level as the counter's label


def test_a_customer_without_figures_shows_dashes(client, org):
    body = page(client, org.broker.user)
    row = re.search(r"<tr><td [^>]*><a href=\"/customers/A0001/\">.*?</tr>", body)[0]
    assert row.count("<td >—</td>") == 0 and row.count('<td class="num">—</td>') == 3


def test_it_says_when_no_customer_matches(client, org):
    body = page(client, org.broker.user, q="nobody")
    assert "No customers match these filters." in body


# -- names in pinyin order ------------------------------------------------------------------------


def names_in_order(client, user, sort) -> list[str]:
    body = page(client, user, sort=sort)
    return [name for name in re.findall(r"<td >([^<]+)</td>", body) if name in PINYIN_NAMES]


PINYIN_NAMES = ("张三", "李四", "王五", "阿强")


@pytest.fixture
def named(org):
    for number, name in enumerate(PINYIN_NAMES):
        CustomerFactory(cust_no=f"P000{number}", name=name, branch=org.branch_b)
    return org


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ICU collation: PostgreSQL only")
def test_names_sort_in_pinyin_order_on_postgresql(client, named):
    user = named.head_office.user
    assert names_in_order(client, user, "name") == ["阿强", "李四", "王五", "张三"]
    assert names_in_order(client, user, "-name") == ["张三", "王五", "李四", "阿强"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its own order")
def test_names_sort_in_sqlites_own_order_on_sqlite(client, named):
    user = named.head_office.user
    assert names_in_order(client, user, "name") == sorted(PINYIN_NAMES)
    assert names_in_order(client, user, "-name") == sorted(PINYIN_NAMES, reverse=True)
