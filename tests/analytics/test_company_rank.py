"""The customer's rank by this year's contribution in the whole company, kept by the nightly
metrics (analytics_customeryear, one INSERT ... SELECT with RANK()) and shown on the 360 page
to head office only. Runs on SQLite and PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from analytics.models import CustomerDay, CustomerYear
from analytics.selectors import contribution_for_customer
from customers.models import CustomerFigures

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 3, 31)


def brought(customer, day: datetime.date, amount: str) -> None:
    """A day of the customer's metrics whose whole contribution is net commission."""
    CustomerDay.objects.create(
        customer=customer,
        branch_id=customer.branch_id,
        manager_id=customer.manager_id,
        business_date=day,
        net_commission=Decimal(amount),
        contribution=Decimal(amount),
    )


def months_computed(*months: str) -> None:
    for month in months:
        call_command("compute_metrics", month=datetime.date.fromisoformat(month))


@pytest.fixture
def year(org):
    """2026 to March: branch B 1,000.00; branch A 500.00, 300.30 and 300.30 (a tie, one of
    them summed over two months: 100.10 + 200.20, which SQLite sums as floats), 50.00 (80.00
    then -30.00); a customer who contributed only in 2025. Each month through the metrics
    step, as the nightly pipeline and `compute_metrics --month` compute it."""
    brought(org.other_customer, datetime.date(2026, 3, 2), "1000.00")
    brought(org.teammate_customer, datetime.date(2026, 2, 2), "500.00")
    brought(org.broker_customer, datetime.date(2026, 1, 5), "100.10")
    brought(org.broker_customer, datetime.date(2026, 3, 2), "200.20")
    brought(org.lead_customer, datetime.date(2026, 2, 2), "300.30")
    brought(org.manager_customer, datetime.date(2026, 1, 5), "80.00")
    brought(org.manager_customer, datetime.date(2026, 3, 2), "-30.00")
    brought(org.unserved_customer, datetime.date(2025, 12, 1), "9999.00")
    months_computed("2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01")
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


def company_ranks(year_number: int = 2026) -> dict[str, tuple]:
    return {
        row.customer.cust_no: (row.contribution, row.company_rank, row.company_ranked)
        for row in CustomerYear.objects.filter(year=year_number).select_related("customer")
    }


def test_the_nightly_metrics_rank_every_customer_of_the_company_ties_sharing_a_rank(year):
    assert company_ranks() == {
        "B0001": (Decimal("1000.00"), 1, 5),
        "A0002": (Decimal("500.00"), 2, 5),
        "A0001": (Decimal("300.30"), 3, 5),
        "A0003": (Decimal("300.30"), 3, 5),
        "A0004": (Decimal("50.00"), 5, 5),
    }
    assert company_ranks(2025) == {"A0005": (Decimal("9999.00"), 1, 1)}


def test_computing_a_month_again_replaces_the_years_ranks(year):
    brought(year.manager_customer, datetime.date(2026, 3, 3), "2000.00")
    months_computed("2026-03-01")
    ranks = company_ranks()
    assert ranks["A0004"] == (Decimal("2050.00"), 1, 5)
    assert ranks["B0001"][1:] == (2, 5)
    assert CustomerYear.objects.filter(year=2026).count() == 5


def test_head_office_gets_the_company_rank_and_others_do_not(year):
    panel = contribution_for_customer(
        year.broker_customer, today=AS_OF, viewer=year.head_office.user
    )
    assert (panel["rank"], panel["ranked"]) == (2, 4)
    assert (panel["company_rank"], panel["company_ranked"]) == (3, 5)
    for viewer in (year.branch_manager.user, year.broker.user, None):
        panel = contribution_for_customer(year.broker_customer, today=AS_OF, viewer=viewer)
        assert panel["company_rank"] is None and panel["rank"] == 2


def rank_lines(client, user, cust_no: str) -> str:
    client.force_login(user)
    response = client.get(f"/customers/{cust_no}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    start = body.index("Contribution this year")
    return body[start : body.index("</section>", start)]


def test_the_360_page_shows_head_office_the_rank_in_the_company(client, year):
    lines = rank_lines(client, year.head_office.user, "A0001")
    assert "Rank in the branch" in lines and "2 of 4" in lines
    assert "Rank in the company" in lines and "3 of 5" in lines


def test_the_360_page_keeps_the_company_rank_from_a_branch_manager_and_a_broker(client, year):
    for user in (year.branch_manager.user, year.broker.user):
        lines = rank_lines(client, user, "A0001")
        assert "Rank in the branch" in lines and "2 of 4" in lines
        assert "Rank in the company" not in lines and "of 5" not in lines
