"""The customer list page, its CSV export and saved views (customers/views/lists.py)."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from crm.models import AuditEntry, Role
from crm.pii import mask_address
from customers.models import SavedView
from tests.crm.factories import StaffFactory, TeamFactory
from tests.customers.factories import CustomerFactory

from .test_list_filters import DAY, account, figures, hold, security

pytestmark = pytest.mark.django_db

LIST = "/customers/"
EXPORT = "/customers/export.csv"


def page(client, user, **params):
    client.force_login(user)
    response = client.get(LIST, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def export(client, user, **params):
    client.force_login(user)
    return client.get(EXPORT, params, HTTP_ACCEPT_LANGUAGE="en")


def rows_of(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, once
    assert content.count(b"\xef\xbb\xbf") == 1
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


# -- the list page ------------------------------------------------------------------------------


def test_it_shows_the_figures_columns_with_a_link_to_the_360_page(client, org):
    figures(org.broker_customer, total="1234567.89", cash="-12.5", ratio="0.8523", last_trade=DAY)
    body = page(client, org.broker.user)
    assert 'href="/customers/A0001/"' in body
    assert "1,234,567.89" in body and "-12.50" in body
    assert "85.23%" in body
    assert "2026-03-02" in body
    assert 'class="num"' in body


def test_it_shows_the_customer_type_as_a_column_and_filters_by_it(client, org):
    org.teammate_customer.cust_type = "1"
    org.teammate_customer.save()
    user = org.branch_manager.user
    body = page(client, user)
    assert '<a href="?sort=cust_type">Customer type</a>' in body
    assert '<label for="id_cust_type">Customer type:</label>' in body
    assert '<option value="1">Institution</option>' in body
    assert "<td >Institution</td>" in body and "<td >Individual</td>" in body
    body = page(client, user, sort="-cust_type")
    assert body.index(">A0002<") < body.index(">A0001<")
    body = page(client, user, cust_type="1")
    assert ">A0002<" in body and ">A0001<" not in body
    assert "<td >Individual</td>" not in body
    client.force_login(user)
    chinese = client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<a href="?sort=cust_type">客户类别</a>' in chinese
    assert '<option value="1">机构</option>' in chinese and "<td >个人</td>" in chinese


def test_it_sorts_by_total_assets_with_customers_without_figures_last(client, org):
    figures(org.broker_customer, total="300")
    figures(org.teammate_customer, total="100")
    figures(org.lead_customer, total="200")
    user = org.branch_manager.user
    order = ["A0001", "A0003", "A0002", "A0004"]  # A0004 and A0005 have no figures
    body = page(client, user, sort="-total_assets")
    assert [body.index(f">{n}<") for n in order] == sorted(body.index(f">{n}<") for n in order)
    body = page(client, user, sort="total_assets")
    order = ["A0002", "A0003", "A0001", "A0004"]
    assert [body.index(f">{n}<") for n in order] == sorted(body.index(f">{n}<") for n in order)


def test_it_filters_the_page(client, org):
    figures(org.teammate_customer, total="900000")
    body = page(client, org.branch_manager.user, assets_min="500000")
    assert ">A0002<" in body and ">A0001<" not in body


def test_it_never_shows_a_broker_another_brokers_customers(client, org):
    for params in ({}, {"q": "B0001"}, {"branch": org.branch_b.pk}, {"q": "A0002"}):
        body = page(client, org.broker.user, **params)
        assert ">A0001<" in body or params
        for cust_no in ("B0001", "A0002"):
            assert f">{cust_no}<" not in body and f"/customers/{cust_no}/" not in body


def test_it_counts_a_short_list(client, org):
    # Counted up to 10,000 rows, "more than" beyond: tests/customers/test_pagination.py.
    CustomerFactory.create_batch(55, branch=org.branch_a)
    body = page(client, org.branch_manager.user)
    assert "Customers 1\N{EN DASH}50 of 60" in body
    body = page(client, org.branch_manager.user, page=2)
    assert "Customers 51\N{EN DASH}60 of 60" in body


def test_it_links_the_export_and_the_save_form_to_the_current_filters(client, org):
    body = page(client, org.branch_manager.user, q="A00", status="", page=1, sort="name")
    assert 'href="/customers/export.csv?q=A00&amp;sort=name"' in body
    assert 'name="query" value="q=A00&amp;sort=name"' in body
    assert 'action="/customers/views/save/"' in body


def test_it_lists_a_few_dozen_customers_in_a_bounded_number_of_queries(
    client, org, django_assert_max_num_queries
):
    moutai = security("600519", "贵州茅台", "白酒")
    for number in range(40):
        customer = CustomerFactory(branch=org.branch_a, manager=org.broker)
        figures(customer, total=str(1000 * number), cash="10", ratio="0.5", last_trade=DAY)
        hold(account(customer), moutai, "100", "150000")
    SavedView.objects.create(owner=org.broker.user, name="Mine", query="q=C")
    client.force_login(org.broker.user)
    filters = {
        "holds": "600519",
        "holds_quantity": "10",
        "industry": "白酒",
        "assets_min": "1",
        "branch": org.branch_a.pk,
        "manager": org.broker.pk,
        "cust_type": "0",
        "no_contact_days": "30",
        "sort": "-total_assets",
    }
    # Session, user, staff, whether the broker serves across branches, the filters' choices
    # (the branch and manager set are folded in and drawn), the custom fields' definitions,
    # the segments the segment filters offer, the latest business day, the bounded count,
    # the page and the saved views: a fixed number, whatever the rows.
    with django_assert_max_num_queries(15):
        response = client.get(LIST, filters)
    assert response.status_code == 200
    assert response.content.decode().count('href="/customers/C') == 39  # total 0 is not ≥ 1


# -- export -------------------------------------------------------------------------------------


@pytest.fixture
def pii(org):
    org.broker_customer.id_no = "330106199001011234"
    org.broker_customer.mobile = "13812345678"
    org.broker_customer.address = "浙江省杭州市西湖区文三路100号"
    org.broker_customer.save()
    return org


def test_it_exports_the_filtered_list_with_personal_data_masked(client, pii):
    figures(pii.broker_customer, total="1234567.89", cash="-12.50", ratio="0.8523")
    rows = rows_of(export(client, pii.broker.user))
    header, row = rows
    assert header[:2] == ["Customer number", "Name"]
    assert "ID number" in header and "Mobile" in header and "Address" in header
    record = dict(zip(header, row, strict=True))
    assert record["Customer number"] == "A0001"
    assert record["ID number"] == "3301**********1234"
    assert record["Mobile"] == "138****5678"
    assert record["Address"] == mask_address(pii.broker_customer.address)
    assert "文三路" not in record["Address"]
    assert record["Total assets"] == "1234567.89"
    assert record["Cash"] == "-12.50"  # a negative number stays a number


def test_it_exports_the_customer_type_in_the_requests_language(client, org):
    org.broker_customer.cust_type = "1"
    org.broker_customer.save()
    header, *rows = rows_of(export(client, org.branch_manager.user, q="A000"))
    assert header[:3] == ["Customer number", "Name", "Customer type"]
    types = {row[0]: row[2] for row in rows}
    assert types == {
        "A0001": "Institution",
        "A0002": "Individual",
        "A0003": "Individual",
        "A0004": "Individual",
        "A0005": "Individual",
    }
    rows = rows_of(export(client, org.branch_manager.user, cust_type="1"))
    assert [row[0] for row in rows[1:]] == ["A0001"]
    assert AuditEntry.objects.filter(action="customers.export").latest("pk").details["filters"] == {
        "cust_type": "1"
    }
    response = client.get(EXPORT, {"q": "A0001"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    header, row = rows_of(response)
    assert header[2] == "客户类别" and row[2] == "机构"


def test_it_reveals_personal_data_in_the_export_only_with_the_permission(client, pii):
    pii.broker.user.user_permissions.add(Permission.objects.get(codename="reveal_pii"))
    header, row = rows_of(export(client, pii.broker.user))
    record = dict(zip(header, row, strict=True))
    assert record["ID number"] == "330106199001011234"
    assert record["Mobile"] == "13812345678"
    assert record["Address"] == "浙江省杭州市西湖区文三路100号"
    assert AuditEntry.objects.get(action="customers.export").details["revealed"] is True


def test_it_neutralises_formulas_in_every_exported_cell(client, org):
    org.broker_customer.name = '=HYPERLINK("http://evil.example","点我")'
    org.broker_customer.address = "@SUM(1+1)"
    org.broker_customer.save()
    org.broker.user.user_permissions.add(Permission.objects.get(codename="reveal_pii"))
    header, row = rows_of(export(client, org.broker.user))
    record = dict(zip(header, row, strict=True))
    assert record["Name"] == '\'=HYPERLINK("http://evil.example","点我")'
    assert record["Address"] == "'@SUM(1+1)"


def test_it_audits_the_export_with_its_filters_and_row_count(client, org):
    response = export(client, org.branch_manager.user, q="A000", status="0", page="2", sort="name")
    assert len(rows_of(response)) == 1 + 5
    entry = AuditEntry.objects.get(action="customers.export")
    assert entry.actor == org.branch_manager.user
    assert entry.details == {
        "filters": {"q": "A000", "status": "0", "sort": "name"},
        "rows": 5,
        "revealed": False,
    }


def test_it_exports_only_the_users_own_customers(client, org):
    rows = rows_of(export(client, org.broker.user))
    assert [row[0] for row in rows[1:]] == ["A0001"]
    rows = rows_of(export(client, org.broker.user, q="B0001"))
    assert rows[1:] == []
    assert AuditEntry.objects.filter(action="customers.export").count() == 2
    assert export(client, org.broker.user, branch=org.branch_b.pk).status_code == 400
    rows = rows_of(export(client, org.other_broker.user))
    assert [row[0] for row in rows[1:]] == ["B0001"]


def test_it_refuses_an_export_over_the_maximum(client, org, settings):
    settings.CUSTOMER_EXPORT_MAX_ROWS = 4
    response = export(client, org.branch_manager.user)
    assert response.status_code == 400
    assert "more than 4 customers" in response.content.decode()
    assert not AuditEntry.objects.filter(action="customers.export").exists()
    response = export(client, org.branch_manager.user, q="A000", status="0", manager="")
    assert response.status_code == 400  # still five
    assert export(client, org.branch_manager.user, q="A0001").status_code == 200


# -- saved views --------------------------------------------------------------------------------


@pytest.fixture
def views(org):
    """Saved views of the broker, a teammate, and a broker of another team of the branch."""
    other_team = TeamFactory(branch=org.branch_a, name="财富二组")
    stranger = StaffFactory(
        user__username="stranger", role=Role.BROKER, branch=org.branch_a, team=other_team
    )
    org.own = SavedView.objects.create(owner=org.broker.user, name="My big ones", query="q=A")
    org.shared = SavedView.objects.create(
        owner=org.teammate.user,
        name="Team dormant",
        query="no_trade_days=90",
        shared_with_team=True,
    )
    org.private = SavedView.objects.create(
        owner=org.teammate.user, name="Teammate private", query="q=B"
    )
    org.foreign = SavedView.objects.create(
        owner=stranger.user, name="Other team shared", query="q=C", shared_with_team=True
    )
    return org


def test_it_saves_the_current_filters_as_a_view(client, org):
    client.force_login(org.broker.user)
    response = client.post(
        reverse("customers:saved-view-save"),
        {"name": "Moutai holders", "shared_with_team": "on", "query": "holds=600519&page=3&x=1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/customers/?holds=600519"
    view = SavedView.objects.get(owner=org.broker.user)
    assert (view.name, view.query, view.shared_with_team) == (
        "Moutai holders",
        "holds=600519",
        True,
    )


def test_it_replaces_a_view_saved_again_under_the_same_name(client, org):
    client.force_login(org.broker.user)
    url = reverse("customers:saved-view-save")
    client.post(url, {"name": "Mine", "query": "q=A", "shared_with_team": "on"})
    client.post(url, {"name": "Mine", "query": "q=B"})
    view = SavedView.objects.get(owner=org.broker.user)
    assert (view.query, view.shared_with_team) == ("q=B", False)


def test_it_refuses_a_view_without_a_name(client, org):
    client.force_login(org.broker.user)
    response = client.post(reverse("customers:saved-view-save"), {"name": " ", "query": "q=A"})
    assert response.status_code == 302
    assert not SavedView.objects.exists()
    assert client.get(reverse("customers:saved-view-save")).status_code == 405


def test_it_shows_own_and_team_shared_views_in_the_menu_but_not_others(client, views):
    body = page(client, views.broker.user)
    assert "Saved views" in body
    assert 'href="/customers/?q=A"' in body and "My big ones" in body
    assert 'href="/customers/?no_trade_days=90"' in body and "Team dormant" in body
    assert "Teammate private" not in body
    assert "Other team shared" not in body
    assert reverse("customers:saved-view-delete", args=[views.own.pk]) in body
    assert reverse("customers:saved-view-delete", args=[views.shared.pk]) not in body


def test_it_shows_the_menu_on_every_page(client, views):
    client.force_login(views.broker.user)
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<details class="savedviews">' in body and "My big ones" in body


def test_it_deletes_only_the_users_own_views(client, views):
    client.force_login(views.broker.user)
    response = client.post(reverse("customers:saved-view-delete", args=[views.shared.pk]))
    assert response.status_code == 404
    assert SavedView.objects.filter(pk=views.shared.pk).exists()
    response = client.post(reverse("customers:saved-view-delete", args=[views.own.pk]))
    assert response.status_code == 302
    assert not SavedView.objects.filter(pk=views.own.pk).exists()


def test_it_shows_no_other_views_to_a_user_without_a_team(client, views):
    body = page(client, views.manager.user)
    assert "No saved views yet" in body
    assert "Team dormant" not in body and "Other team shared" not in body


def test_it_streams_the_export_in_batches(client, org, monkeypatch):
    monkeypatch.setattr("customers.views.lists.LINES_PER_WRITE", 2)
    response = export(client, org.branch_manager.user)
    chunks = list(response.streaming_content)
    assert len(chunks) == 3  # header + 5 rows, two lines per write
    content = b"".join(chunks).decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(content))][1:] == [
        "A0001",
        "A0002",
        "A0003",
        "A0004",
        "A0005",
    ]
