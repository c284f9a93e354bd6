"""The set-based suitability (offerable_customers, offerable_products) and the Python check
agree: for random profiles, random products, random rule tables and random sale windows,
the query selects exactly those for whom the product is on sale and `check` without an
amount says suitable. Run on PostgreSQL and on SQLite (their regexes, dates and booleans)."""

import datetime
import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from customers.models import Customer
from products.models import InvestorCategory, InvestVariety, Product, ProductStatus
from products.suitability import (
    Profile,
    Reason,
    check,
    offerable_customers,
    offerable_products,
    permitted_levels,
)
from tests.crm.factories import BranchFactory
from tests.products.data import TODAY

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

LEVELS = ("R1", "R2", "R3", "R4", "R5")
# Around the default validity of 730 days, and far from it.
ASSESSED = [None] + [
    TODAY - datetime.timedelta(days=days)
    for days in (4000, 731, 731, 730, 730, 729, 365, 365, 1, 0, -1)
]
# Weighted towards what suits, so that every clause is often the only one that fails.
VALID_FROM = TODAY - datetime.timedelta(days=730)
HORIZONS = ["short", "medium", "long"] * 3 + ["", "Long", "forever"]
# Stated varieties: the codes, and what only looks like one (a code inside another, a
# different case, a prefix or suffix) so that matching on a substring would show.
CODES = [*InvestVariety.values] * 3 + ["private_fund", "funds", "fund_x", "Fund", "income", "x"]
SEPARATORS = [";", "; ", " ;", ";;", " ; ", ";\t", ";\u3000", ";\xa0", ",", " "]
PADDING = ["", " ", "\t", "\u3000", "\n", "\u2028"]
DAYS = [None, None, None, -1, 0, 1]


@st.composite
def stated_varieties(draw) -> str:
    codes = draw(
        st.one_of(
            st.lists(st.sampled_from(CODES), max_size=6),
            st.permutations([*InvestVariety.values, "private_fund"]),
        )
    )
    text = ""
    for index, code in enumerate(codes):
        if index:
            text += draw(st.sampled_from(SEPARATORS))
        text += code
    return draw(st.sampled_from(PADDING)) + text + draw(st.sampled_from(PADDING))


FIELDS = {
    "investor_class": st.sampled_from(["ordinary"] * 4 + ["professional", ""]),
    "professional_class": st.sampled_from(["", "A", "B", "C"]),
    "treated_as_ordinary": st.sampled_from([False, False, True]),
    "lowest_category": st.sampled_from([False, False, False, True]),
    "risk_level": st.sampled_from(["", "C1", "C2", "C3", "C4", "C5", "C5", "C5"]),
    "risk_assessed_on": st.sampled_from(ASSESSED),
    "invest_horizon": st.sampled_from(HORIZONS),
    "invest_varieties": stated_varieties(),
}


@st.composite
def near_suiting(draw) -> dict:
    """A profile that suits most products, with one field drawn at random: each clause of
    the check is then often the only one that decides."""
    profile = {
        "investor_class": "ordinary",
        "professional_class": "",
        "treated_as_ordinary": False,
        "lowest_category": False,
        "risk_level": "C5",
        "risk_assessed_on": draw(st.sampled_from([d for d in ASSESSED[1:] if d >= VALID_FROM])),
        "invest_horizon": "long",
        "invest_varieties": ";".join(InvestVariety.values),
    }
    key = draw(st.sampled_from(sorted(FIELDS)))
    profile[key] = draw(FIELDS[key])
    return profile


profiles = st.one_of(st.fixed_dictionaries(FIELDS), near_suiting())


def day(offset):
    return None if offset is None else TODAY + datetime.timedelta(days=offset)


@st.composite
def products(draw) -> dict:
    starts, ends = draw(st.sampled_from(DAYS)), draw(st.sampled_from(DAYS))
    if starts is not None and ends is not None and ends < starts:
        starts, ends = ends, starts  # the database keeps a sale window ordered
    return {
        "risk_level": draw(st.sampled_from(LEVELS)),
        "horizon": draw(st.sampled_from(["short", "medium", "long"])),
        "variety": draw(st.sampled_from(InvestVariety.values)),
        "professional_only": draw(st.sampled_from([False, False, False, True])),
        # Mostly on sale, so that the rest of the check is what decides.
        "status": draw(
            st.sampled_from([ProductStatus.ON_SALE] * 6 + [ProductStatus.DRAFT, "closed"])
        ),
        "sale_starts_on": day(starts),
        "sale_ends_on": day(ends),
    }


EVERYTHING = {category: frozenset(LEVELS) for category in InvestorCategory.values}
# A rule table: the shipped defaults (None), every level to everybody, or any other.
rule_tables = st.one_of(
    st.none(),
    st.just(EVERYTHING),
    st.fixed_dictionaries(
        {category: st.frozensets(st.sampled_from(LEVELS)) for category in InvestorCategory.values}
    ),
)

# A case the draws reach too seldom to rely on: a lowest-category investor whom the rules
# would let buy R3, so that the lowest-category clause alone decides.
LOWEST = {
    "investor_class": "ordinary",
    "professional_class": "",
    "treated_as_ordinary": False,
    "lowest_category": True,
    "risk_level": "C1",
    "risk_assessed_on": TODAY,
    "invest_horizon": "long",
    "invest_varieties": "fund",
}
R3_FUND = {
    "risk_level": "R3",
    "horizon": "short",
    "variety": "fund",
    "professional_only": False,
    "status": ProductStatus.ON_SALE,
    "sale_starts_on": None,
    "sale_ends_on": None,
}

_numbers = itertools.count(1)


def product_of(fields: dict) -> Product:
    number = next(_numbers)
    return Product(code=f"H{number:06d}", name=f"产品{number}", kind="public_fund", **fields)


def customer_of(fields: dict, branch) -> Customer:
    number = next(_numbers)
    return Customer(
        cust_no=f"H{number:08d}",
        name=f"客户{number}",
        branch=branch,
        open_date=datetime.date(2020, 1, 6),
        **fields,
    )


class Coverage:
    """What the examples exercised: each reason as the only one against an on-sale product
    (a clause of the query that were wrong would show there), and both edges of the
    assessment's validity; so that the agreement is not vacuous."""

    def __init__(self):
        self.sole_reasons: set[str] = set()
        self.suitable_ages: set[int] = set()
        self.results: set[bool] = set()

    def expected(self, profile: Profile, product: Product, permitted) -> bool:
        verdict = check(profile, product, permitted=permitted, today=TODAY)
        offered = product.on_sale(TODAY) and verdict.suitable
        self.results.add(offered)
        if product.on_sale(TODAY):
            if len(verdict.reasons) == 1:
                self.sole_reasons.add(verdict.reasons[0])
            if verdict.suitable and profile.risk_assessed_on and not profile.professional:
                self.suitable_ages.add((TODAY - profile.risk_assessed_on).days)
        return offered

    def assert_thorough(self):
        assert self.results == {True, False}
        assert self.sole_reasons == set(Reason.values) - {Reason.MINIMUM_INVESTMENT}
        assert {0, 730} <= self.suitable_ages and 731 not in self.suitable_ages


@pytest.fixture
def branch(db):
    return BranchFactory(code="0909")


def test_offerable_customers_selects_exactly_those_the_check_finds_suitable(branch):
    coverage = Coverage()

    @EXAMPLES
    @given(
        customers=st.lists(profiles, min_size=1, max_size=10),
        product=products(),
        rules=rule_tables,
    )
    @example(customers=[LOWEST], product=R3_FUND, rules=EVERYTHING)
    def agree(customers, product, rules):
        permitted = permitted_levels() if rules is None else rules
        offered = product_of(product)  # not saved: the query reads only its fields
        with transaction.atomic():
            rows = Customer.objects.bulk_create([customer_of(c, branch) for c in customers])
            compiled = set(
                offerable_customers(
                    offered,
                    Customer.objects.filter(branch=branch),
                    today=TODAY,
                    permitted=rules,
                ).values_list("cust_no", flat=True)
            )
            transaction.set_rollback(True)
        checked = {
            row.cust_no for row in rows if coverage.expected(Profile.of(row), offered, permitted)
        }
        assert compiled == checked, (customers, product, rules)

    agree()
    coverage.assert_thorough()


def test_offerable_products_selects_exactly_those_the_check_finds_suitable():
    coverage = Coverage()

    @EXAMPLES
    @given(
        customer=st.one_of(near_suiting(), profiles),  # one a time: mostly near suiting
        offered=st.lists(products(), min_size=1, max_size=10),
        rules=rule_tables,
    )
    @example(customer=LOWEST, offered=[R3_FUND], rules=EVERYTHING)
    def agree(customer, offered, rules):
        permitted = permitted_levels() if rules is None else rules
        profile = Profile(**customer)  # offerable_products reads only the profile
        with transaction.atomic():
            rows = Product.objects.bulk_create([product_of(p) for p in offered])
            compiled = set(
                offerable_products(
                    profile,
                    Product.objects.filter(code__in=[row.code for row in rows]),
                    today=TODAY,
                    permitted=rules,
                ).values_list("code", flat=True)
            )
            transaction.set_rollback(True)
        checked = {row.code for row in rows if coverage.expected(profile, row, permitted)}
        assert compiled == checked, (customer, offered, rules)

    agree()
    coverage.assert_thorough()
