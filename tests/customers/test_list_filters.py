"""The customer list's filters (customers/filters/lists.py) over the scoped list selector."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.http import QueryDict
from django.utils import timezone

from crm.dates import years_before
from customers.filters.lists import CustomerListFilter, filter_params, filter_query
from customers.models import CapitalAccount, CustomerFigures, DailyPosition
from customers.selectors.customers import customers_for_user
from customers.selectors.lists import branches_for_user, managers_for_user
from products.models import Security
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)  # the latest business day of the figures
EARLIER = datetime.date(2026, 2, 27)


def figures(customer, *, total="0", cash="0", ratio=None, last_trade=None, as_of=DAY):
    total, cash = Decimal(total), Decimal(cash)
    return CustomerFigures.objects.create(
        customer=customer,
        as_of=as_of,
        cash=cash,
        market_value=total - cash,
        liabilities=0,
        total_assets=total,
        net_assets=total,
        position_ratio=None if ratio is None else Decimal(ratio),
        last_trade_date=last_trade,
    )


def account(customer, kind="normal"):
    return CapitalAccount.objects.create(
        fund_account=f"F{customer.cust_no}{kind}",
        customer=customer,
        account_kind=kind,
        open_date=customer.open_date,
        status="0",
    )


def security(code, name, industry="", market="SH"):
    return Security.objects.create(
        market=market, sec_code=code, name=name, sec_type="stock", industry=industry
    )


def hold(acct, sec, quantity, market_value, day=DAY):
    return DailyPosition.objects.create(
        business_date=day,
        account=acct,
        security=sec,
        quantity=Decimal(quantity),
        market_value=Decimal(market_value),
    )


def filtered(user, **params):
    """The customer numbers the list shows `user` for these filter parameters."""
    filterset = make_filterset(user, **params)
    assert filterset.is_valid(), filterset.errors
    return sorted(filterset.qs.values_list("cust_no", flat=True))


def make_filterset(user, **params):
    data = QueryDict(mutable=True)
    data.update({key: str(value) for key, value in params.items()})
    return CustomerListFilter(
        data, queryset=customers_for_user(user), request=SimpleNamespace(user=user)
    )


@pytest.fixture
def book(org):
    """Holdings on the latest day: the broker's customer holds Moutai in two accounts,
    the teammate's a bank, the lead's Moutai only on an earlier day."""
    moutai = security("600519", "贵州茅台", "白酒")
    wuliangye = security("000858", "五粮液", "白酒", market="SZ")
    bank = security("600036", "招商银行", "银行")
    a1, a1_credit = account(org.broker_customer), account(org.broker_customer, "credit")
    hold(a1, moutai, "300", "450000")
    hold(a1_credit, moutai, "200", "300000")
    hold(account(org.teammate_customer), bank, "1000", "35000")
    hold(account(org.lead_customer), moutai, "900", "1350000", day=EARLIER)
    hold(account(org.manager_customer), wuliangye, "100", "15000")
    figures(org.broker_customer, total="800000", cash="50000", ratio="0.9375")
    figures(org.teammate_customer, total="60000", cash="25000", ratio="0.5833")
    figures(org.lead_customer, total="20000", cash="20000", ratio="0")
    figures(org.manager_customer, total="15000", cash="0", ratio="1")
    figures(org.other_customer, total="2000000", cash="2000000", ratio="0")
    return org


def test_it_matches_customer_number_by_prefix_name_by_any_part_and_mobile_in_full(org):
    CustomerFactory(cust_no="A0100", name="王小明", mobile="13912345678", branch=org.branch_a)
    user = org.head_office.user
    assert filtered(user, q="A0100") == ["A0100"]
    assert filtered(user, q="A01") == ["A0100"]
    assert filtered(user, q="13912345678") == ["A0100"]
    assert filtered(user, q="1391234") == []  # a prefix: see tests/customers/test_search_pii.py
    assert filtered(user, q="王小") == ["A0100"]
    assert filtered(user, q="小明") == ["A0100"]  # any part: tests/customers/test_search.py
    assert filtered(user, q="12345678") == []


def test_it_offers_only_the_branches_and_managers_the_user_can_see(org):
    assert list(branches_for_user(org.broker.user)) == [org.branch_a]
    assert list(branches_for_user(org.branch_manager.user)) == [org.branch_a]
    assert set(branches_for_user(org.head_office.user)) == {org.branch_a, org.branch_b}
    managers = set(managers_for_user(org.broker.user))
    assert org.teammate in managers and org.broker in managers
    assert org.other_broker not in managers
    assert org.other_broker in set(managers_for_user(org.head_office.user))


def test_it_refuses_a_branch_or_manager_outside_the_users_reach(org):
    assert not make_filterset(org.broker.user, branch=org.branch_b.pk).is_valid()
    assert not make_filterset(org.branch_manager.user, manager=org.other_broker.pk).is_valid()
    assert filtered(org.head_office.user, branch=org.branch_b.pk) == ["B0001"]


def test_it_filters_by_manager_status_risk_level_and_investor_class(org):
    org.teammate_customer.status = "1"
    org.teammate_customer.investor_class = "professional"
    org.teammate_customer.risk_level = "C5"
    org.teammate_customer.save()
    user = org.branch_manager.user
    assert filtered(user, manager=org.teammate.pk) == ["A0002"]
    assert filtered(user, status="1") == ["A0002"]
    assert filtered(user, risk_level="C5") == ["A0002"]
    assert filtered(user, investor_class="professional") == ["A0002"]
    assert "A0002" not in filtered(user, status="0")


def test_it_filters_by_customer_type(org):
    org.teammate_customer.cust_type = "1"
    org.teammate_customer.save()
    user = org.branch_manager.user
    assert filtered(user, cust_type="1") == ["A0002"]
    assert filtered(user, cust_type="0") == ["A0001", "A0003", "A0004", "A0005"]
    assert filtered(user, cust_type="") == ["A0001", "A0002", "A0003", "A0004", "A0005"]
    assert filtered(org.broker.user, cust_type="1") == []  # the teammate's, out of reach
    assert not make_filterset(user, cust_type="2").is_valid()


def test_it_filters_by_total_assets_and_cash(book):
    user = book.head_office.user
    assert filtered(user, assets_min=60000) == ["A0001", "A0002", "B0001"]
    assert filtered(user, assets_min=20000, assets_max=60000) == ["A0002", "A0003"]
    assert filtered(user, cash_min=20000, cash_max=50000) == ["A0001", "A0002", "A0003"]
    assert filtered(user, cash_max=0) == ["A0004"]  # no figures is no match, not zero


def test_it_finds_holders_of_a_security_by_code_or_part_of_its_name_on_the_latest_day(book):
    user = book.head_office.user
    assert filtered(user, holds="600519") == ["A0001"]  # A0003 held it only earlier
    assert filtered(user, holds="贵州") == ["A0001"]
    assert filtered(user, holds="招商银行") == ["A0002"]
    assert filtered(user, holds="茅台") == ["A0001"]  # any part of the name
    assert filtered(user, holds="60051") == []  # a code matches exactly


def test_it_sums_a_holding_over_the_customers_accounts_for_minimum_quantity_and_value(book):
    user = book.head_office.user
    assert filtered(user, holds="600519", holds_quantity=500) == ["A0001"]
    assert filtered(user, holds="600519", holds_quantity=501) == []
    assert filtered(user, holds="600519", holds_value=750000) == ["A0001"]
    assert filtered(user, holds="600519", holds_value="750000.01") == []
    assert filtered(user, holds="600519", holds_quantity=400, holds_value=700000) == ["A0001"]


def test_it_needs_a_security_for_a_minimum_quantity_or_value(book):
    filterset = make_filterset(book.head_office.user, holds_quantity=100)
    assert not filterset.is_valid()
    assert "holds" in filterset.errors


def test_it_finds_holders_of_anything_in_an_industry(book):
    user = book.head_office.user
    assert filtered(user, industry="白酒") == ["A0001", "A0004"]
    assert filtered(user, industry="银行") == ["A0002"]
    assert not make_filterset(user, industry="no such industry").is_valid()


def test_it_filters_by_position_ratio_in_percent(book):
    user = book.head_office.user
    assert filtered(user, ratio_min=90) == ["A0001", "A0004"]
    assert filtered(user, ratio_min="58.33", ratio_max="93.75") == ["A0001", "A0002"]
    assert filtered(user, ratio_max=0) == ["A0003", "B0001"]


def test_it_filters_by_account_age_in_whole_years(org):
    today = timezone.localdate()
    CustomerFactory(cust_no="Y3", branch=org.branch_a, open_date=years_before(today, 3))
    CustomerFactory(
        cust_no="Y3-",
        branch=org.branch_a,
        open_date=years_before(today, 3) + datetime.timedelta(days=1),
    )
    CustomerFactory(
        cust_no="Y10",
        branch=org.branch_a,
        open_date=years_before(today, 10) + datetime.timedelta(1),
    )
    user = org.branch_manager.user
    aged = filtered(user, age_min=3)
    assert "Y3" in aged and "Y3-" not in aged and "Y10" in aged
    assert filtered(user, age_min=3, age_max=3) == ["Y3"]
    assert "Y10" in filtered(user, age_min=9, age_max=9)


def test_it_knows_the_29th_of_february():
    assert years_before(datetime.date(2024, 2, 29), 1) == datetime.date(2023, 2, 28)
    assert years_before(datetime.date(2024, 2, 29), 4) == datetime.date(2020, 2, 29)


def test_it_finds_customers_without_a_trade_for_n_days_including_those_who_never_traded(org):
    today = timezone.localdate()
    figures(org.broker_customer, last_trade=today - datetime.timedelta(days=30))
    figures(org.teammate_customer, last_trade=today - datetime.timedelta(days=29))
    figures(org.lead_customer)  # figures, but never traded
    # A0004, A0005 have no figures at all: never traded either.
    user = org.branch_manager.user
    assert filtered(user, no_trade_days=30) == ["A0001", "A0003", "A0004", "A0005"]
    assert filtered(user, no_trade_days=29) == ["A0001", "A0002", "A0003", "A0004", "A0005"]


def test_it_finds_customers_not_contacted_for_n_days_including_those_never_contacted(org):
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    org.broker_customer.last_contact_at = midnight - datetime.timedelta(days=59, seconds=1)
    org.broker_customer.save()  # late on the day 60 days ago
    org.teammate_customer.last_contact_at = midnight - datetime.timedelta(days=59)
    org.teammate_customer.save()  # the very start of the day 59 days ago
    org.lead_customer.last_contact_at = now
    org.lead_customer.save()
    user = org.branch_manager.user
    assert filtered(user, no_contact_days=60) == ["A0001", "A0004", "A0005"]
    assert filtered(user, no_contact_days=59) == ["A0001", "A0002", "A0004", "A0005"]
    assert filtered(user, no_contact_days=0) == ["A0001", "A0002", "A0003", "A0004", "A0005"]


def test_it_combines_filters(book):
    book.broker_customer.last_contact_at = timezone.now() - datetime.timedelta(days=90)
    book.broker_customer.save()
    user = book.head_office.user
    combined = {"holds": "600519", "assets_min": 500000, "no_contact_days": 60}
    assert filtered(user, **combined) == ["A0001"]
    assert filtered(user, **combined, branch=book.branch_b.pk) == []
    assert filtered(user, **combined, industry="银行") == []
    assert filtered(user, industry="白酒", ratio_max=95, cash_min=1) == ["A0001"]


def test_it_never_widens_a_brokers_scope(book):
    user = book.broker.user
    assert filtered(user) == ["A0001"]
    assert filtered(user, q="B0001") == []
    assert filtered(user, holds="600036") == []  # the teammate's customer holds it
    assert filtered(user, assets_min=1000000) == []  # B0001 has two million


def test_it_builds_any_combination_as_one_query(book, django_assert_num_queries):
    """One statement for the list, after one look-up of the latest business day."""
    filterset = make_filterset(
        book.head_office.user,
        q="A",
        branch=book.branch_a.pk,
        manager=book.broker.pk,
        cust_type="0",
        status="0",
        risk_level="C3",
        assets_min=1,
        assets_max=10**9,
        cash_min=0,
        cash_max=10**9,
        holds="600519",
        holds_quantity=1,
        holds_value=1,
        industry="白酒",
        ratio_min=1,
        ratio_max=100,
        age_min=0,
        age_max=50,
        no_trade_days=0,
        no_contact_days=0,
    )
    assert filterset.is_valid(), filterset.errors  # checks the chosen branch and manager
    with django_assert_num_queries(2) as captured:
        assert [c.cust_no for c in filterset.qs] == ["A0001"]
    day_lookup, statement = (query["sql"] for query in captured.captured_queries)
    assert "MAX" in day_lookup and '"customers_customer"' not in day_lookup
    assert "customers_dailyposition" in statement


def test_it_lays_out_every_filter_once():
    grouped = [name for _legend, names in CustomerListFilter.GROUPS for name in names]
    assert sorted(grouped) == sorted(CustomerListFilter.base_filters)


def test_it_keeps_only_known_non_empty_parameters_for_a_query():
    data = QueryDict("q=A00&status=&page=3&sort=-total_assets&evil=1&holds=600519")
    assert filter_params(data) == {"q": "A00", "holds": "600519", "sort": "-total_assets"}
    assert filter_query(data) == "q=A00&holds=600519&sort=-total_assets"
