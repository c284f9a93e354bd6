"""The customers and their accounts as they stand before the first exported day: wealth,
status, risk level, holdings bought earlier, margin accounts sized for a maintenance ratio,
and the accounts that open during the period instead."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date

from customers.demo.files import YUAN
from customers.demo.market import Market, SecurityPicker
from customers.demo.people import Organisation
from customers.demo.sampling import draw

# With openings: about one account opened a trading day per this many customers (at least one).
CUSTOMERS_PER_OPENING = 1500
STATUS_CUMULATIVE = (0.88, 0.89, 0.895, 0.935, 1.0)  # normal, frozen, lost, closed, dormant
RISK_CUMULATIVE = (0.05, 0.2, 0.65, 0.9, 1.0)  # C1..C5
FINANCING_RATE = 0.06  # a year of 360 days, as the margin contracts count it
BJ_THRESHOLD = 500_000 * YUAN  # assets needed to trade on the Beijing exchange
# Margin needs 500k too, but counted with assets held elsewhere; this book sees only ours.
MARGIN_THRESHOLD = 300_000 * YUAN

# {security index: [quantity, total cost in fen]}: what an account holds.
Positions = dict[int, list[int]]


@dataclass(slots=True)
class MarginAccount:
    """A customer's credit account (信用账户): collateral bought with its cash, and what it owes."""

    fund_account: str
    open_ord: int
    cash: int
    positions: Positions
    debt: int  # financing
    interest: int  # accrued, unpaid
    short_security: int | None  # security index of the short sale, if any
    short_quantity: int


@dataclass(slots=True)
class Customer:
    """A customer with its normal account; money in fen, days as ordinals."""

    index: int
    branch: int  # index in Organisation.branches
    cust_no: str
    fund_account: str
    institution: bool
    open_ord: int
    status: int  # 0 normal, 1 frozen, 2 lost, 3 closed, 4 dormant
    risk: int  # C1..C5
    risk_assessed_ord: int
    manager: str  # a staff code, or "" for none
    wealth: int
    commission_ppm: int
    expected_trades: float  # a day
    beijing: bool  # may trade on the Beijing exchange
    positions: Positions
    cash: int
    deposit: int = 0  # the first deposit, paid in on the opening day
    margin_open_ord: int | None = None  # the day its margin contract starts, if it has one
    margin: MarginAccount | None = None  # the margin account, once funded

    def open_on(self, day: date, wealth: int) -> None:
        """Make this customer one that opens its account on `day` with `wealth` to deposit."""
        self.open_ord = self.risk_assessed_ord = day.toordinal()
        self.status, self.positions, self.margin_open_ord, self.beijing = 0, {}, None, False
        self.wealth = wealth
        self.deposit, self.cash = wealth, 0  # 银证转入 on the opening day
        self.expected_trades = expected_trades(self.status, wealth, self.institution)


def expected_trades(status: int, wealth: int, institution: bool) -> float:
    """Expected trades a day: only normal accounts trade, big ones (and institutions) more."""
    if status != 0:
        return 0.0
    activity = min(4.0, max(0.01, 0.08 * (wealth / (50_000 * YUAN)) ** 0.35))
    return activity * (2 if institution else 1)


def build_customer(
    rng: random.Random, index: int, *, organisation: Organisation, market: Market, start_ord: int
) -> Customer:
    branch = draw(organisation.branch_cumulative, rng.random)
    code = organisation.branches[branch].code
    institution = index == 5 or rng.random() < 0.02  # at least one institution
    # Skewed towards recent years: the brokerage gains more customers than it loses.
    open_ord = start_ord - 1 - int(15 * 365 * rng.random() ** 1.5)
    # Every status shows up.
    status = index if 1 <= index <= 4 else draw(STATUS_CUMULATIVE, rng.random)
    if institution:
        risk = 3 + draw(RISK_CUMULATIVE[2:], rng.random)
    else:
        risk = 1 + draw(RISK_CUMULATIVE, rng.random)
    low = max(open_ord, start_ord - 3 * 365)  # about a third older than two years
    risk_assessed_ord = low + int(rng.random() * (start_ord - low))
    manager = "" if rng.random() < 0.03 else rng.choice(organisation.branches[branch].serving)
    # Lognormal wealth: a median of 50k yuan and a tail into the hundreds of millions.
    median, sigma = (2_000_000, 1.3) if institution else (50_000, 1.35)
    wealth = int(min(rng.lognormvariate(0, sigma) * median, 3e8) * YUAN)
    if status == 3:
        wealth = 0  # a closed account has been emptied
    elif status == 4:
        wealth = int(rng.random() * 100 * YUAN)  # dormant: a few yuan left behind
    # Big accounts negotiate lower commission rates (per million) and trade more often.
    if wealth > 5_000_000 * YUAN:
        commission_ppm = 150
    else:
        commission_ppm = rng.choice((150, 180) if wealth > 1_000_000 * YUAN else (200, 250, 300))
    beijing = wealth >= BJ_THRESHOLD and rng.random() < 0.5
    positions: Positions = {}
    cash = wealth
    if status in (0, 1, 2) and rng.random() < 0.75:
        picker = market.any_pick if beijing else market.main_pick
        budget = int(wealth * rng.uniform(0.3, 0.9))
        positions, spent = buy_basket(rng, market, budget, picker)
        cash -= spent
    # Margin needs six months with the firm and enough assets.
    seasoned = start_ord - open_ord - 180
    eligible = not institution and status == 0 and seasoned >= 0 and wealth >= MARGIN_THRESHOLD
    margin_open_ord = None
    if eligible and rng.random() < 0.6:
        margin_open_ord = open_ord + 180 + int(rng.random() * seasoned)
    return Customer(
        index=index,
        branch=branch,
        cust_no=f"{code}{index + 1:08d}",
        fund_account=f"1{code}{index + 1:07d}",
        institution=institution,
        open_ord=open_ord,
        status=status,
        risk=risk,
        risk_assessed_ord=risk_assessed_ord,
        manager=manager,
        wealth=wealth,
        commission_ppm=commission_ppm,
        expected_trades=expected_trades(status, wealth, institution),
        beijing=beijing,
        positions=positions,
        cash=cash,
        margin_open_ord=margin_open_ord,
    )


def buy_basket(
    rng: random.Random, market: Market, budget: int, picker: SecurityPicker
) -> tuple[Positions, int]:
    """Holdings bought before the first exported day, and what they cost in fen."""
    positions: Positions = {}
    spent, count = 0, 1 + int(rng.random() * (2 + min(8, budget // (500_000 * YUAN))))
    for _ in range(count):
        index = picker.pick(rng.random)
        security = market.securities[index]
        lots = budget // count // (security.price * security.lot // 10)
        if lots > 0:
            paid = lots * security.lot * security.price // 10
            holding = positions.setdefault(index, [0, 0])
            holding[0] += lots * security.lot
            holding[1] += int(paid * rng.uniform(0.7, 1.3))  # bought at some other price
            spent += paid
    return positions, spent


def open_during(
    customers: list[Customer], days: list[date], *, seed: int, branches: int
) -> list[Customer]:
    """Turn the newest customers of each branch into accounts opened on `days` (every
    branch in turn, about len(customers) / CUSTOMERS_PER_OPENING a day); returns them
    in opening order. They come with cash to deposit and nothing else yet."""
    rng = random.Random(f"{seed}/openings")
    base = max(1, len(customers) // CUSTOMERS_PER_OPENING)
    plan = [day for day in days for _ in range(base + (rng.random() < 0.5))]
    most = len(customers) // 5  # a small book still has mostly older customers,
    if len(plan) > most:  # its openings thinned evenly over the period
        plan = [plan[n * len(plan) // most] for n in range(most)]
    need = Counter(turn % branches for turn in range(len(plan)))
    newest: dict[int, list[Customer]] = {branch: [] for branch in need}
    for customer in reversed(customers[10:]):  # the first ten show every status
        queue = newest.get(customer.branch)
        if queue is not None and len(queue) < need[customer.branch]:
            queue.append(customer)
    opened = []
    for turn, day in enumerate(plan):
        queue = newest[turn % branches]
        if not queue:
            continue  # the branch has fewer customers than openings
        customer = queue.pop()  # the lowest customer number opens first
        median = 2_000_000 if customer.institution else 30_000
        customer.open_on(day, int(min(rng.lognormvariate(0, 1.2) * median, 5e7) * YUAN))
        opened.append(customer)
    return opened


def fund_margin(
    rng: random.Random, owner: Customer, *, open_ord: int, number: int, market: Market
) -> MarginAccount:
    """The margin account of `owner` opened on `open_ord`, the `number`th funded: collateral,
    debt and short sale sized for a maintenance ratio."""
    if number < 2:
        ratio = (1.22, 1.33)[number]  # the import must meet a call (<1.3) and a warning (<1.4)
    elif rng.random() < 0.06:  # after a slide: at or near a margin call
        ratio = rng.uniform(1.15, 1.45)
    else:
        ratio = 1.45 + rng.expovariate(1 / 1.2)
    collateral = int(owner.wealth * rng.uniform(0.3, 0.8))
    positions, spent = buy_basket(rng, market, collateral, market.main_pick)
    short_security, short_quantity, lending = None, 0, 0
    if rng.random() < 0.2:
        short_security = market.stock_pick.pick(rng.random)
        price = market.securities[short_security].price
        short_quantity = int(collateral * rng.uniform(0.05, 0.2) / ratio * 10 / price)
        short_quantity -= short_quantity % 100
        lending = short_quantity * price // 10
    debt = max(0, int(collateral / ratio) - lending)
    return MarginAccount(
        fund_account="8" + owner.fund_account[1:],
        open_ord=open_ord,
        cash=collateral - spent,
        positions=positions,
        debt=debt,
        interest=int(debt * FINANCING_RATE / 360 * rng.uniform(0, 90)),
        short_security=short_security,
        short_quantity=short_quantity,
    )
