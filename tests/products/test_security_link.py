"""Products link to the counter's securities by code (products/services/library.py
securities_link): `600519.SH` exactly, a bare `600519` where one market has it; after a
product import or save and after the counter import loads securities. The 360 page's
holdings then show each linked holding's risk level, without a query per row."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from customers.models import Customer, DailyPosition
from customers.selectors.customer360 import holdings
from customers.services import counter_day_import
from products.models import Product, ProductStatus, Security
from products.services.library import securities_link
from tests.customers.counter_files import base_day, write_day
from tests.products.data import DAY, account_of, position_make, product_make

pytestmark = pytest.mark.django_db


def security(market: str, code: str) -> Security:
    return Security.objects.create(market=market, sec_code=code, name=code, sec_type="fund")


def product(code: str, **fields) -> Product:
    """An R3 public fund of medium horizon named `code`, a draft (`fields` instead)."""
    return product_make(code, **{"name": code, "status": ProductStatus.DRAFT, **fields})


def linked(code: str) -> str | None:
    found = Product.objects.select_related("security").get(code=code).security
    return f"{found.sec_code}.{found.market}" if found else None


def test_a_code_with_its_market_links_that_market_s_security():
    security("SH", "000001")
    security("SZ", "000001")
    product("000001.SZ")

    assert securities_link() == 1
    assert linked("000001.SZ") == "000001.SZ"


def test_a_bare_code_links_the_security_only_one_market_has():
    security("SH", "510300")
    product("510300")

    securities_link()

    assert linked("510300") == "510300.SH"


def test_a_bare_code_two_markets_share_links_nothing():
    security("SH", "000001")
    security("SZ", "000001")
    product("000001")

    assert securities_link() == 0
    assert linked("000001") is None


def test_a_code_with_its_market_wins_over_the_same_bare_code():
    security("SH", "510300")
    product("510300")
    product("510300.SH")

    securities_link()

    assert linked("510300.SH") == "510300.SH"
    assert linked("510300") is None


def test_a_code_that_names_no_security_keeps_the_link_set_in_admin():
    chosen = security("SH", "511990")
    product("WM001", security=chosen)

    securities_link()

    assert linked("WM001") == "511990.SH"


def test_a_link_set_in_admin_gives_way_to_the_product_whose_code_names_it():
    claimed = security("SH", "510300")
    product("WM001", security=claimed)
    product("510300.SH")

    securities_link()

    assert linked("510300.SH") == "510300.SH"
    assert linked("WM001") is None


def test_two_products_can_swap_securities_in_one_run():
    sh, sz = security("SH", "159001"), security("SZ", "159001")
    product("159001.SH", security=sz)
    product("159001.SZ", security=sh)

    assert securities_link() == 2
    assert (linked("159001.SH"), linked("159001.SZ")) == ("159001.SH", "159001.SZ")


def test_linking_again_changes_nothing():
    security("SH", "510300")
    product("510300.SH")
    securities_link()

    assert securities_link() == 0


def test_codes_that_only_look_like_a_security_link_nothing():
    security("SH", "600519")
    product("600519XSH")
    product("6005191")

    securities_link()

    assert linked("600519XSH") is None
    assert linked("6005191") is None


def test_the_admin_s_save_links_the_product(client, org):
    security("SH", "510300")
    user = org.admin.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    form = {
        "code": "510300.SH",
        "name": "沪深300ETF",
        "kind": "public_fund",
        "risk_level": "R3",
        "horizon": "medium",
        "variety": "fund",
        "status": "on_sale",
        "minimum_investment": "0",
        "fee_rate": "0",
    }

    response = client.post("/admin/products/product/add/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert linked("510300.SH") == "510300.SH"


def test_the_counter_import_links_products_to_the_securities_it_loads(tmp_path):
    product("600519.SH", kind="public_fund", risk_level="R4")
    product("000001", risk_level="R2")

    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))

    assert linked("600519.SH") == "600519.SH"
    assert linked("000001") == "000001.SZ"  # only Shenzhen's is in the day


# -- the holdings' risk level on the 360 page ---------------------------------------------------


@pytest.fixture
def account(org):
    return account_of(org.broker_customer)


def holding(account, held: Security, value: str) -> DailyPosition:
    return position_make(account.customer, held, value=value, cost_price=Decimal("1"))


def test_the_holdings_carry_the_product_of_each_linked_security(account):
    fund = security("SH", "510300")
    product("510300.SH", risk_level="R3", security=fund)
    holding(account, fund, "2000")
    holding(account, security("SH", "600000"), "1000")

    rows = holdings([account.pk], as_of=DAY)["rows"]

    assert [row["product"].risk_level if row["product"] else None for row in rows] == ["R3", None]


def test_the_holdings_cost_the_same_queries_however_many_are_linked(
    account, django_assert_num_queries
):
    first = security("SH", "510001")
    product("510001.SH", security=first)
    holding(account, first, "100")
    with django_assert_num_queries(2):
        holdings([account.pk], as_of=DAY)
    for number in range(2, 8):
        held = security("SH", f"51000{number}")
        product(f"51000{number}.SH", security=held)
        holding(account, held, "100")
    with django_assert_num_queries(2):
        rows = holdings([account.pk], as_of=DAY)["rows"]
        assert [row["product"].risk_level for row in rows] == ["R3"] * 7


def test_the_360_page_shows_each_holding_s_risk_level(client, tmp_path, org):
    product("600519.SH", risk_level="R4")
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    Customer.objects.filter(cust_no__in=["C001", "C002"]).update(
        manager=org.broker, branch=org.broker.branch
    )
    call_command("compute_metrics")
    client.force_login(org.broker.user)

    body = client.get("/customers/C001/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    section = re.search(r'<section class="card" id="holdings-panel">.*?</section>', body, re.S)
    assert section
    panel = section.group(0)
    assert "<th>Risk level</th>" in panel
    assert re.search(
        r">600519\.SH</span>.*?"
        r'<td class="holding-risk"><span title="R4 medium-high risk">R4</span>',
        panel,
        re.S,
    )
