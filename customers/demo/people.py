"""The people of the demo data: the branches and their staff, and the personal columns of
customers.csv (names, valid ID numbers and credit codes, mobiles, addresses) drawn from each
customer's own seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import TYPE_CHECKING

from customers.demo.files import YUAN, date_text
from customers.demo.sampling import draw

if TYPE_CHECKING:
    from customers.demo.accounts import Customer

# fmt: off
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
SURNAME_CUMULATIVE = tuple(accumulate(1 / (rank + 6) for rank in range(len(SURNAMES))))
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
NAME_CHARS = "华中金恒天新东海长广宏晨瑞鼎锦泰盛博凯永和信安兴隆正远达润宇"  # companies, funds
INST_KINDS = ("投资管理有限公司", "资产管理有限公司", "科技股份有限公司", "实业有限公司")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
HORIZONS, HORIZON_CUMULATIVE = ("short", "medium", "long"), (0.3, 0.75, 1.0)
VARIETIES = (("equity", 0.9), ("fund", 0.6), ("fixed_income", 0.35), ("derivative", 0.1))
# fmt: on


def resident_id_check_digit(first17: str) -> str:
    """The 18th character of a resident ID number (ISO 7064 MOD 11-2, GB 11643)."""
    total = sum(int(char) * weight for char, weight in zip(first17, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100)."""
    total = sum(
        USCC_CHARS.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_CHARS[(31 - total % 31) % 31]


def person_name(rng: random.Random, male: bool) -> str:
    chars = MALE_CHARS if male else FEMALE_CHARS
    given = "".join(rng.choice(chars) for _ in range(1 + (rng.random() < 0.7)))
    return SURNAMES[draw(SURNAME_CUMULATIVE, rng.random)] + given


# -- the branches and their staff ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Branch:
    code: str
    name: str
    region: int  # index in REGIONS
    serving: tuple[str, ...]  # the staff codes of its managers and brokers, who serve customers

    @property
    def region_name(self) -> str:
        return REGIONS[self.region][0]


@dataclass(frozen=True, slots=True)
class Organisation:
    branches: tuple[Branch, ...]
    staff: tuple[tuple[str, ...], ...]  # the rows of staff.csv
    branch_cumulative: tuple[float, ...]  # how customers spread over the branches


def build_organisation(rng: random.Random, customers: int) -> Organisation:
    """About one branch per 800 customers (3 to 100), each with staff for its book."""
    count = min(100, max(3, customers // 800))
    branches: list[Branch] = []
    staff: list[tuple[str, ...]] = []
    for number in range(count):
        region = number % len(REGIONS)
        _, _, city, districts = REGIONS[region]
        code = f"{region + 1:02d}{number // len(REGIONS) + 1:02d}"
        name = ""
        while not name or any(name == branch.name for branch in branches):
            name = f"{city}{rng.choice(districts)[6:]}{rng.choice(ROADS)}证券营业部"
        serving = _build_staff(rng, staff, number, code, customers / count)
        branches.append(Branch(code=code, name=name, region=region, serving=serving))
    branch_cumulative = tuple(accumulate(rng.uniform(0.5, 1.5) for _ in range(count)))
    return Organisation(tuple(branches), tuple(staff), branch_cumulative)


def _build_staff(
    rng: random.Random, staff: list[tuple[str, ...]], number: int, code: str, book: float
) -> tuple[str, ...]:
    """Adds the staff of branch `number` to `staff`; returns the codes of those who serve
    customers."""
    managers = min(30, max(2, int(book // 150)))
    teams = TEAMS[: min(4, 1 + managers // 6)]
    plan = [("branch_head", "")] + [("manager", teams[n % len(teams)]) for n in range(managers)]
    plan += [("broker", "经纪业务组")] * min(15, max(1, int(book // 300)))
    plan += [("advisor", "投资顾问组")] * (1 + (book > 1500))
    serving = []
    for position, (role, team) in enumerate(plan, start=1):
        staff_code = f"{code}{position:03d}"
        # People leave; their customers keep pointing at them until reassigned.
        gone = role != "branch_head" and (
            rng.random() < 0.05 or (number == 0 and position == managers)
        )
        status = "left" if gone else "active"
        staff.append((staff_code, person_name(rng, rng.random() < 0.5), code, role, team, status))
        if role in ("manager", "broker"):
            serving.append(staff_code)
    return tuple(serving)


# -- customers.csv ---------------------------------------------------------------------------


def customer_row(customer: Customer, *, seed: int, branch: Branch, start_ord: int) -> tuple:
    """The customers.csv row; personal data comes from the customer's own seed, not memory,
    so that it costs nothing to keep between days."""
    rng = random.Random(seed * 1_000_003 + customer.index)
    region = REGIONS[branch.region if rng.random() < 0.85 else rng.randrange(10)]
    area = rng.choice(region[3])
    address = f"{region[1]}{area[6:]}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
    mobile = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
    if customer.institution:
        name = f"{region[2]}{''.join(rng.sample(NAME_CHARS, 2))}{rng.choice(INST_KINDS)}"
        first17 = "91" + area[:6] + "".join(rng.choice(USCC_CHARS) for _ in range(9))
        address += f"{rng.randint(2, 30)}层"
        person: tuple[str, ...] = (
            name,
            "1",
            "2",
            first17 + credit_code_check_char(first17),
            "",
            "",
            mobile,
        )
        person += ("", address, "")
        professional = True
    else:
        male = rng.random() < 0.55
        age_years = rng.triangular(18.1, 70, 30)
        birth = date.fromordinal(customer.open_ord - int(age_years * 365.25))
        order = rng.randrange(100) * 10 + rng.randrange(1 if male else 0, 10, 2)  # odd: male
        first17 = f"{area[:6]}{birth:%Y%m%d}{order:03d}"
        email = ""
        if rng.random() < 0.25:
            email = f"{rng.randint(10000, 2999999999)}@qq.com"
        elif rng.random() < 0.2:
            email = "".join(rng.choices("abcdefghjkmnprstwxyz", k=6)) + "@163.com"
        old = start_ord - birth.toordinal() > 60 * 365.25
        occupation = "退休" if old and rng.random() < 0.7 else rng.choice(OCCUPATIONS)
        address += f"{rng.randint(1, 30)}栋{rng.randint(1, 30)}{rng.randint(1, 4):02d}室"
        person = (person_name(rng, male), "0", "0", first17 + resident_id_check_digit(first17))
        person += ("M" if male else "F", birth.isoformat(), mobile, email, address, occupation)
        professional = customer.wealth > 5_000_000 * YUAN and rng.random() < 0.5
    name, cust_type, *details = person
    horizon = HORIZONS[draw(HORIZON_CUMULATIVE, rng.random)]
    varieties = ";".join(kind for kind, share in VARIETIES if rng.random() < share) or "equity"
    return (
        *(customer.cust_no, name, cust_type, *details, branch.code, customer.manager),
        *(date_text(customer.open_ord), customer.status, f"C{customer.risk}"),
        date_text(customer.risk_assessed_ord),
        "professional" if professional else "ordinary",
        *(horizon, varieties, "Y" if rng.random() < 0.7 else "N"),
    )
