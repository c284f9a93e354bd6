"""One business day of the accounts: each customer's orders with their fees, the cash flows
and balances they leave, the positions valued at the close, and the margin accounts'
interest and maintenance ratio."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from customers.demo.accounts import FINANCING_RATE, Customer, MarginAccount, Positions
from customers.demo.files import YUAN, Sheet, money_text
from customers.demo.market import Market, Security
from customers.demo.sampling import Roll, draw
from customers.models import Channel

# The share of the trades each order channel takes, in the order they are drawn.
CHANNEL_SHARES = {
    Channel.MOBILE: 0.62,
    Channel.INTERNET: 0.25,
    Channel.COUNTER: 0.08,
    Channel.PHONE: 0.05,
}
CHANNELS = tuple(channel.value for channel in CHANNEL_SHARES)
CHANNEL_CUMULATIVE = tuple(accumulate(CHANNEL_SHARES.values()))
STAMP_PPM, TRANSFER_PPM, REGULATORY_PPM, HANDLING_PER_1E7 = 500, 10, 20, 341
MIN_COMMISSION = 5 * YUAN

Sheets = dict[str, Sheet]


@dataclass(slots=True)
class TradingDay:
    """A business day's constants and the serial counters of its trades and cash flows."""

    iso: str
    ymd: str
    scale: float  # customers trade their expected trades times this
    dividends: dict[int, int]  # cash dividend per share in li, by security index
    quarter_end: bool  # the banks pay the quarter's current-account interest today
    trades: int = 0
    flows: int = 0

    @classmethod
    def of(cls, day: date, previous: date, *, scale: float, dividends: dict[int, int]):
        """`day`, whose business day before is `previous`."""
        # Banks settle current-account interest on the 20th of each quarter's last month: it
        # reaches the first business day after it.
        after_20th = previous.month != day.month or previous.day < 21
        return cls(
            iso=day.isoformat(),
            ymd=f"{day:%Y%m%d}",
            scale=scale,
            dividends=dividends,
            quarter_end=day.month % 3 == 0 and day.day >= 21 and after_20th,
        )

    def trade_serial(self) -> str:
        self.trades += 1
        return f"{self.ymd}1{self.trades:07d}"

    def flow_serial(self) -> str:
        self.flows += 1
        return f"{self.ymd}2{self.flows:07d}"


def fees(amount: int, rate_ppm: int, side: str, stock: bool) -> tuple[int, int, int, int, int]:
    """Commission, stamp tax, transfer, handling and regulatory fees in fen, rounded half up."""
    if side in ("IPO", "DIV"):
        return 0, 0, 0, 0, 0
    return (
        max((amount * rate_ppm + 500_000) // 1_000_000, MIN_COMMISSION),
        (amount * STAMP_PPM + 500_000) // 1_000_000 if side == "S" and stock else 0,
        (amount * TRANSFER_PPM + 500_000) // 1_000_000 if stock else 0,
        (amount * HANDLING_PER_1E7 + 5_000_000) // 10_000_000,
        (amount * REGULATORY_PPM + 500_000) // 1_000_000,
    )


def customer_day(
    customer: Customer, day: TradingDay, *, market: Market, roll: Roll, sheets: Sheets
) -> None:
    """Trades, cash flows, balance and positions of one customer's normal account."""
    securities = market.securities
    expected = customer.expected_trades * day.scale
    count = int(expected) + (roll() < expected - int(expected))
    # Dividends go to the holders at yesterday's close (the record date).
    payouts = [
        quantity * day.dividends[index] // 10
        for index, (quantity, _) in customer.positions.items()
        if index in day.dividends
    ]
    bank_in = 0
    if customer.status == 0 and roll() < 0.02:
        paid_in = int(customer.wealth * roll() * 0.3) // (100 * YUAN) * (100 * YUAN)
        bank_in = max(1000 * YUAN, paid_in)
    if customer.deposit:  # the first deposit of an account opened today
        bank_in, customer.deposit = bank_in + customer.deposit, 0
    bought: dict[int, int] = {}  # today, by security index: not sellable before tomorrow
    cash, net_total = customer.cash + bank_in, 0
    trades = sheets["trades.csv"]
    for _ in range(count):
        side, index, quantity, price = _order(customer, bought, market=market, roll=roll)
        security = securities[index]
        amount = (quantity * price + 5) // 10  # round half up to the fen
        charged = fees(amount, customer.commission_ppm, side, security.kind == "stock")
        net = amount - sum(charged) if side == "S" else -(amount + sum(charged))
        if cash + net < 0:  # 银证转入 first: the counter never lets cash go negative
            top_up = (-(cash + net) // (1000 * YUAN) + 1) * (1000 * YUAN)
            bank_in, cash = bank_in + top_up, cash + top_up
        cash, net_total = cash + net, net_total + net
        holding = customer.positions.setdefault(index, [0, 0])
        if side == "S":
            holding[1] -= holding[1] * quantity // holding[0]  # average cost: selling keeps it
            holding[0] -= quantity
            if holding[0] == 0:
                del customer.positions[index]
        else:
            holding[0] += quantity
            holding[1] -= net
            if side != "DIV":  # T+1: bought shares are sellable tomorrow
                bought[index] = bought.get(index, 0) + quantity
        serial, channel = day.trade_serial(), CHANNELS[draw(CHANNEL_CUMULATIVE, roll)]
        money = map(money_text, (amount, *charged, net))
        row = (serial, day.iso, customer.fund_account, security.market, security.code, side)
        trades.write((*row, quantity, security.price_text(price), *money, channel))
    flows = [("BANK_IN", bank_in)] if bank_in else []
    flows += [("TRADE", net_total)] if count else []
    flows += [("DIVIDEND", paid) for paid in payouts if paid]
    if day.quarter_end and customer.cash * 5 // 10_000:
        flows.append(("INTEREST", customer.cash * 5 // 10_000))  # 0.2% a year, a quarter's worth
    if customer.status == 0 and roll() < 0.015:
        received = sum(amount for kind, amount in flows if kind in ("DIVIDEND", "INTEREST"))
        if paid_out := int((cash + received) * roll()) // (100 * YUAN) * (100 * YUAN):
            flows.append(("BANK_OUT", -paid_out))
    balance = customer.cash
    cash_flows = sheets["cash_flows.csv"]
    for biz_type, amount in flows:
        balance += amount
        flow = (day.flow_serial(), day.iso, customer.fund_account, biz_type)
        cash_flows.write((*flow, money_text(amount), money_text(balance)))
    customer.cash = balance
    frozen = balance if customer.status == 1 else 0
    free = balance - frozen
    amounts = (money_text(balance), money_text(free), money_text(frozen))
    sheets["balances.csv"].write((customer.fund_account, "CNY", *amounts))
    write_positions(
        sheets["positions.csv"],
        customer.fund_account,
        customer.positions,
        securities,
        bought=bought,
        frozen=customer.status == 1,
    )


def _order(
    customer: Customer, bought: dict[int, int], *, market: Market, roll: Roll
) -> tuple[str, int, int, int]:
    """The next trade of a customer: side, security index, quantity and price (in li)."""
    held, securities = customer.positions, market.securities
    chance = roll()
    if chance < 0.004:  # new-share allotment: one SH lot is 1000 shares, SZ 500, at issue price
        index = market.stock_pick.pick(roll)
        issue = round(500 + roll() * 5500) * 10  # 5 to 60 yuan
        return "IPO", index, 1000 if securities[index].market == "SH" else 500, issue
    crowded = min(0.4, 0.08 * len(held))  # many lines held: more selling and topping up
    if held and chance < 0.45 + crowded:
        index = list(held)[int(roll() * len(held))]
        security, quantity = securities[index], held[index][0]
        if security.kind == "stock" and chance < 0.007:
            if quantity >= 10:
                return "DIV", index, quantity // 10, 0  # 10送1 bonus shares
        elif security.kind == "stock" and chance < 0.010:
            if quantity >= 4:  # 10配3 rights
                return "RS", index, quantity * 3 // 10, round(security.price * 0.07) * 10
        elif (free := quantity - bought.get(index, 0)) > 0:
            lots = free // security.lot
            if lots and roll() >= 0.45:
                free = (1 + int(roll() * lots)) * security.lot
            return "S", index, free, security.fill(roll)  # an odd lot can only go all at once
    if held and roll() < 0.2 + crowded:
        index = list(held)[int(roll() * len(held))]
    else:
        picker = market.any_pick if customer.beijing else market.main_pick
        for _ in range(3):  # small accounts look past the 1,450-yuan shares
            index = picker.pick(roll)
            lot_price = securities[index].price * securities[index].lot
            if lot_price <= customer.wealth * 5:  # a lot costs at most half the wealth
                break
    security = securities[index]
    price = security.fill(roll)
    lots = max(1, int(customer.wealth * (0.02 + roll() * 0.18) * 10 / (price * security.lot)))
    return "B", index, lots * security.lot, price


def write_positions(
    sheet: Sheet,
    fund_account: str,
    positions: Positions,
    securities: list[Security],
    *,
    bought: dict[int, int],
    frozen: bool,
) -> None:
    """An account's positions valued at the close; what was bought today is not available."""
    for index, (quantity, cost) in positions.items():
        security = securities[index]
        available = 0 if frozen else quantity - bought.get(index, 0)
        value = money_text((quantity * security.price + 5) // 10)
        cost_price = f"{cost / 100 / quantity:.3f}"
        sheet.write(
            (fund_account, security.market, security.code, quantity, available, cost_price, value)
        )


def margin_day(margin: MarginAccount, gap: int, *, market: Market, sheets: Sheets) -> None:
    """A margin account's day (`gap` calendar days after the last): its debt accrues
    interest while its collateral is revalued."""
    securities = market.securities
    margin.interest += round(margin.debt * FINANCING_RATE / 360 * gap)
    value = sum(
        (quantity * securities[index].price + 5) // 10
        for index, (quantity, _) in margin.positions.items()
    )
    collateral = margin.cash + value
    lending = 0
    if margin.short_quantity and margin.short_security is not None:
        short_price = securities[margin.short_security].price
        lending = (margin.short_quantity * short_price + 5) // 10
    owed = margin.debt + lending + margin.interest
    ratio = f"{collateral / owed:.4f}" if owed else ""  # no debt, no ratio
    debts = (money_text(margin.debt), money_text(lending), money_text(margin.interest))
    sheets["credit_accounts.csv"].write(
        (margin.fund_account, *debts, money_text(collateral), ratio)
    )
    cash = money_text(margin.cash)
    sheets["balances.csv"].write((margin.fund_account, "CNY", cash, cash, "0.00"))
    write_positions(
        sheets["positions.csv"],
        margin.fund_account,
        margin.positions,
        securities,
        bought={},
        frozen=False,
    )
