"""The quick search in the top bar of every page (issue 12, point 9): customer number,
name or mobile; one match in the user's scope opens the 360 page, several open the list."""

import pytest

from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def quick(client, user, term: str):
    client.force_login(user)
    return client.get("/customers/", {"q": term, "open": "1"}, **EN)


@pytest.mark.parametrize("page", ["/", "/customers/tasks/", "/customers/service-requests/"])
def test_every_page_has_the_quick_search_in_its_top_bar(client, org, page):
    client.force_login(org.broker.user)
    body = client.get(page, **EN).content.decode()
    top_bar = body[body.index('<header class="topbar">') : body.index("</header>")]
    assert 'class="quicksearch" action="/customers/"' in top_bar
    assert 'name="q"' in top_bar and 'name="open" value="1"' in top_bar


def test_one_match_opens_the_customers_360_page(client, org):
    response = quick(client, org.broker.user, org.broker_customer.cust_no)
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{org.broker_customer.cust_no}/"


def test_one_match_by_the_whole_mobile_opens_it_too(client, org):
    customer = CustomerFactory(branch=org.broker.branch, manager=org.broker, mobile="13912345678")
    response = quick(client, org.broker.user, "13912345678")
    assert response["Location"] == f"/customers/{customer.cust_no}/"


def test_several_matches_open_the_list(client, org):
    for _ in range(2):
        CustomerFactory(branch=org.broker.branch, manager=org.broker, name="宏和投资")
    response = quick(client, org.broker.user, "宏和")
    assert response.status_code == 200
    assert response.content.decode().count("宏和投资") >= 2


def test_a_customer_out_of_scope_is_not_opened_nor_shown(client, org):
    outsider = org.other_customer
    response = quick(client, org.broker.user, outsider.cust_no)
    assert response.status_code == 200
    body = response.content.decode()
    assert outsider.name not in body and "No customers match these filters." in body


def test_no_match_says_so_on_the_list(client, org):
    response = quick(client, org.broker.user, "ZZZ-nobody")
    assert response.status_code == 200
    assert "No customers match these filters." in response.content.decode()
