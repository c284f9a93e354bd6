"""The compiled query and the evaluator agree: random rule trees over every field, operator,
window and segment reference, with negations and empty groups at any depth, select exactly
the customers the Python evaluator says pass, on the fixture dataset (segment_data.py)."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import Customer
from marketing.segments.compiler import explain, rule_customers, validate
from marketing.segments.fields import (
    AggregateField,
    ElapsedField,
    HoldingAggregateField,
    WindowField,
    fields,
)
from marketing.segments.operators import OPERATORS, Kind, Shape

from .segment_data import CONTEXT, TODAY, segment_dataset

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

DECIMALS = sorted(
    {
        Decimal(text)
        for text in (
            "-1000", "-100", "-1", "-0.5", "-0.25", "0", "0.25", "0.322", "1", "1.3", "2",
            "2.5", "9.75", "10", "10.5", "17.75", "100", "1500", "2500", "3300", "5300.75",
            "10000", "10500.25", "15000", "150000.5", "200000", "250000", "450000",
            "480000.5", "499999.75", "500000", "500000.25", "1000000",
        )
    }
)  # fmt: skip
INTEGERS = [0, 1, 2, 3, 4, 5, 10, 11, 29, 30, 35, 36, 60, 66, 70, 90, 91, 100, 365, 366]
DATES = [
    TODAY + datetime.timedelta(days=offset)
    for offset in (-4000, -730, -729, -365, -200, -100, -15, -14, -3, -1, 0, 1, 2, 730)
] + [datetime.date(2024, 2, 29), datetime.date(2024, 6, 16), datetime.date(2025, 12, 31)]
TEXTS = ["S00", "S001", "客户", "王", "Abc", "abc", "老王", "'; DROP TABLE customers_customer; --"]
DAYS = [0, 1, 7, 30, 60, 365]


def values_of(field, data, op):
    """A strategy for the value of a condition on `field` with operator `op`."""
    shape = OPERATORS[op].shape
    if shape == Shape.NONE:
        return st.none()
    if shape == Shape.DAYS:
        return st.sampled_from(DAYS)
    one = one_value(field)
    if shape == Shape.TWO:
        return st.lists(one, min_size=2, max_size=2).map(sorted)
    if shape == Shape.MANY:
        return st.lists(one, min_size=1, max_size=3)
    return one


def pool_of(field) -> list:
    """The values a condition on `field` is tried with: its choices, or values around the
    fixture's own (each side of every boundary)."""
    choices = field.choices()
    if choices:
        return [value for value, _label in choices]
    if field.key == "holds_security":
        return ["600519", "000001", "601398", "510300"]
    if field.kind == Kind.DECIMAL:
        return DECIMALS
    if field.kind == Kind.INTEGER:
        low, high = field.bounds or (-(10**6), 10**6)
        return [value for value in INTEGERS if low <= value <= high]
    if field.kind == Kind.DATE:
        return DATES
    if field.kind == Kind.BOOLEAN:
        return [False, True]
    return TEXTS


def one_value(field):
    return st.sampled_from(pool_of(field))


def args_pools(field) -> dict[str, list]:
    """The options a field is tried with (a window and its days, a security, an industry)."""
    if isinstance(field, WindowField):
        return {"window": list(field.windows), "days": [1, 3, 7, 30, 45]}
    if isinstance(field, HoldingAggregateField) and field.by == "security":
        return {"security": ["600519", "601398", "510300"]}
    if isinstance(field, HoldingAggregateField) and field.by == "industry":
        return {"industry": ["银行", "食品饮料"]}
    return {}


def args_of(field):
    pools = args_pools(field)
    return st.fixed_dictionaries({key: st.sampled_from(pool) for key, pool in pools.items()})


@st.composite
def conditions(draw, known):
    field = draw(st.sampled_from(sorted(known.values(), key=lambda f: f.key)))
    op = draw(st.sampled_from(field.operators))
    value = draw(values_of(field, draw, op))
    return {
        "field": field.key,
        "op": op,
        "value": value,
        "args": draw(args_of(field)),
        "not": draw(st.booleans()),
    }


def trees(known, segment_ids):
    leaves = st.one_of(
        conditions(known),
        conditions(known),
        conditions(known),
        st.fixed_dictionaries({"segment": st.sampled_from(segment_ids), "not": st.booleans()}),
    )
    return st.recursive(
        leaves,
        lambda children: st.fixed_dictionaries(
            {
                "group": st.sampled_from(["and", "or"]),
                "not": st.booleans(),
                "rules": st.lists(children, max_size=3),
            }
        ),
        max_leaves=8,
    )


def json_ready(value):
    if isinstance(value, list):
        return [json_ready(item) for item in value]
    if isinstance(value, (Decimal, datetime.date)):
        return str(value)
    return value


def test_every_field_is_generated():
    """The generator draws from the whole field list, so a new field is tested too."""
    kinds = {type(field) for field in fields().values()}
    assert {AggregateField, ElapsedField} <= {base for kind in kinds for base in kind.__mro__}


def test_compiled_query_and_evaluator_agree():
    data = segment_dataset()
    known = fields()
    assert {"custom.children", "custom.interests", "tier", "holds_security"} <= set(known)
    customers = list(Customer.objects.select_related("branch", "manager"))
    segment_ids = [data["static"].pk, data["dynamic"].pk]

    @EXAMPLES
    @given(rule=trees(known, segment_ids))
    def agree(rule):
        tree = validate(json_ready_tree(rule), empty_groups=True)
        compiled = set(rule_customers(tree, CONTEXT).values_list("cust_no", flat=True))
        evaluated = {c.cust_no for c in customers if explain(tree, c, CONTEXT).passed}
        assert compiled == evaluated, rule
        sizes.append(len(compiled))

    sizes: list[int] = []
    agree()
    # The trees select nobody, everybody and much in between: the agreement is not vacuous.
    assert {0, len(customers)} <= set(sizes)
    assert len(set(sizes)) >= len(customers) - 2


def json_ready_tree(node):
    if "rules" in node:
        return {**node, "rules": [json_ready_tree(child) for child in node["rules"]]}
    if "field" in node:
        return {**node, "value": json_ready(node["value"])}
    return node
