"""Deterministic generator of trading-counter end-of-day exports in the COUNTER_EXPORTS.md layout.

No Django, so tests and benchmarks run it bare. It only writes day folders; reading them into
the CRM is the import's job. By default it writes every weekday with a book opened before the
first day (the benchmarks' shape); the demo asks for the exchanges' calendar, accounts that
open during the period and a few spoilt lines to correct (see generate_exports).
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from itertools import accumulate
from pathlib import Path

from django.utils.translation import gettext

# Default last business day. Fixed, so that the output never depends on the day it runs.
ANCHOR_LAST_DAY = date(2026, 11, 20)
# "weekdays": Monday to Friday. "exchange": the Shanghai and Shenzhen exchanges' days, closed
# on every weekend (also on the make-up working days of the public holidays) and on the
# weekdays of China's public holidays, as the `holidays` package publishes them.
CALENDARS = ("weekdays", "exchange")
# With openings: about one account opened a trading day per this many customers (at least one).
CUSTOMERS_PER_OPENING = 1500

# fmt: off
_COLUMNS = {  # file: its columns, in the order written
    "branches.csv": "branch_code name region",
    "staff.csv": "staff_code name branch_code role team status",
    "securities.csv": "market sec_code name sec_type industry",
    "quotes.csv": "market sec_code close_price",
    "customers.csv": (
        "cust_no name cust_type id_type id_no gender birth_date mobile email address occupation "
        "branch_code manager_code open_date status risk_level risk_assessed_on investor_class "
        "invest_horizon invest_varieties marketing_consent"
    ),
    "capital_accounts.csv": "fund_account cust_no account_kind currency open_date status",
    "shareholder_accounts.csv": "holder_account fund_account market open_date",
    "balances.csv": "fund_account currency balance available frozen",
    "positions.csv": "fund_account market sec_code quantity available_qty cost_price market_value",
    "trades.csv": (
        "serial_no trade_date fund_account market sec_code side quantity price amount commission "
        "stamp_tax transfer_fee handling_fee regulatory_fee net_amount channel"
    ),
    "cash_flows.csv": "serial_no flow_date fund_account biz_type amount balance_after",
    "credit_accounts.csv": (
        "fund_account financing_debt lending_debt accrued_interest collateral_value "
        "maintenance_ratio"
    ),
}
HEADERS = {name: tuple(columns.split()) for name, columns in _COLUMNS.items()}
DATA_FILES = tuple(HEADERS)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
SURNAME_CUM = tuple(accumulate(1 / (rank + 6) for rank in range(len(SURNAMES))))  # by rank
MALE_CHARS = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林博文志国建东海峰亮晨"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲婷雪琳晶慧莉颖倩蓉琴红梅月萍洁佳悦欣怡雯璐瑶丹岚"
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "170", "173", "176", "177", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "191", "198", "199",
)
OCCUPATIONS = (
    "企业职员", "公务员", "教师", "医生", "工程师", "个体工商户", "自由职业", "金融从业人员",
    "私营企业主", "律师", "学生", "其他",
)
# (region, address prefix, city, "<6-digit area code><district>" of the IDs issued there)
REGIONS = (
    ("北京分公司", "北京市", "北京", ("110101东城区", "110105朝阳区", "110108海淀区")),
    ("上海分公司", "上海市", "上海", ("310101黄浦区", "310115浦东新区", "310104徐汇区")),
    ("广东分公司", "广东省广州市", "广州", ("440106天河区", "440104越秀区", "440105海珠区")),
    ("深圳分公司", "广东省深圳市", "深圳", ("440305南山区", "440304福田区", "440303罗湖区")),
    ("浙江分公司", "浙江省杭州市", "杭州", ("330106西湖区", "330102上城区", "330108滨江区")),
    ("江苏分公司", "江苏省南京市", "南京", ("320106鼓楼区", "320104秦淮区", "320105建邺区")),
    ("四川分公司", "四川省成都市", "成都", ("510104锦江区", "510107武侯区", "510108成华区")),
    ("湖北分公司", "湖北省武汉市", "武汉", ("420106武昌区", "420102江岸区", "420111洪山区")),
    ("山东分公司", "山东省济南市", "济南", ("370102历下区", "370103市中区", "370112历城区")),
    ("陕西分公司", "陕西省西安市", "西安", ("610113雁塔区", "610104莲湖区", "610103碑林区")),
)
ROADS = (
    "人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "新华路", "文化路", "滨江大道",
    "世纪大道", "科技路",
)
TEAMS = ("财富管理一组", "财富管理二组", "财富管理三组", "财富管理四组")
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
NAME_CHARS = "华中金恒天新东海长广宏晨瑞鼎锦泰盛博凯永和信安兴隆正远达润宇"
FUND_THEMES = (
    "沪深300", "中证500", "中证1000", "创业板", "科创50", "证券", "医药", "半导体", "红利",
    "黄金", "消费", "军工", "光伏",
)
FUND_HOUSES = ("华夏", "易方达", "南方", "嘉实", "广发", "国泰", "富国", "博时", "汇添富")
INST_KINDS = ("投资管理有限公司", "资产管理有限公司", "科技股份有限公司", "实业有限公司")
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
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CHANNELS, CHANNEL_CUM = ("mobile", "internet", "counter", "phone"), (0.62, 0.87, 0.95, 1.0)
STATUS_CUM = (0.88, 0.89, 0.895, 0.935, 1.0)  # normal, frozen, lost, closed, dormant
RISK_CUM = (0.05, 0.2, 0.65, 0.9, 1.0)  # C1..C5
VARIETIES = (("equity", 0.9), ("fund", 0.6), ("fixed_income", 0.35), ("derivative", 0.1))
# fmt: on
YUAN = 100  # money is kept in integer fen so that sums are exact; prices in 1/1000 yuan (li)
STAMP_PPM, TRANSFER_PPM, REGULATORY_PPM, HANDLING_PER_1E7 = 500, 10, 20, 341
MIN_COMMISSION = 5 * YUAN
FINANCING_RATE = 0.06  # a year of 360 days, as the margin contracts count it
BJ_THRESHOLD = 500_000 * YUAN  # assets needed to trade on the Beijing exchange
# Margin needs 500k too, but counted with assets held elsewhere; this book sees only ours.
MARGIN_THRESHOLD = 300_000 * YUAN


def resident_id_check_digit(first17: str) -> str:
    """The 18th character of a resident ID number (ISO 7064 MOD 11-2, GB 11643)."""
    total = sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100)."""
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


@cache
def exchange_holidays(year: int) -> frozenset[date]:
    """The days of `year` on which the Shanghai Stock Exchange (and Shenzhen with it) is
    closed besides weekends: public holidays and the weekdays taken off in their place."""
    import holidays  # only the exchange calendar needs it; the benchmarks run without

    return frozenset(holidays.financial_holidays("XSHG", years=year))


def is_business_day(day: date, calendar: str = "weekdays") -> bool:
    if day.weekday() >= 5:
        return False
    return calendar == "weekdays" or day not in exchange_holidays(day.year)


def business_days(start: date, count: int, calendar: str = "weekdays") -> list[date]:
    """`count` consecutive business days of `calendar` (see CALENDARS) from `start` on."""
    if calendar not in CALENDARS:
        raise ValueError(f"calendar must be one of {', '.join(CALENDARS)}, not {calendar!r}")
    days, day = [], start
    while len(days) < count:
        if is_business_day(day, calendar):
            days.append(day)
        day += timedelta(days=1)
    return days


def previous_business_day(day: date, calendar: str = "weekdays") -> date:
    day -= timedelta(days=1)
    while not is_business_day(day, calendar):
        day -= timedelta(days=1)
    return day


def default_start_date(days: int, calendar: str = "weekdays") -> date:
    """The first of `days` business days ending on ANCHOR_LAST_DAY."""
    day, left = ANCHOR_LAST_DAY, days - 1
    while left > 0:
        day -= timedelta(days=1)
        left -= is_business_day(day, calendar)
    return day


def generate_exports(
    *,
    out_dir: Path,
    customers: int,
    days: int,
    seed: int,
    start_date: date | None = None,
    trades_per_day: int | None = None,
    progress: Callable[[str], None] | None = None,
    calendar: str = "weekdays",
    openings: bool = False,
    planted_rejects: bool = False,
) -> list[Path]:
    """Write `days` business-day folders `out_dir/YYYYMMDD/` and return them in date order.

    Same arguments, same bytes. `trades_per_day` scales trading to about that many trades.
    `calendar` names the business days (CALENDARS). With `openings`, some customers open
    their accounts on the exported days instead of before them (about one a day per
    CUSTOMERS_PER_OPENING customers, every branch in turn), so no week lacks new accounts.
    With `planted_rejects`, the last day has a few lines spoilt as counters and hand edits
    spoil them (see PLANTED_REJECTS): the import rejects them, with reasons, to be corrected.
    """
    if customers < 1 or days < 1:
        raise ValueError("customers and days must be at least 1")
    dates = business_days(start_date or default_start_date(days, calendar), days, calendar)
    world = _World(
        seed=seed, customers=customers, start=dates[0], opening_days=dates if openings else ()
    )
    folders, previous = [], previous_business_day(dates[0], calendar)
    for day in dates:
        folder = Path(out_dir) / f"{day:%Y%m%d}"
        folder.mkdir(parents=True, exist_ok=True)
        # A manifest left by an earlier run would declare a half-rewritten folder complete.
        (folder / "manifest.csv").unlink(missing_ok=True)
        rows = world.write_day(folder, day, trades_per_day, previous)
        if planted_rejects and day == dates[-1]:
            _plant_rejects(folder)
        _write_manifest(folder, rows)
        folders.append(folder)
        previous = day
        if progress:
            progress(
                gettext("%(day)s: %(trades)s trades, %(flows)s cash flows, %(positions)s positions")
                % {
                    "day": f"{day:%Y%m%d}",
                    "trades": rows["trades.csv"],
                    "flows": rows["cash_flows.csv"],
                    "positions": rows["positions.csv"],
                }
            )
    return folders


def _o_for_zero(value: str) -> str | None:
    return value[0] + value[1:].replace("0", "O", 1) if "0" in value[1:] else None


# (file, column, the spoilt value of a row's value or None when the row cannot show it): what
# the import of a day that `planted_rejects` spoils must reject, each with its reason.
PLANTED_REJECTS: tuple[tuple[str, str, Callable[[str], str | None]], ...] = (
    ("trades.csv", "fund_account", _o_for_zero),  # a letter O typed for a zero: unknown account
    ("trades.csv", "trade_date", lambda v: f"{date.fromisoformat(v):%d/%m/%Y}"),  # not a date
    # A spreadsheet's thousands separator: not a number.
    ("cash_flows.csv", "amount", lambda v: f"{Decimal(v):,}" if abs(Decimal(v)) >= 1000 else None),
    # A spreadsheet that dropped a code's leading zeros: a security code in the wrong format.
    ("positions.csv", "sec_code", lambda v: v.lstrip("0") if v.startswith("00") else None),
    # A mobile number typed with spaces: the wrong format.
    ("customers.csv", "mobile", lambda v: f"{v[:3]} {v[3:7]} {v[7:]}" if len(v) == 11 else None),
)


def _plant_rejects(folder: Path) -> None:
    """Spoil one line per PLANTED_REJECTS entry, each on its own line a third into its file;
    the row counts stay as they are."""
    for name in dict.fromkeys(name for name, _, _ in PLANTED_REJECTS):
        path = folder / name
        with path.open(encoding="utf-8", newline="") as fh:
            header, *rows = list(csv.reader(fh))
        used: set[int] = set()
        for file, column, spoil in PLANTED_REJECTS:
            if file != name:
                continue
            at = header.index(column)
            for k in range(len(rows) // 3, len(rows)):
                spoilt = None if k in used else spoil(rows[k][at])
                if spoilt is not None:
                    rows[k][at] = spoilt
                    used.add(k)
                    break
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows([header, *rows])


def _write_manifest(folder: Path, rows: dict[str, int]) -> None:
    tmp = folder / "manifest.csv.tmp"
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("file", "rows", "sha256"))
        for name in DATA_FILES:
            with (folder / name).open("rb") as data:
                digest = hashlib.file_digest(data, "sha256").hexdigest()
            writer.writerow((name, rows[name], digest))
    os.replace(tmp, folder / "manifest.csv")  # the manifest appears whole or not at all


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"  # exact: the float is far closer to fen/100 than half a fen


@cache
def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def _holder(prefix: str, idx: int) -> str:
    """A 10-character holder account; idx * 7919 is a bijection modulo 10**n, so unique."""
    width = 10 - len(prefix)
    return f"{prefix}{(idx * 7919 + 1_234_567) % 10**width:0{width}d}"


def _draw(cum, rnd: Callable[[], float]) -> int:
    """Index drawn from cumulative weights."""
    return bisect_right(cum, rnd() * cum[-1])


def _name(rng: random.Random, male: bool) -> str:
    chars = MALE_CHARS if male else FEMALE_CHARS
    given = "".join(rng.choice(chars) for _ in range(1 + (rng.random() < 0.7)))
    return SURNAMES[_draw(SURNAME_CUM, rng.random)] + given


class _Sheet:
    """One CSV file of a day folder, counting its data rows for the manifest."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._fh, lineterminator="\n")
        self._writer.writerow(HEADERS[path.name])
        self.rows = 0

    def write(self, row) -> None:
        self._writer.writerow(row)
        self.rows += 1

    def close(self) -> None:
        self._fh.close()


class _Security:
    # fmt: off
    __slots__ = ("beta", "code", "decimals", "industry", "kind", "limit", "lot", "market",
                 "name", "price", "tick", "vol", "weight")
    # fmt: on

    def __init__(self, rng, market, code, name, kind, industry, price, weight) -> None:
        self.market, self.code, self.name, self.kind = market, code, name, kind
        self.industry, self.weight = industry, weight
        growth = market == "BJ" or code[:3] in ("300", "301", "688")
        treasury = code.startswith("019")
        self.tick = 10 if kind == "stock" else 1  # stocks quote in fen, funds and bonds in li
        self.decimals = 2 if kind == "stock" else 3
        self.lot = 10 if kind == "bond" else 100
        self.price = max(self.tick, round(price * 1000 / self.tick) * self.tick)
        if kind == "stock":
            self.limit = 0.3 if market == "BJ" else 0.2 if growth else 0.1
            self.vol = rng.uniform(0.014, 0.03) * (1.3 if growth else 1.0)
            self.beta = rng.uniform(0.6, 1.4)
        elif kind == "fund":
            self.limit, self.vol, self.beta = 0.1, rng.uniform(0.008, 0.015), rng.uniform(0.8, 1.1)
        else:
            self.limit = 0.1 if treasury else 0.2
            self.vol, self.beta = (0.001, 0.0) if treasury else (0.01, 0.3)

    def fill(self, rnd: Callable[[], float]) -> int:
        """A trade price near today's close, on the tick."""
        return max(self.tick, round(self.price * (0.985 + rnd() * 0.03) / self.tick) * self.tick)

    def text(self, milli: int) -> str:
        return f"{milli / 1000:.{self.decimals}f}"


class _Picker:
    """Draws securities by popularity, so that a few names take most of the trading."""

    def __init__(self, secs: list[_Security], keep: Callable[[_Security], bool]) -> None:
        self.indexes = [i for i, s in enumerate(secs) if keep(s)]
        self.cum = tuple(accumulate(secs[i].weight for i in self.indexes))

    def pick(self, rnd: Callable[[], float]) -> int:
        return self.indexes[_draw(self.cum, rnd)]


class _Customer:
    # fmt: off
    __slots__ = ("activity", "bj", "branch", "cash", "credit", "cust_no", "deposit",
                 "fund_account", "idx", "inst", "manager", "open_ord", "positions", "rate", "risk",
                 "risk_on", "status", "wealth")
    # fmt: on


class _Credit:
    # fmt: off
    __slots__ = ("cash", "debt", "fund_account", "interest", "open_ord", "positions", "short_qty",
                 "short_sec")
    # fmt: on


class _Day:
    """Per-day constants and the serial counters of trades and cash flows."""

    def __init__(self, day: date, scale: float, dividends: dict[int, int], previous: date) -> None:
        self.iso, self.ymd = day.isoformat(), f"{day:%Y%m%d}"
        self.scale, self.dividends = scale, dividends
        # Banks settle current-account interest on the 20th of each quarter's last month: it
        # reaches the first business day after it.
        after_20th = previous.month != day.month or previous.day < 21
        self.quarter_end = day.month % 3 == 0 and day.day >= 21 and after_20th
        self.trades = self.flows = 0


class _World:
    """The counter's state between days: market prices, customers, accounts and holdings.

    Positions are dicts {security index: [quantity, total cost in fen]} per account.
    """

    def __init__(
        self, *, seed: int, customers: int, start: date, opening_days: list[date] | tuple = ()
    ) -> None:
        self.seed = seed
        setup = random.Random(f"{seed}/setup")
        self.market = random.Random(f"{seed}/market")  # same market whatever the customer count
        self.activity = random.Random(f"{seed}/activity")
        self.start_ord = start.toordinal()
        self.secs = self._build_securities(self.market)
        self.any_pick = _Picker(self.secs, lambda s: True)
        self.main_pick = _Picker(self.secs, lambda s: s.market != "BJ")
        self.stock_pick = _Picker(self.secs, lambda s: s.market != "BJ" and s.kind == "stock")
        self._build_branches(setup, customers)
        self.customers = [self._build_customer(setup, i) for i in range(customers)]
        # Customers not yet opened on the day written are left out of every file of it;
        # `pending` holds them in opening order, `live` the others.
        self.pending = self._open_during(opening_days) if opening_days else []
        self.live = self.customers
        if self.pending:
            self.live = [c for c in self.customers if c.open_ord < self.start_ord]
        self.credits = []
        for c in self.customers:
            if c.credit:
                self._fund_credit(setup, c, len(self.credits))
                self.credits.append(c.credit)
        self.total_activity = sum(c.activity for c in self.customers)

    # -- the world before the first day -----------------------------------------------------

    def _build_securities(self, rng: random.Random) -> list[_Security]:
        secs = []
        for row in FAMOUS:
            market, code, name, kind, industry, price = row.split()
            industry = "" if industry == "-" else industry
            secs.append(_Security(rng, market, code, name, kind, industry, float(price), 30.0))
        taken = {(s.market, s.code) for s in secs}  # only tested for membership, never iterated
        for market, kind, prefixes, count in UNIVERSE:
            have = sum(s.market == market and s.kind == kind for s in secs)
            while have < count:
                prefix = rng.choice(prefixes)
                width = 6 - len(prefix)
                code = f"{prefix}{rng.randrange(10**width):0{width}d}"
                if (market, code) not in taken:
                    taken.add((market, code))
                    secs.append(self._invent_security(rng, market, kind, code))
                    have += 1
        return secs

    def _invent_security(self, rng, market, kind, code) -> _Security:
        stem = "".join(rng.sample(NAME_CHARS, 2))
        popularity = min(rng.paretovariate(1.2), 40.0)
        if kind == "fund":
            name = f"{rng.choice(FUND_THEMES)}{'ETF' if code[:2] in ('51', '15') else 'LOF'}"
            name += rng.choice(FUND_HOUSES)
            return _Security(rng, market, code, name, kind, "", rng.uniform(0.6, 5), popularity)
        if kind == "bond" and code.startswith("019"):
            name = f"{rng.randint(20, 25)}国债{rng.randint(1, 28):02d}"
            return _Security(rng, market, code, name, kind, "", 100.0, 0.3)
        if kind == "bond":
            price = rng.uniform(100, 160)
            return _Security(rng, market, code, f"{stem}转债", kind, "", price, popularity / 2)
        industry = rng.choice(list(INDUSTRIES))
        name = stem + rng.choice(INDUSTRIES[industry])
        level = 35.0 if code.startswith("688") else 14.0
        price = min(400.0, max(2.0, rng.lognormvariate(0, 0.75) * level))
        return _Security(rng, market, code, name, kind, industry, price, popularity)

    def _build_branches(self, rng: random.Random, customers: int) -> None:
        count = min(100, max(3, customers // 800))
        self.branches, self.staff, self.serving = [], [], []
        for b in range(count):
            region = b % len(REGIONS)
            region_name, _, city, districts = REGIONS[region]
            code = f"{region + 1:02d}{b // len(REGIONS) + 1:02d}"
            name = ""
            while not name or any(name == row[1] for row in self.branches):
                name = f"{city}{rng.choice(districts)[6:]}{rng.choice(ROADS)}证券营业部"
            self.branches.append((code, name, region_name, region))
            self.serving.append(self._build_staff(rng, b, code, customers / count))
        self.branch_cum = tuple(accumulate(rng.uniform(0.5, 1.5) for _ in range(count)))

    def _build_staff(self, rng: random.Random, b: int, code: str, book: float) -> list[str]:
        """Adds the staff of one branch; returns the codes of those who serve customers."""
        managers = min(30, max(2, int(book // 150)))
        teams = TEAMS[: min(4, 1 + managers // 6)]
        plan = [("branch_head", "")] + [("manager", teams[k % len(teams)]) for k in range(managers)]
        plan += [("broker", "经纪业务组")] * min(15, max(1, int(book // 300)))
        plan += [("advisor", "投资顾问组")] * (1 + (book > 1500))
        serving = []
        for k, (role, team) in enumerate(plan, start=1):
            staff_code = f"{code}{k:03d}"
            # People leave; their customers keep pointing at them until reassigned.
            gone = role != "branch_head" and (rng.random() < 0.05 or (b == 0 and k == managers))
            status = "left" if gone else "active"
            self.staff.append(
                (staff_code, _name(rng, rng.random() < 0.5), code, role, team, status)
            )
            if role in ("manager", "broker"):
                serving.append(staff_code)
        return serving

    def _open_during(self, days: list[date]) -> list[_Customer]:
        """Turn the newest customers of each branch into accounts opened on `days` (every
        branch in turn, about len(customers) / CUSTOMERS_PER_OPENING a day); returns them
        in opening order. They come with cash to deposit and nothing else yet."""
        rng = random.Random(f"{self.seed}/openings")
        base = max(1, len(self.customers) // CUSTOMERS_PER_OPENING)
        plan = [day for day in days for _ in range(base + (rng.random() < 0.5))]
        most = len(self.customers) // 5  # a small book still has mostly older customers,
        if len(plan) > most:  # its openings thinned evenly over the period
            plan = [plan[k * len(plan) // most] for k in range(most)]
        branches = len(self.branches)
        need = Counter(k % branches for k in range(len(plan)))
        newest: dict[int, list[_Customer]] = {b: [] for b in need}
        for c in reversed(self.customers[10:]):  # the first ten show every status
            queue = newest.get(c.branch)
            if queue is not None and len(queue) < need[c.branch]:
                queue.append(c)
        opened = []
        for k, day in enumerate(plan):
            queue = newest[k % branches]
            if not queue:
                continue  # the branch has fewer customers than openings
            c = queue.pop()  # the lowest customer number opens first
            c.open_ord = c.risk_on = day.toordinal()
            c.status, c.positions, c.credit, c.bj = 0, {}, None, False
            median = 2_000_000 if c.inst else 30_000
            c.wealth = int(min(rng.lognormvariate(0, 1.2) * median, 5e7) * YUAN)
            c.deposit, c.cash = c.wealth, 0  # 银证转入 on the opening day
            c.activity = _activity(c)
            opened.append(c)
        return opened

    def _build_customer(self, rng: random.Random, i: int) -> _Customer:
        c = _Customer()
        c.idx, c.branch = i, _draw(self.branch_cum, rng.random)
        code = self.branches[c.branch][0]
        c.cust_no, c.fund_account = f"{code}{i + 1:08d}", f"1{code}{i + 1:07d}"
        c.inst = i == 5 or rng.random() < 0.02  # at least one institution
        # Skewed towards recent years: the brokerage gains more customers than it loses.
        c.open_ord = self.start_ord - 1 - int(15 * 365 * rng.random() ** 1.5)
        c.status = i if 1 <= i <= 4 else _draw(STATUS_CUM, rng.random)  # every status shows up
        c.risk = 3 + _draw(RISK_CUM[2:], rng.random) if c.inst else 1 + _draw(RISK_CUM, rng.random)
        low = max(c.open_ord, self.start_ord - 3 * 365)  # about a third older than two years
        c.risk_on = low + int(rng.random() * (self.start_ord - low))
        c.manager = "" if rng.random() < 0.03 else rng.choice(self.serving[c.branch])
        # Lognormal wealth: a median of 50k yuan and a tail into the hundreds of millions.
        median, sigma = (2_000_000, 1.3) if c.inst else (50_000, 1.35)
        c.wealth = int(min(rng.lognormvariate(0, sigma) * median, 3e8) * YUAN)
        if c.status == 3:
            c.wealth = 0  # a closed account has been emptied
        elif c.status == 4:
            c.wealth = int(rng.random() * 100 * YUAN)  # dormant: a few yuan left behind
        # Big accounts negotiate lower commission rates (per million) and trade more often.
        if c.wealth > 5_000_000 * YUAN:
            c.rate = 150
        else:
            c.rate = rng.choice((150, 180) if c.wealth > 1_000_000 * YUAN else (200, 250, 300))
        c.activity = _activity(c)
        c.bj = c.wealth >= BJ_THRESHOLD and rng.random() < 0.5
        c.positions, c.cash, c.deposit = {}, c.wealth, 0
        if c.status in (0, 1, 2) and rng.random() < 0.75:
            picker = self.any_pick if c.bj else self.main_pick
            budget = int(c.wealth * rng.uniform(0.3, 0.9))
            c.cash -= self._buy_basket(rng, c.positions, budget, picker)
        c.credit = None
        # Margin needs six months with the firm and enough assets.
        seasoned = self.start_ord - c.open_ord - 180
        eligible = not c.inst and c.status == 0 and seasoned >= 0 and c.wealth >= MARGIN_THRESHOLD
        if eligible and rng.random() < 0.6:
            c.credit = cr = _Credit()
            cr.fund_account = f"8{code}{i + 1:07d}"
            cr.open_ord = c.open_ord + 180 + int(rng.random() * seasoned)
        return c

    def _buy_basket(self, rng, positions: dict, budget: int, picker: _Picker) -> int:
        """Holdings bought before the first exported day; returns what they cost in fen."""
        spent, count = 0, 1 + int(rng.random() * (2 + min(8, budget // (500_000 * YUAN))))
        for _ in range(count):
            s = picker.pick(rng.random)
            sec = self.secs[s]
            lots = budget // count // (sec.price * sec.lot // 10)
            if lots > 0:
                paid = lots * sec.lot * sec.price // 10
                pos = positions.setdefault(s, [0, 0])
                pos[0] += lots * sec.lot
                pos[1] += int(paid * rng.uniform(0.7, 1.3))  # bought at some other price
                spent += paid
        return spent

    def _fund_credit(self, rng, owner: _Customer, k: int) -> None:
        """Collateral, debt and short sale sized for a maintenance ratio."""
        cr = owner.credit
        if k < 2:
            ratio = (1.22, 1.33)[k]  # the import must meet a call (<1.3) and a warning (<1.4)
        elif rng.random() < 0.06:  # after a slide: at or near a margin call
            ratio = rng.uniform(1.15, 1.45)
        else:
            ratio = 1.45 + rng.expovariate(1 / 1.2)
        collateral = int(owner.wealth * rng.uniform(0.3, 0.8))
        cr.positions = {}
        cr.cash = collateral - self._buy_basket(rng, cr.positions, collateral, self.main_pick)
        cr.short_sec, cr.short_qty, lending = None, 0, 0
        if rng.random() < 0.2:
            cr.short_sec = self.stock_pick.pick(rng.random)
            sec = self.secs[cr.short_sec]
            cr.short_qty = int(collateral * rng.uniform(0.05, 0.2) / ratio * 10 / sec.price)
            cr.short_qty -= cr.short_qty % 100
            lending = cr.short_qty * sec.price // 10
        cr.debt = max(0, int(collateral / ratio) - lending)
        cr.interest = int(cr.debt * FINANCING_RATE / 360 * rng.uniform(0, 90))

    # -- one business day -------------------------------------------------------------------

    def write_day(
        self, folder: Path, day: date, trades_per_day: int | None, previous: date
    ) -> dict[str, int]:
        """Writes the 12 data files of a day (`previous` is the business day before it) and
        returns their data row counts."""
        dividends = self._move_market()
        scale = 1.0
        if trades_per_day is not None and self.total_activity:
            scale = trades_per_day / self.total_activity
        ctx = _Day(day, scale, dividends, previous)
        today = day.toordinal()
        if self.pending and self.pending[0].open_ord <= today:  # accounts open today
            self.pending = [c for c in self.pending if c.open_ord > today]
            self.live = [c for c in self.customers if c.open_ord <= today]
        sheets = {name: _Sheet(folder / name) for name in DATA_FILES}
        try:
            self._write_static(sheets)
            self._write_customers(sheets["customers.csv"], day)
            for c in self.live:
                self._customer_day(c, ctx, sheets)
            gap = (day - previous).days  # margin interest runs over weekends and holidays too
            for cr in self.credits:
                self._credit_day(cr, gap, sheets)
        finally:
            for sheet in sheets.values():
                sheet.close()
        return {name: sheet.rows for name, sheet in sheets.items()}

    def _move_market(self) -> dict[int, int]:
        """Today's closes by a one-factor random walk; returns today's cash dividends per share."""
        rng, dividends = self.market, {}
        market = rng.gauss(0.0003, 0.011)
        for i, s in enumerate(self.secs):
            if s.kind == "stock" and rng.random() < 0.003:
                dividends[i] = max(1, int(s.price * rng.uniform(0.005, 0.025)))
            move = max(-s.limit, min(s.limit, s.beta * market + rng.gauss(0, s.vol)))
            s.price = max(s.tick, round(s.price * (1 + move) / s.tick) * s.tick)
        return dividends

    def _write_static(self, sheets: dict[str, _Sheet]) -> None:
        for code, name, region, _ in self.branches:
            sheets["branches.csv"].write((code, name, region))
        for row in self.staff:
            sheets["staff.csv"].write(row)
        for s in self.secs:
            sheets["securities.csv"].write((s.market, s.code, s.name, s.kind, s.industry))
            sheets["quotes.csv"].write((s.market, s.code, s.text(s.price)))
        accounts, holders = sheets["capital_accounts.csv"], sheets["shareholder_accounts.csv"]
        for c in self.live:
            opened = _iso(c.open_ord)
            accounts.write((c.fund_account, c.cust_no, "normal", "CNY", opened, c.status))
            holders.write((_holder("B" if c.inst else "A", c.idx), c.fund_account, "SH", opened))
            holders.write((_holder("00", c.idx), c.fund_account, "SZ", opened))
            if c.bj:
                holders.write((_holder("01", c.idx), c.fund_account, "BJ", opened))
            if c.credit:  # 信用证券账户: SH E…, SZ 06…
                cr, since = c.credit, _iso(c.credit.open_ord)
                accounts.write((cr.fund_account, c.cust_no, "credit", "CNY", since, c.status))
                holders.write((_holder("E", c.idx), cr.fund_account, "SH", since))
                holders.write((_holder("06", c.idx), cr.fund_account, "SZ", since))

    def _write_customers(self, sheet: _Sheet, day: date) -> None:
        rnd, today = self.activity.random, day.toordinal()
        for c in self.live:
            if c.status == 0 and rnd() < 0.002:  # a few retake the risk questionnaire each day
                c.risk_on, c.risk = today, min(5, max(1, c.risk + int(rnd() * 3) - 1))
            sheet.write(self._customer_row(c))

    def _customer_row(self, c: _Customer) -> tuple:
        """The customers.csv row; personal data comes from the customer's own seed, not memory."""
        rng = random.Random(self.seed * 1_000_003 + c.idx)
        region = REGIONS[self.branches[c.branch][3] if rng.random() < 0.85 else rng.randrange(10)]
        area = rng.choice(region[3])
        address = f"{region[1]}{area[6:]}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
        mobile = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        if c.inst:
            name = f"{region[2]}{''.join(rng.sample(NAME_CHARS, 2))}{rng.choice(INST_KINDS)}"
            first17 = "91" + area[:6] + "".join(rng.choice(USCC_CHARS) for _ in range(9))
            address += f"{rng.randint(2, 30)}层"
            person = (name, "1", "2", first17 + credit_code_check_char(first17), "", "", mobile)
            person += ("", address, "")
            professional = True
        else:
            male = rng.random() < 0.55
            birth = date.fromordinal(c.open_ord - int(rng.triangular(18.1, 70, 30) * 365.25))
            order = rng.randrange(100) * 10 + rng.randrange(1 if male else 0, 10, 2)  # odd: male
            first17 = f"{area[:6]}{birth:%Y%m%d}{order:03d}"
            email = ""
            if rng.random() < 0.25:
                email = f"{rng.randint(10000, 2999999999)}@qq.com"
            elif rng.random() < 0.2:
                email = "".join(rng.choices("abcdefghjkmnprstwxyz", k=6)) + "@163.com"
            old = self.start_ord - birth.toordinal() > 60 * 365.25
            occupation = "退休" if old and rng.random() < 0.7 else rng.choice(OCCUPATIONS)
            address += f"{rng.randint(1, 30)}栋{rng.randint(1, 30)}{rng.randint(1, 4):02d}室"
            person = (_name(rng, male), "0", "0", first17 + resident_id_check_digit(first17))
            person += ("M" if male else "F", birth.isoformat(), mobile, email, address, occupation)
            professional = c.wealth > 5_000_000 * YUAN and rng.random() < 0.5
        name, cust_type, *details = person
        horizon = ("short", "medium", "long")[_draw((0.3, 0.75, 1.0), rng.random)]
        varieties = ";".join(v for v, p in VARIETIES if rng.random() < p) or "equity"
        return (
            *(c.cust_no, name, cust_type, *details, self.branches[c.branch][0], c.manager),
            *(_iso(c.open_ord), c.status, f"C{c.risk}", _iso(c.risk_on)),
            "professional" if professional else "ordinary",
            *(horizon, varieties, "Y" if rng.random() < 0.7 else "N"),
        )

    def _customer_day(self, c: _Customer, ctx: _Day, sheets: dict[str, _Sheet]) -> None:
        """Trades, cash flows, balance and positions of one customer's normal account."""
        rnd = self.activity.random
        lam = c.activity * ctx.scale
        count = int(lam) + (rnd() < lam - int(lam))
        # Dividends go to the holders at yesterday's close (the record date).
        payouts = [
            q * ctx.dividends[s] // 10 for s, (q, _) in c.positions.items() if s in ctx.dividends
        ]
        bank_in = 0
        if c.status == 0 and rnd() < 0.02:
            bank_in = max(1000 * YUAN, int(c.wealth * rnd() * 0.3) // (100 * YUAN) * (100 * YUAN))
        if c.deposit:  # the first deposit of an account opened today
            bank_in, c.deposit = bank_in + c.deposit, 0
        cash, net_total, bought = c.cash + bank_in, 0, {}
        for _ in range(count):
            side, s, qty, price = self._order(c, bought)
            sec = self.secs[s]
            amount = (qty * price + 5) // 10  # round half up to the fen
            fees = _fees(amount, c.rate, side, sec.kind == "stock")
            net = amount - sum(fees) if side == "S" else -(amount + sum(fees))
            if cash + net < 0:  # 银证转入 first: the counter never lets cash go negative
                top = (-(cash + net) // (1000 * YUAN) + 1) * (1000 * YUAN)
                bank_in, cash = bank_in + top, cash + top
            cash, net_total = cash + net, net_total + net
            pos = c.positions.setdefault(s, [0, 0])
            if side == "S":
                pos[1] -= pos[1] * qty // pos[0]  # average cost: selling does not move it
                pos[0] -= qty
                if pos[0] == 0:
                    del c.positions[s]
            else:
                pos[0] += qty
                pos[1] -= net
                if side != "DIV":  # T+1: bought shares are sellable tomorrow
                    bought[s] = bought.get(s, 0) + qty
            ctx.trades += 1
            serial, channel = f"{ctx.ymd}1{ctx.trades:07d}", CHANNELS[_draw(CHANNEL_CUM, rnd)]
            money = map(_yuan, (amount, *fees, net))
            row = (serial, ctx.iso, c.fund_account, sec.market, sec.code, side, qty)
            sheets["trades.csv"].write((*row, sec.text(price), *money, channel))
        flows = [("BANK_IN", bank_in)] if bank_in else []
        flows += [("TRADE", net_total)] if count else []
        flows += [("DIVIDEND", paid) for paid in payouts if paid]
        if ctx.quarter_end and c.cash * 5 // 10_000:
            flows.append(("INTEREST", c.cash * 5 // 10_000))  # 0.2% a year, a quarter's worth
        if c.status == 0 and rnd() < 0.015:
            ready = cash + sum(amount for kind, amount in flows if kind in ("DIVIDEND", "INTEREST"))
            if out := int(ready * rnd()) // (100 * YUAN) * (100 * YUAN):
                flows.append(("BANK_OUT", -out))
        balance = c.cash
        for biz_type, amount in flows:
            balance += amount
            ctx.flows += 1
            serial = f"{ctx.ymd}2{ctx.flows:07d}"
            row = (serial, ctx.iso, c.fund_account, biz_type, _yuan(amount), _yuan(balance))
            sheets["cash_flows.csv"].write(row)
        c.cash = balance
        frozen = balance if c.status == 1 else 0
        row = (c.fund_account, "CNY", _yuan(balance), _yuan(balance - frozen), _yuan(frozen))
        sheets["balances.csv"].write(row)
        self._write_positions(sheets, c.fund_account, c.positions, bought, c.status == 1)

    def _order(self, c: _Customer, bought: dict[int, int]) -> tuple[str, int, int, int]:
        """The next trade of a customer: side, security, quantity and price (1/1000 yuan)."""
        rnd, held = self.activity.random, c.positions
        r = rnd()
        if r < 0.004:  # new-share allotment: one SH lot is 1000 shares, SZ 500, at issue price
            s = self.stock_pick.pick(rnd)
            issue = round(500 + rnd() * 5500) * 10  # 5 to 60 yuan
            return "IPO", s, 1000 if self.secs[s].market == "SH" else 500, issue
        crowded = min(0.4, 0.08 * len(held))  # many lines held: more selling and topping up
        if held and r < 0.45 + crowded:
            s = list(held)[int(rnd() * len(held))]
            sec, qty = self.secs[s], held[s][0]
            if sec.kind == "stock" and r < 0.007:
                if qty >= 10:
                    return "DIV", s, qty // 10, 0  # 10送1 bonus shares
            elif sec.kind == "stock" and r < 0.010:
                if qty >= 4:
                    return "RS", s, qty * 3 // 10, round(sec.price * 0.07) * 10  # 10配3 rights
            elif (free := qty - bought.get(s, 0)) > 0:
                lots = free // sec.lot
                if lots and rnd() >= 0.45:
                    free = (1 + int(rnd() * lots)) * sec.lot
                return "S", s, free, sec.fill(rnd)  # an odd lot can only go all at once
        if held and rnd() < 0.2 + crowded:
            s = list(held)[int(rnd() * len(held))]
        else:
            picker = self.any_pick if c.bj else self.main_pick
            for _ in range(3):  # small accounts look past the 1,450-yuan shares
                s = picker.pick(rnd)
                if self.secs[s].price * self.secs[s].lot <= c.wealth * 5:  # a lot <= half wealth
                    break
        sec = self.secs[s]
        price = sec.fill(rnd)
        lots = max(1, int(c.wealth * (0.02 + rnd() * 0.18) * 10 / (price * sec.lot)))
        return "B", s, lots * sec.lot, price

    def _write_positions(self, sheets, fund_account, positions, bought, frozen) -> None:
        for s, (qty, cost) in positions.items():
            sec = self.secs[s]
            free = 0 if frozen else qty - bought.get(s, 0)
            value = _yuan((qty * sec.price + 5) // 10)
            row = (fund_account, sec.market, sec.code, qty, free, f"{cost / 100 / qty:.3f}", value)
            sheets["positions.csv"].write(row)

    def _credit_day(self, cr: _Credit, gap: int, sheets: dict[str, _Sheet]) -> None:
        """A margin account's day: its debt accrues interest while its collateral is revalued."""
        cr.interest += round(cr.debt * FINANCING_RATE / 360 * gap)
        value = sum((q * self.secs[s].price + 5) // 10 for s, (q, _) in cr.positions.items())
        collateral = cr.cash + value
        lending = 0
        if cr.short_qty:
            lending = (cr.short_qty * self.secs[cr.short_sec].price + 5) // 10
        owed = cr.debt + lending + cr.interest
        ratio = f"{collateral / owed:.4f}" if owed else ""  # no debt, no ratio
        debts = (_yuan(cr.debt), _yuan(lending), _yuan(cr.interest))
        sheets["credit_accounts.csv"].write((cr.fund_account, *debts, _yuan(collateral), ratio))
        sheets["balances.csv"].write(
            (cr.fund_account, "CNY", _yuan(cr.cash), _yuan(cr.cash), "0.00")
        )
        self._write_positions(sheets, cr.fund_account, cr.positions, {}, False)


def _activity(c: _Customer) -> float:
    """Expected trades a day: only normal accounts trade, big ones (and institutions) more."""
    if c.status != 0:
        return 0.0
    activity = min(4.0, max(0.01, 0.08 * (c.wealth / (50_000 * YUAN)) ** 0.35))
    return activity * (2 if c.inst else 1)


def _fees(amount: int, rate_ppm: int, side: str, stock: bool) -> tuple[int, int, int, int, int]:
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
