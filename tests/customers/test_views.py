import pytest

pytestmark = pytest.mark.django_db


def test_it_lists_only_the_brokers_own_customers(client, org):
    client.force_login(org.broker.user)
    response = client.get("/customers/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "A0001" in body
    assert "A0002" not in body
    assert "B0001" not in body


def test_it_filters_the_list_by_customer_number_prefix(client, org):
    client.force_login(org.branch_manager.user)
    body = client.get("/customers/", {"q": "A000"}).content.decode()
    assert "A0004" in body and "B0001" not in body
    body = client.get("/customers/", {"q": "A0004"}).content.decode()
    assert "A0004" in body and "A0001" not in body


def test_it_shows_the_workbench_with_the_users_reach(client, org):
    client.force_login(org.branch_manager.user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "every customer of branch 0101" in response.content.decode()


def test_it_lists_customers_in_a_bounded_number_of_queries(
    client, org, django_assert_max_num_queries
):
    client.force_login(org.head_office.user)
    # One of them the custom fields' definitions (their filters and columns), one the
    # segments the segment filters offer (customers/filters/extensions.py).
    with django_assert_max_num_queries(10):
        assert client.get("/customers/").status_code == 200
