"""The results page, its CSV, the expense form and the comparison table
(marketing/views/results.py), over the viewer's customers."""

import csv
import io
from decimal import Decimal

import pytest

from crm.models import AuditEntry
from marketing.models import CampaignExpense, RecipientGroup
from tests.customers.factories import CustomerFactory
from tests.marketing.test_results import (
    campaign_make,
    fixture_make,
    recipient_make,
)

pytestmark = pytest.mark.django_db
PLAIN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def fixture(org, settings):
    settings.CAMPAIGN_SMS_SEGMENT_COST = "0.05"
    return fixture_make(org, manager_of=lambda n: org.broker if n % 2 == 0 else org.manager)


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_it_shows_the_figures_charts_and_costs_to_head_office(
    client, org, fixture, django_assert_max_num_queries
):
    campaign, _c, _h = fixture
    client.force_login(org.head_office.user)
    with django_assert_max_num_queries(16):
        response = client.get(f"/marketing/campaigns/{campaign.pk}/results/", **PLAIN)
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["results"].reach == 38
    assert "15.0 %" in page  # the lift
    assert "−7.9 % … 37.9 %" in page or "-7.9 % … 37.9 %" in page
    assert page.count('class="plotly-graph-div"') == 3
    assert "500.00" in page  # the total cost
    assert "Record an expense" in page


def test_it_shows_a_broker_their_own_customers_figures_without_the_campaigns_expenses(
    client, org, fixture
):
    campaign, _c, _h = fixture
    client.force_login(org.broker.user)
    response = client.get(f"/marketing/campaigns/{campaign.pk}/results/", **PLAIN)
    assert response.status_code == 200
    results = response.context["results"]
    assert results.contacted.recipients == 20
    assert results.cost.whole is False
    page = response.content.decode()
    assert "396.20" not in page
    assert "Record an expense" not in page


def test_it_is_a_404_for_a_campaign_the_user_does_not_see(client, org, fixture):
    campaign, _c, _h = fixture
    client.force_login(org.other_broker.user)
    assert client.get(f"/marketing/campaigns/{campaign.pk}/results/").status_code == 404
    assert client.get(f"/marketing/campaigns/{campaign.pk}/results.csv").status_code == 404


def test_it_shows_an_empty_state_before_anything_was_sent(client, org):
    campaign = campaign_make(org)
    recipient_make(campaign, CustomerFactory(branch=org.branch_a), RecipientGroup.CONTACT)
    client.force_login(org.head_office.user)
    response = client.get(f"/marketing/campaigns/{campaign.pk}/results/", **PLAIN)
    assert response.status_code == 200
    assert "Nothing has been sent yet" in response.content.decode()
    assert 'class="plotly-graph-div"' not in response.content.decode()


def test_it_exports_the_figures_as_csv_and_audits_it(client, org, fixture):
    campaign, _c, _h = fixture
    client.force_login(org.head_office.user)
    response = client.get(f"/marketing/campaigns/{campaign.pk}/results.csv", **PLAIN)
    assert response.status_code == 200
    rows = {row[0]: row[1:] for row in csv_rows(response)}
    assert rows["Recipients"][:2] == ["40", "10"]
    assert rows["Conversion rate (%)"][:3] == ["25.00", "10.00", "15.00"]
    assert rows["Total cost"][0] == "500.00"
    assert rows["ROI (%)"][0] == "200.00"
    assert AuditEntry.objects.filter(action="campaign.results_export").count() == 1


def test_a_planner_records_an_expense_and_bad_input_is_a_message(client, org, fixture):
    campaign, _c, _h = fixture
    client.force_login(org.head_office.user)
    url = f"/marketing/campaigns/{campaign.pk}/expenses/"
    data = {"kind": "materials", "amount": "120.50", "spent_on": "2026-03-03", "note": "海报"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert CampaignExpense.objects.filter(kind="materials", amount=Decimal("120.50")).exists()
    assert AuditEntry.objects.filter(action="campaign.expense_record").count() == 1
    response = client.post(url, {**data, "amount": "-3"}, follow=True, **PLAIN)
    assert response.status_code == 200
    assert "The expense was not recorded" in response.content.decode()
    assert CampaignExpense.objects.filter(campaign=campaign).count() == 2  # venue + materials


def test_nobody_but_a_planner_records_an_expense(client, org, fixture):
    campaign, _c, _h = fixture
    client.force_login(org.broker.user)
    url = f"/marketing/campaigns/{campaign.pk}/expenses/"
    data = {"kind": "materials", "amount": "120.50", "spent_on": "2026-03-03"}
    assert client.post(url, data).status_code == 404
    assert client.get(url).status_code == 405
    assert CampaignExpense.objects.filter(campaign=campaign).count() == 1


def test_the_comparison_table_lists_each_campaign_in_a_fixed_number_of_queries(
    client, org, fixture, django_assert_max_num_queries
):
    campaign, _c, _h = fixture
    campaign.approved_at = campaign.starts_at
    campaign.save()
    for n in range(5):
        other = campaign_make(org, name=f"其他{n}")
        other.approved_at = other.starts_at
        other.save()
        recipient_make(other, CustomerFactory(branch=org.branch_a), RecipientGroup.CONTACT)
    client.force_login(org.head_office.user)
    with django_assert_max_num_queries(14):
        response = client.get("/marketing/campaigns/compare/", **PLAIN)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 6
    mine = next(row for row in rows if row.campaign.pk == campaign.pk)
    assert mine.results.lift == pytest.approx(0.15)
    assert mine.results.cost.total == Decimal("500.00")
    page = response.content.decode()
    assert "15.0 %" in page and "200.0 %" in page


def test_the_comparison_table_counts_a_brokers_customers_only(client, org, fixture):
    campaign, _c, _h = fixture
    campaign.approved_at = campaign.starts_at
    campaign.save()
    client.force_login(org.broker.user)
    response = client.get("/marketing/campaigns/compare/", **PLAIN)
    (row,) = response.context["rows"]
    assert row.results.reach == 19
    assert row.results.contacted.converted == 5


def test_a_lift_with_both_groups_at_nought_shows_no_interval(client, org, settings):
    settings.CAMPAIGN_SMS_SEGMENT_COST = "0.05"
    campaign = campaign_make(org)
    for n in range(4):
        group = RecipientGroup.HOLDOUT if n == 3 else RecipientGroup.CONTACT
        recipient_make(
            campaign,
            CustomerFactory(branch=org.branch_a),
            group,
            status="delivered" if n < 3 else None,
        )
    client.force_login(org.head_office.user)
    response = client.get(f"/marketing/campaigns/{campaign.pk}/results/", **PLAIN)
    results = response.context["results"]
    assert (results.lift, results.lift_interval) == (0, None)
    page = response.content.decode()
    assert "0.0 %" in page and "95 % confidence interval: —" in page
    export = client.get(f"/marketing/campaigns/{campaign.pk}/results.csv", **PLAIN)
    rows = {row[0]: row for row in csv_rows(export)}
    assert rows["Conversion rate (%)"][4:] == ["", ""]
