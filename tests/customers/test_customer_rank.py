"""The customer's rank by this year's contribution, as the 360 page shows it: in their branch
for everybody. Runs on SQLite and PostgreSQL."""

import datetime
from decimal import Decimal

import pytest

from analytics.models import CustomerMonth
from analytics.selectors import contribution_for_customer
from customers.models import CustomerFigures

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 3, 31)
JAN, FEB, MAR = (datetime.date(2026, month, 1) for month in (1, 2, 3))


def contributed(customer, month: datetime.date, amount: str) -> None:
    CustomerMonth.objects.create(
        customer=customer,
        branch_id=customer.branch_id,
        manager_id=customer.manager_id,
        month=month,
        average_assets=0,
        contribution=Decimal(amount),
    )


@pytest.fixture
def contributions(org):
    """Branch A: 500.00, 300.30 and 300.30 (a tie, summed over different months), 50.00, and
    a customer who contributed only last year; branch B: 1,000.00."""
    contributed(org.teammate_customer, FEB, "500.00")
    contributed(org.broker_customer, JAN, "100.10")
    contributed(org.broker_customer, MAR, "200.20")
    contributed(org.lead_customer, FEB, "300.30")
    contributed(org.manager_customer, JAN, "80.00")
    contributed(org.manager_customer, MAR, "-30.00")
    contributed(org.unserved_customer, datetime.date(2025, 12, 1), "9999.00")
    contributed(org.other_customer, MAR, "1000.00")
    # A month after the as-of day is not in this year's figures yet.
    contributed(org.manager_customer, datetime.date(2026, 4, 1), "9999.00")
    CustomerFigures.objects.create(
        customer=org.broker_customer,
        as_of=AS_OF,
        cash=0,
        market_value=0,
        liabilities=0,
        total_assets=0,
        net_assets=0,
    )
    return org


def ranks(customer) -> tuple:
    panel = contribution_for_customer(customer, today=AS_OF)
    return panel["rank"], panel["ranked"]


def test_it_ranks_the_customer_among_the_customers_of_their_branch(contributions):
    org = contributions
    assert ranks(org.teammate_customer) == (1, 4)
    assert ranks(org.broker_customer) == (2, 4)
    assert ranks(org.manager_customer) == (4, 4)
    assert ranks(org.other_customer) == (1, 1)


def test_it_gives_tied_customers_the_same_rank(contributions):
    org = contributions
    assert ranks(org.broker_customer) == ranks(org.lead_customer) == (2, 4)


def test_it_does_not_rank_a_customer_without_contribution_this_year(contributions):
    assert ranks(contributions.unserved_customer) == (None, None)


def rank_lines(client, user, cust_no: str) -> str:
    client.force_login(user)
    response = client.get(f"/customers/{cust_no}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    start = body.index("Contribution this year")
    return body[start : body.index("</section>", start)]


def test_the_360_page_shows_the_broker_the_rank_in_the_branch(client, contributions):
    lines = rank_lines(client, contributions.broker.user, "A0001")
    assert "Rank in the branch" in lines and "2 of 4" in lines


def test_the_360_page_shows_head_office_the_same_rank_in_the_branch(client, contributions):
    lines = rank_lines(client, contributions.head_office.user, "A0001")
    assert "Rank in the branch" in lines and "2 of 4" in lines
