"""The customer list's pages (crm/pagination.py): an exact count while it is cheap, "more
than" beyond, and a page that does not exist says so instead of showing another."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import pagination
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LIST = "/customers/"


@pytest.fixture
def sixty(org):
    """Sixty customers of branch A for its branch manager: 55 made here and the cast's five."""
    CustomerFactory.create_batch(55, branch=org.branch_a)
    return org


def page(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(LIST, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def rows(body: str) -> int:
    return len(re.findall(r'<tr><td [^>]*><a href="/customers/', body))


def test_it_counts_a_list_of_up_to_ten_thousand_customers(client, sixty):
    body = page(client, sixty.branch_manager.user)
    assert "Customers 1\N{EN DASH}50 of 60" in body and rows(body) == 50
    body = page(client, sixty.branch_manager.user, page=2)
    assert "Customers 51\N{EN DASH}60 of 60" in body and rows(body) == 10


def test_it_counts_with_a_limit_and_says_more_than_beyond_it(client, sixty, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_MAX", 30)
    client.force_login(sixty.branch_manager.user)
    with CaptureQueriesContext(connection) as captured:
        body = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Customers 1\N{EN DASH}50 of more than 30" in body and rows(body) == 50
    (count,) = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
    assert "LIMIT 31" in count and "ORDER BY" not in count
    # Beyond the count the pages go on lazily, and the last one knows where the list ends.
    assert 'href="?page=2"' in body
    body = page(client, sixty.branch_manager.user, page=2)
    assert "Customers 51\N{EN DASH}60 of 60" in body and rows(body) == 10


def test_a_page_past_the_end_says_how_many_pages_there_are(client, sixty):
    body = page(client, sixty.branch_manager.user, page=40, status="0", sort="name")
    assert "Page 40 does not exist: the list has 2 pages." in body
    link = re.search(r'<p class="page-problem"[^>]*>.*?</p>', body, re.S)[0]
    assert 'href="?page=2&amp;status=0&amp;sort=name">Go to the last page</a>' in link
    assert rows(body) == 0 and "Customers 1" not in body


def test_a_page_past_the_end_of_a_one_page_list_says_one_page(client, org):
    body = page(client, org.branch_manager.user, page=3)
    assert "Page 3 does not exist: the list has 1 page." in body
    assert 'href="?page=1">Go to the last page</a>' in body


def test_a_page_past_the_end_beyond_the_count_says_the_list_ends_before_it(
    client, sixty, monkeypatch
):
    monkeypatch.setattr(pagination, "COUNT_MAX", 30)
    body = page(client, sixty.branch_manager.user, page=9)
    assert "Page 9 does not exist: the list ends before it." in body
    assert 'href="?page=1">Go to the first page</a>' in body and rows(body) == 0


@pytest.mark.parametrize("number", ["0", "-1", str(2**63), "9" * 30])
def test_a_page_number_no_list_has_is_a_message(client, org, number):
    body = page(client, org.branch_manager.user, page=number)
    assert f"Page {number} does not exist: the list has 1 page." in body
    assert rows(body) == 0


@pytest.mark.parametrize("value", ["abc", "1.5", "x" * 1000, "\x00"])
def test_a_page_that_is_not_a_number_shows_the_first_page_and_says_so(client, sixty, value):
    body = page(client, sixty.branch_manager.user, page=value)
    assert "is not a page number: this is the first page." in body
    assert "Customers 1\N{EN DASH}50 of 60" in body and rows(body) == 50
    if value.startswith("x"):  # the message repeats the start of what was sent
        assert f"“{'x' * 20}…” is not a page number" in body


def test_a_page_size_is_bounded(client, sixty, monkeypatch):
    monkeypatch.setattr(pagination, "MAX_PER_PAGE", 20)
    body = page(client, sixty.branch_manager.user, per_page=1000)
    assert "Customers 1\N{EN DASH}20 of 60" in body and rows(body) == 20
    body = page(client, sixty.branch_manager.user, per_page=1)
    assert "Customers 1\N{EN DASH}1 of 60" in body
    body = page(client, sixty.branch_manager.user, per_page=-5)
    assert "Customers 1\N{EN DASH}1 of 60" in body


def test_the_list_counts_and_pages_in_a_bounded_number_of_queries(
    client, sixty, django_assert_max_num_queries
):
    client.force_login(sixty.branch_manager.user)
    # Session, user, staff, the filters' choices (branches, industries, segments), the
    # count, the page and the saved views.
    with django_assert_max_num_queries(10):
        response = client.get(LIST, {"page": 2})
    assert response.status_code == 200
