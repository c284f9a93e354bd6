"""Where tiers show: the dashboards' distribution and migration matrix (scoped by the
dashboard's branch or team), the drill-down from each cell to its customers (scoped by the
viewer's reach), the customer 360 panel, and the admin's preview before saving."""

import datetime
import re
from decimal import Decimal

import pytest

from analytics.models import BranchDay
from analytics.selectors import dashboard_scope
from marketing.models import Tier, TierRun
from marketing.selectors.tiers import tier_dashboard
from marketing.services.tiers import tier_evaluate_month
from tests.crm.factories import UserFactory
from tests.marketing.tier_data import FEB, JAN, MAR, figures, tiers_make

pytestmark = pytest.mark.django_db
DRILL = "/marketing/tiers/customers/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def migrated(org):
    """February from January's figures, March from February's. In March, branch A: the
    broker's customer stays 金卡 to watch, the manager's stays 金卡, the teammate's rises
    from 财富 to 金卡, the lead's from the floor to 财富, the unserved stays on the floor;
    branch B's customer stays 金卡 to watch."""
    org.tiers = tiers_make()
    january = {
        org.broker_customer: "2000000.00",
        org.manager_customer: "2000000.00",
        org.teammate_customer: "150000.00",
        org.other_customer: "2000000.00",
    }
    february = {
        org.broker_customer: "150000.00",
        org.manager_customer: "2000000.00",
        org.teammate_customer: "1500000.00",
        org.lead_customer: "150000.00",
    }
    for month, assets in ((JAN, january), (FEB, february)):
        for customer, amount in assets.items():
            figures(customer, month, assets=amount)
    tier_evaluate_month(month=FEB)
    tier_evaluate_month(month=MAR)
    for branch in (org.branch_a, org.branch_b):  # the dashboards have metrics to show
        BranchDay.objects.create(business_date=datetime.date(2026, 3, 2), branch=branch)
    return org


def cells(user) -> dict[tuple[str, str], int]:
    board = tier_dashboard(dashboard_scope(user))
    return {
        (row.tier.code if row.tier else "new", after.code): cell.count
        for row in board.matrix
        for after, cell in zip(board.tiers, row.cells, strict=True)
        if cell.count
    }


# -- the dashboards ------------------------------------------------------------------------


def test_the_branch_dashboard_counts_the_migration_of_its_branch(migrated):
    assert cells(migrated.branch_manager.user) == {
        ("gold", "gold"): 2,
        ("wealth", "gold"): 1,
        ("ordinary", "wealth"): 1,
        ("ordinary", "ordinary"): 1,
    }
    board = tier_dashboard(dashboard_scope(migrated.branch_manager.user))
    distribution = {row.tier.code: (row.count, row.to_watch) for row in board.distribution}
    assert distribution == {"gold": (3, 1), "wealth": (1, 0), "ordinary": (1, 0)}
    assert (board.month, board.basis, board.total) == (MAR, FEB, 5)


def test_the_head_office_dashboard_counts_every_branch(migrated):
    assert cells(migrated.head_office.user)[("gold", "gold")] == 3
    board = tier_dashboard(dashboard_scope(migrated.head_office.user))
    assert board.total == 6


def test_the_team_dashboard_counts_the_customers_its_members_serve(migrated):
    assert cells(migrated.team_lead.user) == {
        ("gold", "gold"): 1,
        ("wealth", "gold"): 1,
        ("ordinary", "wealth"): 1,
    }


def test_the_first_month_counts_everybody_as_placed_for_the_first_time(migrated):
    TierRun.objects.filter(month=MAR).delete()  # February is the latest again
    assert cells(migrated.branch_manager.user) == {
        ("new", "gold"): 2,
        ("new", "wealth"): 1,
        ("new", "ordinary"): 2,
    }


def test_the_dashboard_shows_the_matrix_with_a_link_per_cell(client, migrated):
    client.force_login(migrated.branch_manager.user)
    body = client.get("/dashboards/", **EN).content.decode()
    assert "Tiers in 2026-03" in body and "Tier migration" in body
    link = f'href="{DRILL}?month=2026-03-01&amp;from=gold&amp;to=gold">2</a>'
    assert link in body
    assert f'href="{DRILL}?month=2026-03-01&amp;to=gold&amp;watch=1">1</a>' in body


def test_a_dashboard_before_any_evaluation_says_so(client, org):
    BranchDay.objects.create(business_date=datetime.date(2026, 3, 2), branch=org.branch_a)
    client.force_login(org.branch_manager.user)
    assert "No tiers evaluated yet" in client.get("/dashboards/", **EN).content.decode()


def test_the_dashboard_with_tiers_takes_a_bounded_number_of_queries(
    client, migrated, django_assert_max_num_queries
):
    client.force_login(migrated.head_office.user)
    with django_assert_max_num_queries(23):
        assert client.get("/dashboards/").status_code == 200


# -- the drill-down --------------------------------------------------------------------------


def drilled(client, user, **params) -> tuple[int, str]:
    client.force_login(user)
    response = client.get(DRILL, params, **EN)
    return response.status_code, response.content.decode()


def test_a_cell_drills_down_to_its_customers_in_the_branch_managers_branch(client, migrated):
    status, body = drilled(
        client, migrated.branch_manager.user, month="2026-03-01", **{"from": "gold"}, to="gold"
    )
    assert status == 200
    assert "From 金卡 to 金卡 in 2026-03: 2 customers" in body
    assert "A0001" in body and "A0004" in body and "B0001" not in body


def test_head_office_drills_into_every_branch(client, migrated):
    _, body = drilled(
        client, migrated.head_office.user, month="2026-03-01", **{"from": "gold"}, to="gold"
    )
    assert "3 customers" in body and "B0001" in body


def test_a_broker_sees_only_their_own_customers_behind_a_cell(client, migrated):
    _, body = drilled(client, migrated.broker.user, month="2026-03-01", to="gold", watch="1")
    assert "金卡 to watch in 2026-03: 1 customer" in body
    assert "A0001" in body and "B0001" not in body
    _, body = drilled(
        client, migrated.broker.user, month="2026-03-01", **{"from": "wealth"}, to="gold"
    )
    assert ": 0 customers" in body and "A0002" not in body  # the teammate's


def test_the_first_placed_row_drills_down_too(client, migrated):
    _, body = drilled(
        client, migrated.branch_manager.user, month="2026-02-01", **{"from": "new"}, to="gold"
    )
    assert "Placed in 金卡 for the first time in 2026-02: 2 customers" in body


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"month": "2026-03-01", "to": "platinum"},
        {"month": "2026-03-01", "to": "gold", "from": "platinum"},
        {"month": "2026-03-01", "to": "gold", "from": "gold", "watch": "1"},
        {"month": "0001-03-01", "to": "gold"},
    ],
)
def test_a_cell_that_does_not_exist_is_a_404(client, migrated, params):
    client.force_login(migrated.head_office.user)
    assert client.get(DRILL, params).status_code == 404


def test_the_drill_down_takes_a_bounded_number_of_queries(
    client, migrated, django_assert_max_num_queries
):
    client.force_login(migrated.branch_manager.user)
    with django_assert_max_num_queries(10):
        assert client.get(DRILL, {"month": "2026-03-01", "to": "gold"}).status_code == 200


# -- the 360 page ----------------------------------------------------------------------------


def test_the_360_page_shows_the_tier_to_watch_since_when_and_its_history(client, migrated):
    client.force_login(migrated.broker.user)
    body = client.get("/customers/A0001/", **EN).content.decode()
    panel = body[body.index('id="marketing-panel"') :]
    assert "Tier in 2026-03" in panel and "金卡" in panel and "to watch" in panel
    assert re.search(r"Held since</dt><dd>2026-02</dd>", panel)
    assert "Figures of 2026-02 qualify for" in panel and "财富" in panel
    assert "Consecutive months below 金卡: 1 of 3." in panel
    assert panel.count("<tr><td>2026-0") == 2  # March and February
    assert "at least every 30 days" in panel and "overdue" in panel  # never contacted


def test_the_360_page_of_a_customer_without_a_tier_says_so(client, org):
    client.force_login(org.broker.user)
    body = client.get("/customers/A0001/", **EN).content.decode()
    assert "No tier yet" in body


# -- the admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def tier_form(tier: Tier, **changes) -> dict:
    data = {
        "name": tier.name,
        "code": tier.code,
        "rank": tier.rank,
        "active": "on" if tier.active else "",
        "min_average_assets": tier.min_average_assets or "",
        "min_contribution": tier.min_contribution or "",
        "min_turnover": tier.min_turnover or "",
        "combine": tier.combine,
        "downgrade_after_months": tier.downgrade_after_months,
        "contact_every_days": tier.contact_every_days or "",
        "review_every_days": tier.review_every_days or "",
    }
    return {**data, **changes}


def preview_counts(body: str) -> list[tuple[str, str, str]]:
    section = body[body.index('id="tier-preview"') :]
    return re.findall(
        r"<td>\d\. (\S+)(?: \(edited\))?</td><td class=\"tier-would-hold\">(\d+)</td><td>([\d—]+)",
        section,
    )


def test_the_admin_previews_the_customers_per_tier_under_the_edited_thresholds(
    admin_client, migrated
):
    gold = migrated.tiers.gold
    url = f"/admin/marketing/tier/{gold.pk}/change/"
    form = tier_form(gold, min_average_assets="100000.00", _preview="Preview")
    response = admin_client.post(url, form, **EN)
    assert response.status_code == 200
    # On February's figures four customers have 100,000 or more and would be 金卡; in March
    # four hold it (two of them to watch), one 财富 and one the floor.
    assert preview_counts(response.content.decode()) == [
        ("金卡", "4", "4"),
        ("财富", "0", "1"),
        ("普通", "2", "1"),
    ]
    gold.refresh_from_db()
    assert gold.min_average_assets == Decimal("1000000.00")  # nothing saved
    assert 'value="100000.00"' in response.content.decode()  # the form keeps the edit


def test_the_admin_previews_a_tier_not_saved_yet(admin_client, migrated):
    new = Tier(code="diamond", name="钻石", rank=0, combine="any", downgrade_after_months=3)
    form = tier_form(new, min_average_assets="1500000.00", _preview="Preview")
    body = admin_client.post("/admin/marketing/tier/add/", form, **EN).content.decode()
    assert preview_counts(body)[0] == ("钻石", "2", "—")
    assert not Tier.objects.filter(code="diamond").exists()


def test_an_invalid_edit_shows_its_errors_and_no_preview(admin_client, migrated):
    gold = migrated.tiers.gold
    form = tier_form(gold, rank=migrated.tiers.wealth.rank, _preview="Preview")
    body = admin_client.post(f"/admin/marketing/tier/{gold.pk}/change/", form, **EN)
    assert 'id="tier-preview"' not in body.content.decode()
    assert "errornote" in body.content.decode()


def test_saving_still_saves(admin_client, migrated):
    gold = migrated.tiers.gold
    form = tier_form(gold, min_average_assets="900000.00", _save="Save")
    response = admin_client.post(f"/admin/marketing/tier/{gold.pk}/change/", form)
    assert response.status_code == 302
    gold.refresh_from_db()
    assert gold.min_average_assets == Decimal("900000.00")


def test_the_admin_list_shows_how_many_hold_each_tier(admin_client, migrated):
    body = admin_client.get("/admin/marketing/tier/", **EN).content.decode()
    assert re.search(r'<td class="field-holders">4</td>', body)
