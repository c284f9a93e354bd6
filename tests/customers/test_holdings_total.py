"""The 360 page's holdings total row: market value and the unrealised P&L the rows know."""

import datetime
from decimal import Decimal

import pytest

from customers.models import CapitalAccount, DailyPosition
from customers.selectors.customer360 import holdings
from products.models import Security

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)


def position(account, code, *, quantity, market_value, cost_price):
    security = Security.objects.create(market="SH", sec_code=code, name=code, sec_type="stock")
    return DailyPosition.objects.create(
        business_date=DAY,
        account=account,
        security=security,
        quantity=Decimal(quantity),
        market_value=Decimal(market_value),
        cost_price=None if cost_price is None else Decimal(cost_price),
    )


@pytest.fixture
def account(org):
    customer = org.broker_customer
    return CapitalAccount.objects.create(
        fund_account="F0001",
        customer=customer,
        account_kind="normal",
        open_date=customer.open_date,
        status="0",
    )


def test_it_sums_the_unrealised_pnl_of_the_rows_that_have_one(account):
    position(account, "600001", quantity="100", market_value="1200", cost_price="10")  # +200
    position(account, "600002", quantity="100", market_value="900", cost_price="10")  # -100
    position(account, "600003", quantity="100", market_value="500", cost_price=None)

    result = holdings([account.pk], as_of=DAY)

    assert result["total"] == Decimal("2600")
    assert result["pnl_total"] == Decimal("100")


def test_it_has_no_pnl_total_when_no_row_knows_its_cost(account):
    position(account, "600003", quantity="100", market_value="500", cost_price=None)

    assert holdings([account.pk], as_of=DAY)["pnl_total"] is None


def test_the_360_page_shows_the_pnl_total_in_a_shaded_total_row(client, org, account):
    position(account, "600001", quantity="100", market_value="1200", cost_price="10")
    position(account, "600002", quantity="100", market_value="900", cost_price="10.5")
    client.force_login(org.broker.user)

    body = client.get(
        f"/customers/{org.broker_customer.cust_no}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    footer = body[body.index('<tfoot><tr class="total-row">') : body.index("</tfoot>")]
    assert '<th class="num pos">50.00</th>' in footer


def test_a_figure_of_nothing_is_neither_gain_nor_loss(client, org, account):
    # Marked "pos", a P&L of nothing showed as a gain: red on a Chinese page (红涨绿跌).
    position(account, "600001", quantity="100", market_value="1000", cost_price="10")  # 0
    client.force_login(org.broker.user)

    body = client.get(
        f"/customers/{org.broker_customer.cust_no}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    footer = body[body.index('<tfoot><tr class="total-row">') : body.index("</tfoot>")]
    assert '<th class="num zero">0.00</th>' in footer
