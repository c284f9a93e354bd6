"""A team lead's dashboard: the branch dashboard narrowed to their team, every figure the sum
of the team members' broker roll-ups (never the branch's, never another team's), with
drill-downs that list only the customers behind the team's figures. Runs on SQLite and
PostgreSQL."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.models import (
    BranchDay,
    BrokerDay,
    BrokerMonth,
    ContributionPareto,
    CustomerDay,
)
from analytics.services import metrics_compute_month
from crm.models import Role, Staff, Team
from customers.models import Interaction, InteractionChannel, Task, TaskKind, TaskStatus
from customers.services import counter_day_import
from tests.crm.factories import StaffFactory, TeamFactory
from tests.customers.counter_files import base_day, write_day
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 20)
EVE = datetime.date(2026, 11, 19)
MONTH = datetime.date(2026, 11, 1)
DRILL = "/dashboards/customers/"

# Per broker: (assets on EVE, on DAY), (inflow on EVE, on DAY), the month's contribution,
# accounts opened on DAY and normal accounts on DAY.
FIGURES = {
    "broker": ((1100, 1000), (-50, 100), 30, 1, 3),
    "teammate": ((2100, 2000), (0, 200), 50, 0, 4),
    "lead": ((4100, 4000), (10, -20), 70, 2, 5),
    # Outside the team: a customer manager of the branch, the second team, branch B.
    "manager": ((900_000, 900_000), (77_000, 77_000), 91_000, 9, 90),
    "broker2": ((800_000, 800_000), (66_000, 66_000), 82_000, 8, 80),
    "outsider": ((700_000, 700_000), (55_000, 55_000), 73_000, 7, 70),
}
MEMBERS = ("broker", "teammate", "lead")


def money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


@pytest.fixture
def team_metrics(org):
    """Broker roll-ups of two days and their month for everyone in FIGURES, a contact and a
    finished task inside and outside the team, and the branch roll-ups the dashboards read
    their loaded range from (the branch's totals, which the team's dashboard must not show)."""
    org.team2 = TeamFactory(branch=org.branch_a, name="财富二组")
    org.lead2 = StaffFactory(
        user__username="lead2", staff_code="LEAD2", role=Role.TEAM_LEAD, branch=org.branch_a,
        team=org.team2, name="二组组长",
    )  # fmt: skip
    org.broker2 = StaffFactory(
        user__username="broker2", staff_code="BROKER2", role=Role.BROKER, branch=org.branch_a,
        team=org.team2, name="二组经纪人",
    )  # fmt: skip
    org.broker2_customer = CustomerFactory(
        cust_no="A0006", branch=org.branch_a, manager=org.broker2
    )
    staff = {s.user.username: s for s in Staff.objects.select_related("user") if s.user}
    for name, (assets, inflow, contribution, opened, normal) in FIGURES.items():
        person = staff[name]
        for index, day in enumerate((EVE, DAY)):
            BrokerDay.objects.create(
                business_date=day,
                manager=person,
                branch_id=person.branch_id,
                customers=1,
                total_assets=assets[index],
                net_inflow=inflow[index],
                contribution=contribution / 2,
                new_accounts=opened if day == DAY else 0,
                accounts_normal=normal,
            )
        BrokerMonth.objects.create(
            month=MONTH,
            manager=person,
            branch_id=person.branch_id,
            customers=1,
            average_assets=assets[1],
            total_assets=assets[1],
            net_inflow=sum(inflow),
            contribution=contribution,
            active_customers=1,
        )
    for day in (EVE, DAY):
        for branch in (org.branch_a, org.branch_b):
            BranchDay.objects.create(business_date=day, branch=branch, total_assets=5_000_000)
    noon = timezone.make_aware(datetime.datetime(2026, 11, 20, 12))
    for person, customer in (
        (org.broker, org.broker_customer),
        (org.broker2, org.broker2_customer),
    ):
        Interaction.objects.create(
            customer=customer,
            staff=person,
            channel=InteractionChannel.PHONE,
            occurred_at=noon,
            content="回访",
        )
    for person, customer in (
        (org.teammate, org.teammate_customer),
        (org.broker2, org.broker2_customer),
    ):
        Task.objects.create(
            assignee=person,
            customer=customer,
            kind=TaskKind.FOLLOW_UP,
            title="回访",
            due_on=DAY,
            status=TaskStatus.DONE,
            done_at=noon,
        )
    org.staff = staff
    return org


def dashboard(client, user, **params):
    client.force_login(user)
    return client.get("/dashboards/", params, HTTP_ACCEPT_LANGUAGE="en")


def team_sum(pick) -> Decimal:
    """The sum over the team's members of the figure `pick` takes from their FIGURES."""
    return money(sum(pick(FIGURES[name]) for name in MEMBERS))


def test_a_team_lead_gets_the_dashboard_of_their_team(client, team_metrics):
    response = dashboard(client, team_metrics.team_lead.user)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Team dashboard: 财富一组" in body
    assert "Team member performance" in body
    assert "Teams this month" not in body and "Trading volume by branch" not in body


def test_the_top_bar_leads_a_team_lead_to_the_dashboard_and_not_a_broker(client, team_metrics):
    client.force_login(team_metrics.team_lead.user)
    assert 'href="/dashboards/"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(team_metrics.broker.user)
    assert 'href="/dashboards/"' not in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_team_figures_are_the_sums_of_its_members_rows(client, team_metrics):
    context = dashboard(client, team_metrics.team_lead.user).context
    series = [
        (row["business_date"], row["total_assets"], row["net_inflow"], row["contribution"])
        for row in context["series"]
    ]
    assert series[0][1] == Decimal("7300.00")  # 1,100 + 2,100 + 4,100: never the branch's
    assert series == [
        (
            EVE,
            team_sum(lambda f: f[0][0]),
            team_sum(lambda f: f[1][0]),
            team_sum(lambda f: f[2] / 2),
        ),
        (
            DAY,
            team_sum(lambda f: f[0][1]),
            team_sum(lambda f: f[1][1]),
            team_sum(lambda f: f[2] / 2),
        ),
    ]
    comparison = {row["name"]: row["now"] for row in context["comparison"]}
    assert comparison["contribution"] == team_sum(lambda f: f[2]) == Decimal("150.00")
    assert comparison["average_assets"] == team_sum(lambda f: f[0][1]) == Decimal("7000.00")
    accounts = context["accounts"]
    assert accounts["opened"] == team_sum(lambda f: f[3]) == 3
    assert accounts["normal"] == team_sum(lambda f: f[4]) == 12
    assert accounts["active"] == 3


def test_the_team_table_lists_its_members_with_their_contacts_and_tasks_done(client, team_metrics):
    org = team_metrics
    table = dashboard(client, org.team_lead.user).context["table"]
    rows = {row["manager_id"]: row for row in table.data}
    members = {org.broker.pk, org.teammate.pk, org.team_lead.pk}
    assert set(rows) == members
    assert {pk: rows[pk]["contribution"] for pk in members} == {
        org.broker.pk: money(30),
        org.teammate.pk: money(50),
        org.team_lead.pk: money(70),
    }
    assert [rows[pk]["contacts"] for pk in (org.broker.pk, org.teammate.pk)] == [1, 0]
    assert [rows[pk]["tasks_done"] for pk in (org.broker.pk, org.teammate.pk)] == [0, 1]


def test_a_team_lead_never_sees_another_teams_or_the_branchs_figures(client, team_metrics):
    org = team_metrics
    body = dashboard(client, org.team_lead.user).content.decode()
    for name in ("二组经纪人", "二组组长", org.manager.name, org.other_broker.name):
        assert name not in body
    assert "5,000,000" not in body and "900,000" not in body and "800,000" not in body
    # The second team's lead sees theirs: broker2's figures, none of the first team's.
    context = dashboard(client, org.lead2.user).context
    assert context["scope"].team_id == org.team2.pk
    assert {row["manager_id"] for row in context["table"].data} == {org.broker2.pk}
    assert [row["total_assets"] for row in context["series"]] == [money(800_000)] * 2


def test_the_team_dashboard_takes_a_bounded_number_of_queries(
    client, team_metrics, django_assert_max_num_queries
):
    client.force_login(team_metrics.team_lead.user)
    # 14 for analytics' figures, 2 for marketing's tiers panel (marketing_tiers).
    with django_assert_max_num_queries(16):
        assert client.get("/dashboards/").status_code == 200


def test_brokers_and_customer_managers_still_get_no_dashboard(client, team_metrics):
    assert dashboard(client, team_metrics.broker.user).status_code == 403
    assert dashboard(client, team_metrics.manager.user).status_code == 403
    client.force_login(team_metrics.broker.user)
    assert client.get(DRILL, {"day": DAY, "figure": "assets"}).status_code == 403


# -- drill-down --------------------------------------------------------------------------------


def day_row(customer, business_date, manager, *, total_assets, revenue="0"):
    """A customer's day as the metrics step writes it; `revenue` is all net commission."""
    CustomerDay.objects.create(
        customer=customer,
        branch_id=customer.branch_id,
        manager=manager,
        business_date=business_date,
        total_assets=Decimal(total_assets),
        net_commission=Decimal(revenue),
        contribution=Decimal(revenue),
    )


@pytest.fixture
def team_days(team_metrics):
    """Customer days behind the figures: the team's three customers (the teammate's one
    served on EVE by the branch's customer manager, so not in the team's figure that day),
    and customers of the branch outside the team, of the second team and of branch B; then
    the month's roll-ups and contribution curves."""
    org = team_metrics
    day_row(org.broker_customer, DAY, org.broker, total_assets="1000", revenue="8")
    day_row(org.teammate_customer, EVE, org.manager, total_assets="2000", revenue="5")
    day_row(org.teammate_customer, DAY, org.teammate, total_assets="2000", revenue="3")
    day_row(org.lead_customer, DAY, org.team_lead, total_assets="4000")
    day_row(org.manager_customer, DAY, org.manager, total_assets="9000", revenue="9")
    day_row(org.broker2_customer, DAY, org.broker2, total_assets="8000", revenue="7")
    day_row(org.other_customer, DAY, org.other_broker, total_assets="7000", revenue="6")
    metrics_compute_month(month=MONTH)
    return org


def listed(response) -> set[str]:
    return set(re.findall(r"\b[AB]000\d\b", response.content.decode()))


def drill(client, user, **params):
    client.force_login(user)
    response = client.get(DRILL, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response


def test_a_drill_down_from_the_team_dashboard_lists_only_the_teams_customers(client, team_days):
    org = team_days
    lead = org.team_lead.user
    assert listed(drill(client, lead, day="2026-11-20", figure="assets")) == {
        "A0001",
        "A0002",
        "A0003",
    }
    # On the eve A0002 was the customer manager's, outside the team's figures.
    assert listed(drill(client, lead, day="2026-11-19", figure="assets")) == set()
    period = {"start": "2026-11-19", "end": "2026-11-20"}
    assert listed(drill(client, lead, figure="revenue", **period)) == {"A0001", "A0002"}
    # The branch manager's drill-down of the same figures holds the whole branch.
    manager = org.branch_manager.user
    assert listed(drill(client, manager, day="2026-11-19", figure="assets")) == {"A0002"}
    assert listed(drill(client, manager, figure="revenue", **period)) == {
        "A0001",
        "A0002",
        "A0004",
        "A0006",
    }


def test_the_team_pareto_and_its_drill_down_hold_the_teams_customers(client, team_days):
    org = team_days
    buckets = ContributionPareto.objects.filter(month=MONTH, scope=-org.team.pk)
    # A0001 (8) and A0002 (5 + 3, a member's at the month's end) contributed in the month.
    assert buckets.count() == 2
    assert buckets.order_by("bucket").last().cumulative_share == Decimal("1.0000")
    top = drill(client, org.team_lead.user, month="2026-11-01", top=100)
    assert listed(top) == {"A0001", "A0002"}
    assert listed(drill(client, org.lead2.user, month="2026-11-01", top=100)) == {"A0006"}


# -- the nightly roll-ups behind it ------------------------------------------------------------


def test_the_nightly_metrics_count_each_brokers_accounts_and_each_teams_pareto(tmp_path, db):
    """base_day's customers C001 (broker S01) and C002 (S02) of branch 0101, both normal."""
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    s01, s02 = Staff.objects.get(staff_code="S01"), Staff.objects.get(staff_code="S02")
    team = Team.objects.create(branch_id=s01.branch_id, name="一组")
    Staff.objects.filter(pk__in=(s01.pk, s02.pk)).update(team=team)
    call_command("compute_metrics")
    day = datetime.date(2026, 3, 2)
    branch = BranchDay.objects.get(business_date=day)
    brokers = BrokerDay.objects.filter(business_date=day)
    assert {b.manager_id: b.accounts_normal for b in brokers} == {s01.pk: 1, s02.pk: 1}
    assert sum(b.accounts_normal for b in brokers) == branch.accounts_normal == 2
    curve = ContributionPareto.objects.filter(month=day.replace(day=1), scope=-team.pk)
    assert curve.count() == 2
    assert curve.order_by("bucket").last().cumulative_share == Decimal("1.0000")
