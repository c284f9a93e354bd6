"""Search finds what the pages print (issue 12, point 8): any part of a customer's name, a
prefix of the customer number and the full mobile; a holding by its code with or without
the market, or by any part of the security's name. On PostgreSQL the name search is served
by indexes (customers/migrations/0016_search_indexes.py) at every term length that names
have, and the list filters of the embedded default are set-based (point 11)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from customers.models import CapitalAccount, CustomerFigures, DailyPosition
from products.models import Security
from tests.customers.factories import CustomerFactory
from tests.customers.test_list_filters import filtered, make_filterset

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)
LIST = "/customers/"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's indexes and plans"
)


@pytest.fixture
def named(org):
    """An institution and a person in branch A, served by the broker."""
    org.company = CustomerFactory(
        cust_no="A0100",
        name="上海宏和投资管理有限公司",
        cust_type="1",
        mobile="13912345678",
        branch=org.branch_a,
        manager=org.broker,
    )
    org.person = CustomerFactory(
        cust_no="A0101", name="王小明", branch=org.branch_a, manager=org.broker
    )
    org.latin = CustomerFactory(
        cust_no="A0102", name="Wang Etf Holdings", branch=org.branch_a, manager=org.broker
    )
    return org


def listed(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(LIST, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("宏和", ["A0100"]),  # the example: two characters inside the name
        ("投资管理", ["A0100"]),
        ("上海宏和投资管理有限公司", ["A0100"]),
        ("小明", ["A0101"]),
        ("明", ["A0101"]),
        ("etf", ["A0102"]),  # any case
        ("A010", ["A0100", "A0101", "A0102"]),  # the customer number by its prefix
        ("13912345678", ["A0100"]),  # the full mobile
        ("和宏", []),
        ("0100", []),  # the number matches from its start only
        ("12345678", []),  # and the mobile in full only
    ],
)
def test_it_finds_a_customer_by_any_part_of_the_name(named, term, found):
    assert filtered(named.head_office.user, q=term) == found


def test_the_list_page_shows_the_customer_a_part_of_the_name_finds(client, named):
    body = listed(client, named.broker.user, q="宏和")
    assert "上海宏和投资管理有限公司" in body and "A0100" in body
    assert "A0101" not in body


def test_a_part_of_the_name_never_finds_a_customer_outside_the_scope(client, named):
    assert "A0100" not in listed(client, named.other_broker.user, q="宏和")
    assert filtered(named.other_broker.user, q="宏和") == []


def test_a_search_by_name_is_not_audited_as_a_search_by_mobile(client, named):
    from crm.models import AuditEntry

    listed(client, named.broker.user, q="宏和")
    assert not AuditEntry.objects.filter(action="customer.search_pii").exists()


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # On a handful of rows a scan is cheapest: ask whether an index can serve at all. A
        # plain index scan would walk another index in full (the primary key's) and filter,
        # so only bitmap scans, which need a condition their index answers, stay allowed.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    return plan


@on_postgresql
@pytest.mark.parametrize(
    ("term", "index"),
    [
        ("王", "customer_name_grams_idx"),
        ("宏和", "customer_name_grams_idx"),
        ("宏和投资", "customer_name_trgm_idx"),
    ],
)
def test_on_postgresql_a_name_search_is_served_by_an_index(named, term, index):
    filterset = make_filterset(named.head_office.user, q=term)
    assert filterset.is_valid()
    assert index in _plan(filterset.qs.order_by())


@on_postgresql
def test_on_postgresql_a_name_is_indexed_by_its_characters_and_pairs_of_characters():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_name_grams(%s), customer_name_grams(%s)", ["宏和投资", "王"]
        )
        grams, single = cursor.fetchone()
    assert sorted(grams) == sorted(["宏", "和", "投", "资", "宏和", "和投", "投资"])
    assert single == ["王"]


# -- holdings -------------------------------------------------------------------------------


@pytest.fixture
def holders(org):
    """The broker's customer holds 紫金矿业 (SH) and an ETF; the teammate's a Shenzhen stock
    with the same digits as another market's code would have."""
    zijin = Security.objects.create(
        market="SH", sec_code="601899", name="紫金矿业", sec_type="stock", industry="有色金属"
    )
    etf = Security.objects.create(
        market="SH", sec_code="510300", name="沪深300ETF", sec_type="fund"
    )
    twin = Security.objects.create(
        market="SZ", sec_code="601899", name="测试同码", sec_type="stock", industry="银行"
    )
    for customer, security in (
        (org.broker_customer, zijin),
        (org.broker_customer, etf),
        (org.teammate_customer, twin),
    ):
        account, _ = CapitalAccount.objects.get_or_create(
            fund_account=f"F{customer.cust_no}",
            defaults={
                "customer": customer,
                "account_kind": "normal",
                "open_date": customer.open_date,
                "status": "0",
            },
        )
        DailyPosition.objects.create(
            business_date=DAY,
            account=account,
            security=security,
            quantity=Decimal("1000"),
            market_value=Decimal("15000"),
        )
        CustomerFigures.objects.get_or_create(
            customer=customer,
            defaults={
                "as_of": DAY,
                "cash": 0,
                "market_value": 0,
                "liabilities": 0,
                "total_assets": 0,
                "net_assets": 0,
            },
        )
    return org


@pytest.mark.parametrize(
    ("holds", "found"),
    [
        ("601899", ["A0001", "A0002"]),  # the code on every market
        ("601899.SH", ["A0001"]),
        ("601899.sh", ["A0001"]),
        ("SH601899", ["A0001"]),
        ("sh601899", ["A0001"]),
        ("SZ601899", ["A0002"]),
        ("601899.SZ", ["A0002"]),
        (" 601899.SH ", ["A0001"]),
        ("601899.BJ", []),
        ("矿业", ["A0001"]),  # any part of the name
        ("紫金矿业", ["A0001"]),
        ("ETF", ["A0001"]),
        ("etf", ["A0001"]),
        ("300", ["A0001"]),  # not a code: a part of 沪深300ETF
        ("60189", []),  # a code is matched whole
        ("SH601899.SH", []),
    ],
)
def test_it_finds_holders_by_code_with_or_without_market_or_part_of_the_name(holders, holds, found):
    assert filtered(holders.head_office.user, holds=holds) == found


def test_the_list_page_finds_holders_by_code_and_market(client, holders):
    assert "A0001" in listed(client, holders.broker.user, holds="SH601899")
    assert "A0001" in listed(client, holders.broker.user, holds="矿业")
    assert "A0001" not in listed(client, holders.broker.user, holds="601899.SZ")


def test_a_minimum_quantity_applies_to_each_security_a_name_part_finds(holders):
    user = holders.head_office.user
    assert filtered(user, holds="601899", holds_quantity=1000) == ["A0001", "A0002"]
    assert filtered(user, holds="601899", holds_quantity=1001) == []
    assert filtered(user, holds="矿业", holds_value=15000) == ["A0001"]


def test_the_industry_filter_finds_holders_of_any_security_of_it(holders):
    user = holders.head_office.user
    assert filtered(user, industry="有色金属") == ["A0001"]
    assert filtered(user, industry="银行") == ["A0002"]


def test_the_holdings_filters_are_one_set_not_a_probe_per_customer(
    holders, django_assert_num_queries
):
    """The positions of the day are looked up as one set the customers are matched against
    (IN), not a subquery correlated with each customer (SQLite ran that as a scan of the
    whole day's positions for every customer: 0.5-2 s on the demo)."""
    filterset = make_filterset(holders.head_office.user, holds="601899", industry="有色金属")
    assert filterset.is_valid()
    with django_assert_num_queries(2) as captured:
        assert [customer.cust_no for customer in filterset.qs] == ["A0001"]
    statement = captured.captured_queries[-1]["sql"]
    assert "EXISTS" not in statement.upper()
    assert statement.count('"customers_dailyposition"') == 2


@on_postgresql
def test_on_postgresql_the_name_grams_run_without_jit_so_an_import_writes_names_at_speed():
    # With JIT on, a large import's INSERT had the function's query compiled once per row
    # (customers/migrations/0018).
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'customer_name_grams'")
        (config,) = cursor.fetchone()
        assert "jit=off" in (config or [])
