"""Gives the demo its product library and suitability (used by `make demo`, after the import):
about a thousand funds, bonds, asset-management plans, structured notes, wealth products and
access services from realistic issuers, every risk level, with sale windows, statuses and
fees; the listed funds and bonds of the demo linked to their securities (so holdings show
their risk level); customers' suitability profiles varied set-based (the lowest category,
professional classes A/B/C, professionals treated as ordinary, expired and missing
assessments, horizons and varieties), which leaves a few holdings above their holders' risk
level to act on; product sales each backed by its suitability check (a mismatch with the
customer's confirmed risk warning); and a few investor-class applications to review.

Deterministic (seeded) and safe to run again: products are kept by code (one that exists
keeps what admin made of it), profiles are written again to the same values, and a sale or
an application the demo made once is not made twice.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Case, F, IntegerField, Max, Q, Value, When
from django.db.models.functions import Mod
from django.utils import timezone
from django.utils.translation import gettext

from crm.commands import CrmCommand
from crm.models import Role
from customers.models import Customer, DailyPosition
from products.models import (
    CheckPurpose,
    CheckResult,
    InvestHorizon,
    InvestVariety,
    Product,
    ProductKind,
    ProductSale,
    ProductStatus,
    ProfessionalApplication,
    SaleChannel,
    SaleSource,
    Security,
)
from products.services.applications import application_move, application_submit
from products.services.checks import (
    confirmation_record,
    risk_warning_text,
    suitability_check_record,
)
from products.services.compliance import over_risk_customers
from products.services.library import securities_link
from products.services.sales import sale_record
from products.suitability import (
    Profile,
    Reason,
    assessment_valid_days,
    check,
    permitted_levels,
)

SEED = 15
H, V = InvestHorizon, InvestVariety

# fmt: off
FUND_HOUSES = (
    "华夏基金", "易方达基金", "南方基金", "嘉实基金", "广发基金", "富国基金", "博时基金",
    "汇添富基金", "招商基金", "工银瑞信基金", "鹏华基金", "景顺长城基金", "中欧基金",
    "兴证全球基金", "交银施罗德基金", "银华基金",
)
# Public funds: (name pattern, risk, horizon, variety, fee-rate range): {h} is the house's
# short name, {t} a theme.
PUBLIC_FUNDS = (
    ("{h}现金宝货币{s}", "R1", H.SHORT, V.FUND, (0, 0)),
    ("{h}安心短债债券{s}", "R2", H.SHORT, V.FUND, (0.0005, 0.002)),
    ("{h}纯债债券{s}", "R2", H.MEDIUM, V.FUND, (0.0008, 0.003)),
    ("{h}稳健添利一年定开债券{s}", "R2", H.MEDIUM, V.FUND, (0.0008, 0.003)),
    ("{h}双债增强债券{s}", "R3", H.MEDIUM, V.FUND, (0.001, 0.004)),
    ("{h}稳健回报偏债混合{s}", "R3", H.MEDIUM, V.FUND, (0.002, 0.006)),
    ("{h}{t}指数增强{s}", "R3", H.LONG, V.FUND, (0.002, 0.008)),
    ("{h}{t}ETF联接{s}", "R3", H.LONG, V.FUND, (0.001, 0.005)),
    ("{h}价值精选混合{s}", "R3", H.LONG, V.FUND, (0.003, 0.015)),
    ("{h}成长先锋股票{s}", "R4", H.LONG, V.FUND, (0.003, 0.015)),
    ("{h}{t}主题股票{s}", "R4", H.LONG, V.FUND, (0.003, 0.015)),
    ("{h}全球科技股票(QDII){s}", "R4", H.LONG, V.FUND, (0.004, 0.015)),
    ("{h}港股通精选混合{s}", "R4", H.LONG, V.FUND, (0.003, 0.015)),
    ("{h}黄金ETF联接{s}", "R3", H.LONG, V.FUND, (0.001, 0.006)),
)
THEMES = (
    "沪深300", "中证500", "中证1000", "创业板", "科创50", "医药", "半导体", "新能源",
    "消费", "红利", "军工", "高端制造", "数字经济",
)
PRIVATE_MANAGERS = (
    "高毅资产", "景林资产", "淡水泉投资", "明汯投资", "九坤投资", "幻方量化", "宁泉资产",
    "睿远基金", "星石投资", "重阳投资", "衍复投资", "灵均投资",
)
PRIVATE_STRATEGIES = (
    ("{m}价值精选{n}号私募证券投资基金", "R4", V.EQUITY),
    ("{m}量化中性{n}号私募证券投资基金", "R4", V.COMPLEX),
    ("{m}指数增强{n}号私募证券投资基金", "R5", V.EQUITY),
    ("{m}多策略{n}号私募证券投资基金", "R4", V.COMPLEX),
    ("{m}CTA趋势{n}号私募证券投资基金", "R5", V.DERIVATIVE),
)
BOND_ISSUERS = (
    ("财政部", "{y}附息国债{n:02d}", "R1"), ("国家开发银行", "{y}国开{n:02d}", "R1"),
    ("中国农业发展银行", "{y}农发{n:02d}", "R1"), ("中国铁路", "{y}铁道债{n:02d}", "R1"),
    ("招商局集团", "{y}招商局MTN{n:03d}", "R2"), ("中国石化", "{y}中石化SCP{n:03d}", "R2"),
    ("国家电网", "{y}国网MTN{n:03d}", "R2"), ("杭州城投", "{y}杭城投债{n:02d}", "R2"),
    ("成都兴城", "{y}蓉兴城{n:02d}", "R3"), ("碧桂园地产", "{y}碧地{n:02d}", "R4"),
    ("贵阳国资", "{y}筑国资{n:02d}", "R3"),
)
ASSET_MANAGERS = ("中信证券资管", "华泰证券资管", "国泰君安资管", "广发证券资管", "招商证券资管")
ASSET_PLANS = (
    ("{m}鑫享稳健{n}号集合资产管理计划", "R2", H.MEDIUM, V.FIXED_INCOME),
    ("{m}现金添利{n}号集合资产管理计划", "R1", H.SHORT, V.FIXED_INCOME),
    ("{m}固收增强{n}号集合资产管理计划", "R3", H.MEDIUM, V.FIXED_INCOME),
    ("{m}量化优选{n}号集合资产管理计划", "R4", H.LONG, V.EQUITY),
    ("{m}FOF稳进{n}号集合资产管理计划", "R3", H.LONG, V.FUND),
)
# Structured notes (收益凭证) are the brokerage's own.
NOTE_ISSUER = "本公司"
NOTES = (
    ("本金保障型收益凭证（鑫益{n}号）", "R1", H.SHORT, V.FIXED_INCOME, False),
    ("本金保障型收益凭证（鑫益{n}号·浮动收益）", "R2", H.SHORT, V.FIXED_INCOME, False),
    ("非保本浮动收益凭证（鑫动{n}号）", "R3", H.MEDIUM, V.COMPLEX, False),
    ("雪球结构收益凭证（中证500·{n}号）", "R5", H.MEDIUM, V.COMPLEX, True),
    ("鲨鱼鳍收益凭证（沪深300·{n}号）", "R4", H.SHORT, V.COMPLEX, False),
)
WEALTH_ISSUERS = ("招银理财", "工银理财", "建信理财", "中银理财", "兴银理财", "交银理财")
WEALTH = (
    ("{m}天天盈现金管理{n}号", "R1", H.SHORT, V.FIXED_INCOME),
    ("{m}稳利固收{n}期（180天）", "R2", H.SHORT, V.FIXED_INCOME),
    ("{m}睿享固收增强{n}号（一年持有）", "R2", H.MEDIUM, V.FIXED_INCOME),
    ("{m}多元配置混合{n}号（三年封闭）", "R3", H.LONG, V.FIXED_INCOME),
)
SERVICES = (  # code, name, kind, risk, variety
    ("SVC-MARGIN", "融资融券业务", ProductKind.MARGIN_SERVICE, "R4", V.DERIVATIVE),
    ("SVC-MARGIN-PRO", "融资融券专项额度（专业投资者）", ProductKind.MARGIN_SERVICE, "R5",
     V.DERIVATIVE),
    ("SVC-STAR", "科创板股票交易权限", ProductKind.STAR_MARKET, "R4", V.EQUITY),
    ("SVC-STAR-CDR", "科创板存托凭证交易权限", ProductKind.STAR_MARKET, "R4", V.EQUITY),
    ("SVC-CHINEXT", "创业板股票交易权限", ProductKind.CHINEXT, "R4", V.EQUITY),
    ("SVC-CHINEXT-REG", "创业板注册制股票交易权限", ProductKind.CHINEXT, "R4", V.EQUITY),
)
# How many of each kind (the listed funds and bonds of the demo come on top).
COUNTS = {
    ProductKind.PUBLIC_FUND: 430, ProductKind.PRIVATE_FUND: 120, ProductKind.BOND: 160,
    ProductKind.ASSET_MANAGEMENT: 100, ProductKind.STRUCTURED_NOTE: 80, ProductKind.WEALTH: 90,
}
# Listed funds and bonds: their risk by what the name says (the first that matches).
LISTED_RISK = (
    ("国债", "R1", H.SHORT, V.FIXED_INCOME), ("转债", "R3", H.MEDIUM, V.FIXED_INCOME),
    ("沪深300", "R3", H.LONG, V.FUND), ("上证50", "R3", H.LONG, V.FUND),
    ("中证500", "R3", H.LONG, V.FUND), ("红利", "R3", H.LONG, V.FUND),
    ("黄金", "R3", H.LONG, V.FUND), ("科创50", "R4", H.LONG, V.FUND),
    ("创业板", "R4", H.LONG, V.FUND), ("半导体", "R4", H.LONG, V.FUND),
)
LISTED_DEFAULT = ("R3", H.LONG, V.FUND)  # other sector funds
# fmt: on

# Customers fall into cohorts by id; each cohort gets its profile in one UPDATE.
COHORTS = 20
SALES = 80
CANDIDATES = 6  # products tried for each sale
MISMATCH_SHARE = 0.25  # of sales the customer asks for whatever suits them
UNASSESSED = frozenset({Reason.ASSESSMENT_MISSING, Reason.ASSESSMENT_EXPIRED})
APPLICATIONS = 4


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    kind: str
    issuer: str
    risk_level: str
    horizon: str
    variety: str
    minimum_investment: Decimal
    fee_rate: Decimal
    status: str
    sale_starts_on: datetime.date | None
    sale_ends_on: datetime.date | None
    professional_only: bool = False
    description: str = ""

    def product(self) -> Product:
        return Product(**self.__dict__)


def _rate(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 4)))


def _status_and_window(
    rng: random.Random, day: datetime.date, *, open_ended: bool
) -> tuple[str, datetime.date | None, datetime.date | None]:
    """Mostly on sale (an open-ended fund since long ago, a subscription period around
    `day` otherwise), some closed (their period over), a few suspended or drafts to come."""
    roll = rng.random()
    started = day - datetime.timedelta(days=rng.randint(120, 2000))
    if roll < 0.72:
        if open_ended:
            return ProductStatus.ON_SALE, started, None
        start = day - datetime.timedelta(days=rng.randint(90, 200))
        return ProductStatus.ON_SALE, start, day + datetime.timedelta(days=rng.randint(10, 120))
    if roll < 0.9:
        end = day - datetime.timedelta(days=rng.randint(5, 400))
        return ProductStatus.CLOSED, end - datetime.timedelta(days=rng.randint(10, 60)), end
    if roll < 0.95:
        return ProductStatus.SUSPENDED, started, None
    start = day + datetime.timedelta(days=rng.randint(5, 40))
    return ProductStatus.DRAFT, start, None if open_ended else start + datetime.timedelta(days=30)


def product_specs(rng: random.Random, day: datetime.date) -> list[Spec]:
    """The generated library, the same for the same seed and day."""
    specs: list[Spec] = []
    # Public funds: codes 005000-018999, which no demo security has (the listed funds are
    # 15x/16x/5xx, the stocks 00x/30x/60x/68x, the bonds 01x/11x/12x).
    codes = rng.sample(range(5000, 19000), COUNTS[ProductKind.PUBLIC_FUND])
    for number in codes:
        house = rng.choice(FUND_HOUSES)
        pattern, risk, horizon, variety, fees = rng.choice(PUBLIC_FUNDS)
        share = rng.choice("AC")
        name = pattern.format(h=house.removesuffix("基金"), t=rng.choice(THEMES), s=share)
        status, start, end = _status_and_window(rng, day, open_ended=True)
        specs.append(
            Spec(f"{number:06d}", name, ProductKind.PUBLIC_FUND, house, risk, horizon, variety,
                 Decimal(rng.choice((1, 10, 100, 1000))), _rate(rng, *fees) if share == "A" else
                 Decimal("0"), status, start, end)
        )  # fmt: skip
    for number in range(1, COUNTS[ProductKind.PRIVATE_FUND] + 1):
        manager = rng.choice(PRIVATE_MANAGERS)
        pattern, risk, variety = rng.choice(PRIVATE_STRATEGIES)
        status, start, end = _status_and_window(rng, day, open_ended=False)
        specs.append(
            Spec(f"SP{number:04d}", pattern.format(m=manager.removesuffix("投资").removesuffix(
                 "资产"), n=rng.randint(1, 30)), ProductKind.PRIVATE_FUND, manager, risk,
                 H.LONG, variety, Decimal("1000000"), _rate(rng, 0.01, 0.02), status, start, end,
                 professional_only=risk == "R5" and rng.random() < 0.5,
                 description="私募基金仅向合格投资者销售，单只起投100万元。")
        )  # fmt: skip
    for number in range(1, COUNTS[ProductKind.BOND] + 1):
        issuer, pattern, risk = rng.choice(BOND_ISSUERS)
        year = rng.randint(21, 25)
        status, start, end = _status_and_window(rng, day, open_ended=False)
        specs.append(
            Spec(f"{year}{number:04d}.IB", pattern.format(y=year, n=rng.randint(1, 30)),
                 ProductKind.BOND, issuer, risk, rng.choice((H.MEDIUM, H.LONG)),
                 V.FIXED_INCOME, Decimal("1000") if risk == "R1" else Decimal("100000"),
                 _rate(rng, 0.0005, 0.002), status, start, end)
        )  # fmt: skip
    for number in range(1, COUNTS[ProductKind.ASSET_MANAGEMENT] + 1):
        manager = rng.choice(ASSET_MANAGERS)
        pattern, risk, horizon, variety = rng.choice(ASSET_PLANS)
        status, start, end = _status_and_window(rng, day, open_ended=False)
        specs.append(
            Spec(f"AM{number:04d}", pattern.format(m=manager.removesuffix("证券资管"),
                 n=rng.randint(1, 50)), ProductKind.ASSET_MANAGEMENT, manager, risk, horizon,
                 variety, Decimal(rng.choice((50000, 100000, 300000))), _rate(rng, 0.003, 0.01),
                 status, start, end)
        )  # fmt: skip
    for number in range(1, COUNTS[ProductKind.STRUCTURED_NOTE] + 1):
        pattern, risk, horizon, variety, professional = rng.choice(NOTES)
        status, start, end = _status_and_window(rng, day, open_ended=False)
        specs.append(
            Spec(f"SN{number:04d}", pattern.format(n=number), ProductKind.STRUCTURED_NOTE,
                 NOTE_ISSUER, risk, horizon, variety,
                 Decimal("1000000") if professional else Decimal("50000"),
                 _rate(rng, 0.001, 0.003), status, start, end, professional_only=professional)
        )  # fmt: skip
    for number in range(1, COUNTS[ProductKind.WEALTH] + 1):
        issuer = rng.choice(WEALTH_ISSUERS)
        pattern, risk, horizon, variety = rng.choice(WEALTH)
        status, start, end = _status_and_window(rng, day, open_ended=False)
        specs.append(
            Spec(f"WM{number:04d}", pattern.format(m=issuer.removesuffix("理财"),
                 n=rng.randint(1, 99)), ProductKind.WEALTH, issuer, risk, horizon, variety,
                 Decimal("1"), _rate(rng, 0.002, 0.005), status, start, end)
        )  # fmt: skip
    for code, name, kind, risk, variety in SERVICES:
        started = day - datetime.timedelta(days=2000)
        specs.append(
            Spec(code, name, kind, NOTE_ISSUER, risk, H.LONG, variety, Decimal("0"), Decimal("0"),
                 ProductStatus.ON_SALE, started, None, professional_only=code.endswith("-PRO"))
        )  # fmt: skip
    return specs


def _listed_issuer(name: str, *, fund: bool) -> str:
    if fund:
        house = next((h for h in FUND_HOUSES if h.removesuffix("基金") in name), "")
        return house or "招商基金" if "招商" in name else house
    if "国债" in name:
        return "财政部"
    return f"{name.removesuffix('转债')}股份有限公司"


def listed_specs(day: datetime.date) -> list[Spec]:
    """A product for each listed fund and bond of the demo, coded as the pages print the
    security (510300.SH), so that securities_link links it."""
    specs = []
    for security in Security.objects.filter(sec_type__in=("fund", "bond")).order_by("pk"):
        risk, horizon, variety = next(
            ((r, h, v) for word, r, h, v in LISTED_RISK if word in security.name), LISTED_DEFAULT
        )
        fund = security.sec_type == "fund"
        specs.append(
            Spec(f"{security.sec_code}.{security.market}", security.name,
                 ProductKind.PUBLIC_FUND if fund else ProductKind.BOND,
                 _listed_issuer(security.name, fund=fund),
                 risk, horizon, variety, Decimal("100") if fund else Decimal("1000"),
                 Decimal("0.0003") if fund else Decimal("0.0001"), ProductStatus.ON_SALE,
                 day - datetime.timedelta(days=1500), None,
                 description="场内上市品种，按交易佣金计费。")
        )  # fmt: skip
    return specs


def profiles_vary(*, day: datetime.date) -> dict[str, int]:
    """Vary the customers' suitability profiles, one UPDATE per cohort of customer ids."""
    valid = assessment_valid_days()
    customers = Customer.objects.annotate(cohort=Mod(F("id"), COHORTS, output_field=IntegerField()))
    ordinary = {
        "investor_class": "ordinary",
        "professional_class": "",
        "treated_as_ordinary": False,
    }
    written = {}
    # Everybody first as the counter has them: no lowest category; a professional without a
    # class is of class A (an institution) or B.
    customers.update(lowest_category=False, treated_as_ordinary=False)
    customers.filter(investor_class="professional", professional_class="").update(
        professional_class=Case(When(cust_type="1", then=Value("A")), default=Value("B"))
    )
    customers.exclude(investor_class="professional").update(professional_class="")
    written["lowest_category"] = customers.filter(cohort=0).update(
        lowest_category=True, risk_level="C1", **ordinary
    )
    written["professional_b"] = customers.filter(cohort=1).update(
        investor_class="professional", professional_class="B", treated_as_ordinary=False
    )
    written["professional_c"] = customers.filter(cohort=2).update(
        investor_class="professional", professional_class="C", treated_as_ordinary=False
    )
    # Professionals who elected to be treated as ordinary: institutions of class A, others B.
    written["treated_as_ordinary"] = customers.filter(cohort=3).update(
        investor_class="professional",
        professional_class=Case(When(cust_type="1", then=Value("A")), default=Value("B")),
        treated_as_ordinary=True,
    )
    written["assessment_expired"] = customers.filter(cohort=4).update(
        risk_assessed_on=day - datetime.timedelta(days=valid + 45)
    )
    written["assessment_missing"] = customers.filter(cohort=5).update(risk_assessed_on=None)
    written["assessment_expiring"] = customers.filter(cohort=6).update(
        risk_assessed_on=day - datetime.timedelta(days=valid - 20)
    )
    for cohort, horizon, varieties in (
        (7, H.SHORT, "fixed_income;fund"),
        (8, H.MEDIUM, "equity;fund;fixed_income"),
        (9, H.LONG, "equity;fund;fixed_income;derivative;complex"),
    ):
        written[f"horizon_{horizon}"] = customers.filter(cohort=cohort).update(
            invest_horizon=horizon, invest_varieties=varieties
        )
    return written


class Command(CrmCommand):
    help = "Create the demo's product library, vary suitability profiles, record demo sales."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=SEED)

    def handle(self, *args, **options):
        latest = DailyPosition.objects.aggregate(day=Max("business_date"))["day"]
        day = min(latest or timezone.localdate(), timezone.localdate())
        rng = random.Random(options["seed"])
        specs = product_specs(rng, day) + listed_specs(day)
        before = Product.objects.count()
        Product.objects.bulk_create(
            [spec.product() for spec in specs], ignore_conflicts=True, batch_size=500
        )
        created = Product.objects.count() - before
        securities_link()
        profiles_vary(day=day)
        sales = self._sales(rng, day)
        applications = self._applications()
        over_risk = over_risk_customers(day=latest).count()
        self.stdout.write(
            gettext(
                "Demo products: %(products)s in the library (%(created)s new), %(linked)s "
                "linked to securities; %(sales)s sales recorded; %(applications)s investor-class "
                "applications; %(over_risk)s customers hold products above their risk level."
            )
            % {
                "products": Product.objects.count(),
                "created": created,
                "linked": Product.objects.filter(security__isnull=False).count(),
                "sales": sales,
                "applications": applications,
                "over_risk": over_risk,
            }
        )

    def _sales(self, rng: random.Random, day: datetime.date) -> int:
        """SALES sales, each of a product on sale to a customer it suits or, at the
        customer's own request, one it does not (with the confirmed risk warning); never a
        prohibited one. A sale the demo made (by its reference) is not made again."""
        customers = list(
            Customer.objects.filter(status="0", manager__isnull=False)
            .select_related("manager__user")
            .order_by("cust_no")
        )
        on_sale = [
            product
            for product in Product.objects.filter(status=ProductStatus.ON_SALE).order_by("code")
            if product.minimum_investment <= 1_000_000
        ]
        done = set(
            ProductSale.objects.filter(external_ref__startswith="DEMO-").values_list(
                "external_ref", flat=True
            )
        )
        if not customers or not on_sale:
            return 0
        permitted = permitted_levels()
        recorded = 0
        for number in range(1, SALES + 1):
            # The draws come before the check for a reference done, so that each sale is the
            # same whether or not those before it were made in this run.
            customer = rng.choice(customers)
            candidates = rng.sample(on_sale, min(CANDIDATES, len(on_sale)))
            sold_on = day - datetime.timedelta(days=rng.randint(0, 60))
            base = Decimal(rng.randint(1, 40) * 5000)
            channel = rng.choice(SaleChannel.values)
            requested = rng.random() < MISMATCH_SHARE
            reference = f"DEMO-{number:04d}"
            if reference in done:
                continue
            chosen = self._chosen(
                customer, candidates, sold_on, base, requested=requested, permitted=permitted
            )
            if chosen is None:
                continue
            product, amount, verdict = chosen
            actor = customer.manager.user
            purpose = (
                CheckPurpose.RECOMMENDATION if verdict.suitable else CheckPurpose.CUSTOMER_REQUEST
            )
            record, verdict = suitability_check_record(
                customer=customer, product=product, actor=actor, purpose=purpose,
                amount=amount, today=sold_on,
            )  # fmt: skip
            if not verdict.suitable:
                confirmation_record(
                    check=record,
                    actor=actor,
                    warning_text=risk_warning_text(verdict, product, customer),
                    recording_ref=f"REC-{reference}",
                )
            sale_record(
                check=record, amount=amount, sold_on=sold_on, channel=channel, actor=actor,
                staff=customer.manager, source=SaleSource.ENTERED, external_ref=reference,
            )  # fmt: skip
            recorded += 1
        return recorded

    @staticmethod
    def _chosen(customer, candidates, sold_on, base, *, requested: bool, permitted):
        """The first candidate on sale that suits the customer; when none does and the
        customer asked for one (`requested`), the first that is a mismatch they may confirm.
        Nothing is sold before the customer is (re)assessed, nor what is prohibited."""
        mismatch = None
        for product in candidates:
            if not product.on_sale(sold_on):
                continue
            amount = max(product.minimum_investment, base).quantize(Decimal("0.01"))
            verdict = check(
                Profile.of(customer), product, permitted=permitted, today=sold_on, amount=amount
            )
            if verdict.suitable:
                return product, amount, verdict
            if mismatch is None and not (
                verdict.result == CheckResult.PROHIBITED or UNASSESSED.intersection(verdict.reasons)
            ):
                mismatch = (product, amount, verdict)
        return mismatch if requested else None

    def _applications(self) -> int:
        """A few applications to convert ordinary investors with the assets for it, one
        of them in review, submitted by their managers; none once the demo has any."""
        if ProfessionalApplication.objects.exists():
            return 0
        reviewer = (
            get_user_model()
            .objects.filter(staff__role=Role.HEAD_OFFICE, staff__is_active=True, is_active=True)
            .order_by("username")
            .first()
        )
        candidates = (
            Customer.objects.filter(
                Q(investor_class="ordinary") & Q(status="0"),
                manager__user__isnull=False,
                figures__total_assets__gte=500_000,
            )
            .select_related("manager__user", "figures")
            .order_by("-figures__total_assets", "cust_no")[:APPLICATIONS]
        )
        made = 0
        for index, customer in enumerate(candidates):
            assets = customer.figures.total_assets
            application = application_submit(
                customer=customer,
                direction="to_professional",
                by=customer.manager.user,
                financial_assets=assets,
                annual_income=Decimal("360000") if index % 2 == 0 else None,
                experience_years=3 + index,
                evidence="客户提供近20个交易日日均金融资产证明及投资经历说明，已签署专业投资者申请书。",
            )
            if index == 0 and reviewer is not None:
                application_move(application=application, to_status="in_review", by=reviewer)
            made += 1
        return made
