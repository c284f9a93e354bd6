"""The securities the customers trade and their prices: a fixed list of well-known names,
invented ones to fill each market, and a one-factor random walk of the closes day by day."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from customers.demo.people import NAME_CHARS
from customers.demo.sampling import Roll, draw

# fmt: off
INDUSTRIES = {  # Shenwan level-1 sectors and the name endings of companies in them
    "食品饮料": ("食品", "酒业", "乳业"), "银行": ("银行",), "非银金融": ("证券", "保险"),
    "医药生物": ("医药", "生物", "药业"), "电子": ("电子", "微电", "光电"),
    "计算机": ("科技", "信息", "软件"), "电力设备": ("电气", "能源", "新能"),
    "汽车": ("汽车", "汽配"), "家用电器": ("电器",), "机械设备": ("机械", "重工", "装备"),
    "化工": ("化工", "材料"), "有色金属": ("矿业", "铝业", "铜业"), "房地产": ("地产", "置业"),
    "公用事业": ("电力", "水务", "燃气"), "交通运输": ("物流", "航运", "港口"),
    "建筑装饰": ("建设", "建工"), "传媒": ("传媒", "文化"), "通信": ("通信", "网络"),
    "国防军工": ("航天", "航空", "防务"), "商贸零售": ("商业", "百货"),
    "农林牧渔": ("农业", "牧业", "种业"),
}
FUND_THEMES = (
    "沪深300", "中证500", "中证1000", "创业板", "科创50", "证券", "医药", "半导体", "红利",
    "黄金", "消费", "军工", "光伏",
)
FUND_HOUSES = ("华夏", "易方达", "南方", "嘉实", "广发", "国泰", "富国", "博时", "汇添富")
FAMOUS = (  # market, code, name, type, industry ("-": none), a realistic price in yuan
    "SH 600519 贵州茅台 stock 食品饮料 1450", "SH 601318 中国平安 stock 非银金融 55",
    "SH 600036 招商银行 stock 银行 42", "SH 601398 工商银行 stock 银行 7.2",
    "SH 600900 长江电力 stock 公用事业 28", "SH 600276 恒瑞医药 stock 医药生物 60",
    "SH 600030 中信证券 stock 非银金融 28", "SH 601899 紫金矿业 stock 有色金属 28",
    "SH 688981 中芯国际 stock 电子 110", "SH 600028 中国石化 stock 石油石化 6",
    "SZ 000858 五粮液 stock 食品饮料 120", "SZ 000001 平安银行 stock 银行 11.5",
    "SZ 000002 万科A stock 房地产 6.5", "SZ 000333 美的集团 stock 家用电器 72",
    "SZ 002594 比亚迪 stock 汽车 100", "SZ 002415 海康威视 stock 计算机 30",
    "SZ 300750 宁德时代 stock 电力设备 380", "SZ 300059 东方财富 stock 非银金融 25",
    "BJ 835185 贝特瑞 stock 电力设备 25", "SH 510300 沪深300ETF fund - 4.6",
    "SH 510050 上证50ETF fund - 3", "SZ 159915 创业板ETF fund - 2.8",
    "SZ 161725 招商中证白酒 fund - 0.8",
)
UNIVERSE = (  # market, type, code prefixes, how many in all (famous ones included)
    ("SH", "stock", ("600", "601", "603", "605", "688"), 120),
    ("SZ", "stock", ("000", "001", "002", "300", "301"), 120),
    ("BJ", "stock", ("83", "87", "92"), 15),
    ("SH", "fund", ("510", "512", "515", "516", "518"), 18),
    ("SZ", "fund", ("159", "160", "161"), 18),
    ("SH", "bond", ("110", "113", "118", "019"), 12),
    ("SZ", "bond", ("123", "127", "128"), 12),
)
# fmt: on


@dataclass(slots=True)
class Security:
    """A listed security; `price` is today's close in li (1/1000 yuan), on the tick."""

    market: str
    code: str
    name: str
    kind: str
    industry: str
    weight: float  # popularity: how often customers pick it
    tick: int
    decimals: int
    lot: int
    price: int
    limit: float  # the daily price limit, as a fraction of the close
    volatility: float
    beta: float

    def fill(self, roll: Roll) -> int:
        """A trade price near today's close, on the tick."""
        return max(self.tick, round(self.price * (0.985 + roll() * 0.03) / self.tick) * self.tick)

    def price_text(self, milli: int) -> str:
        return f"{milli / 1000:.{self.decimals}f}"


def _security(
    rng: random.Random,
    market: str,
    code: str,
    name: str,
    kind: str,
    industry: str,
    price_yuan: float,
    weight: float,
) -> Security:
    growth = market == "BJ" or code[:3] in ("300", "301", "688")
    treasury = code.startswith("019")
    tick = 10 if kind == "stock" else 1  # stocks quote in fen, funds and bonds in li
    if kind == "stock":
        limit = 0.3 if market == "BJ" else 0.2 if growth else 0.1
        volatility = rng.uniform(0.014, 0.03) * (1.3 if growth else 1.0)
        beta = rng.uniform(0.6, 1.4)
    elif kind == "fund":
        limit, volatility, beta = 0.1, rng.uniform(0.008, 0.015), rng.uniform(0.8, 1.1)
    else:
        limit = 0.1 if treasury else 0.2
        volatility, beta = (0.001, 0.0) if treasury else (0.01, 0.3)
    return Security(
        market=market,
        code=code,
        name=name,
        kind=kind,
        industry=industry,
        weight=weight,
        tick=tick,
        decimals=2 if kind == "stock" else 3,
        lot=10 if kind == "bond" else 100,
        price=max(tick, round(price_yuan * 1000 / tick) * tick),
        limit=limit,
        volatility=volatility,
        beta=beta,
    )


def _invent_security(rng: random.Random, market: str, kind: str, code: str) -> Security:
    stem = "".join(rng.sample(NAME_CHARS, 2))
    popularity = min(rng.paretovariate(1.2), 40.0)
    if kind == "fund":
        name = f"{rng.choice(FUND_THEMES)}{'ETF' if code[:2] in ('51', '15') else 'LOF'}"
        name += rng.choice(FUND_HOUSES)
        return _security(rng, market, code, name, kind, "", rng.uniform(0.6, 5), popularity)
    if kind == "bond" and code.startswith("019"):
        name = f"{rng.randint(20, 25)}国债{rng.randint(1, 28):02d}"
        return _security(rng, market, code, name, kind, "", 100.0, 0.3)
    if kind == "bond":
        price = rng.uniform(100, 160)
        return _security(rng, market, code, f"{stem}转债", kind, "", price, popularity / 2)
    industry = rng.choice(list(INDUSTRIES))
    name = stem + rng.choice(INDUSTRIES[industry])
    level = 35.0 if code.startswith("688") else 14.0
    price = min(400.0, max(2.0, rng.lognormvariate(0, 0.75) * level))
    return _security(rng, market, code, name, kind, industry, price, popularity)


def _build_securities(rng: random.Random) -> list[Security]:
    securities = []
    for row in FAMOUS:
        market, code, name, kind, industry, price = row.split()
        industry = "" if industry == "-" else industry
        securities.append(_security(rng, market, code, name, kind, industry, float(price), 30.0))
    taken = {
        (one.market, one.code) for one in securities
    }  # only tested for membership, never iterated
    for market, kind, prefixes, count in UNIVERSE:
        have = sum(one.market == market and one.kind == kind for one in securities)
        while have < count:
            prefix = rng.choice(prefixes)
            width = 6 - len(prefix)
            code = f"{prefix}{rng.randrange(10**width):0{width}d}"
            if (market, code) not in taken:
                taken.add((market, code))
                securities.append(_invent_security(rng, market, kind, code))
                have += 1
    return securities


class SecurityPicker:
    """Draws securities by popularity, so that a few names take most of the trading."""

    def __init__(self, securities: list[Security], keep: Callable[[Security], bool]) -> None:
        self.indexes = [index for index, security in enumerate(securities) if keep(security)]
        self.cumulative = tuple(accumulate(securities[index].weight for index in self.indexes))

    def pick(self, roll: Roll) -> int:
        """The index of a security in the market's list."""
        return self.indexes[draw(self.cumulative, roll)]


class Market:
    """The securities (accounts hold them by their index in `securities`) and their closes."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng  # its own stream: the same market whatever the customer count
        self.securities = _build_securities(rng)
        self.any_pick = SecurityPicker(self.securities, lambda security: True)
        self.main_pick = SecurityPicker(self.securities, lambda security: security.market != "BJ")
        self.stock_pick = SecurityPicker(
            self.securities, lambda security: security.market != "BJ" and security.kind == "stock"
        )

    def move(self) -> dict[int, int]:
        """Today's closes by a one-factor random walk; returns today's cash dividends per
        share (in li) by security index."""
        rng, dividends = self._rng, {}
        common = rng.gauss(0.0003, 0.011)
        for index, security in enumerate(self.securities):
            if security.kind == "stock" and rng.random() < 0.003:
                dividends[index] = max(1, int(security.price * rng.uniform(0.005, 0.025)))
            move = rng.gauss(0, security.volatility)
            move = max(-security.limit, min(security.limit, security.beta * common + move))
            tick = security.tick
            security.price = max(tick, round(security.price * (1 + move) / tick) * tick)
        return dividends
