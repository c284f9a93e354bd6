"""What rules mean, checked against answers worked out by hand on the fixture dataset
(segment_data.py), and what the validation refuses, with where."""

import pytest
from django.db import connection
from django.utils import translation

from customers.models import Customer
from marketing.models import Segment, SegmentKind
from marketing.segments.compiler import (
    RuleError,
    explain,
    rule_customers,
    rule_in_words,
    stored_rule,
    validate,
)
from marketing.segments.fields import fields
from marketing.segments.operators import OPERATORS, Shape

from .segment_data import CONTEXT, segment_dataset
from .test_segment_agreement import DAYS, args_pools, json_ready_tree, pool_of

pytestmark = pytest.mark.django_db

EVERYONE = {"S001", "S002", "S003", "S004", "S005", "S006", "S007", "S008"}


@pytest.fixture
def data():
    return segment_dataset()


def selected(rule) -> set[str]:
    tree = validate(rule, empty_groups=True)
    return set(rule_customers(tree, CONTEXT).values_list("cust_no", flat=True))


def condition(field, op, value=None, **extra):
    return {"field": field, "op": op, "value": value, **extra}


def group(combine, *rules, negated=False):
    return {"group": combine, "not": negated, "rules": list(rules)}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # 29 February 1960 is 66 on 15 June 2026; born 15 June 1956 turns 70 today.
        (condition("age", "gte", 66), {"S001", "S006"}),
        (condition("age", "eq", 36), {"S002"}),  # born on today's date in 1990
        (condition("age", "eq", 35), {"S003"}),  # turns 36 tomorrow
        (condition("age", "is_empty"), {"S004", "S007"}),
        (condition("total_assets", "gte", "500000"), {"S001", "S006"}),
        # Negated: those without figures are "not ≥ 500,000" too.
        (
            condition("total_assets", "gte", "500000", **{"not": True}),
            {"S002", "S003", "S004", "S005", "S007", "S008"},
        ),
        (condition("risk_level", "ne", "C3"), EVERYONE - {"S004", "S007"}),
        (condition("risk_level", "is_empty"), {"S003"}),
        # Net inflow over 30 days: no rows is an inflow of 0, which is ≥ 0.
        (
            condition("net_inflow", "gte", "0", args={"window": "days", "days": 30}),
            {"S001", "S003", "S004", "S006", "S007", "S008"},
        ),
        (condition("contribution", "gt", "50", args={"window": "ytd"}), {"S001"}),
        (condition("holds_security", "contains", "600519"), {"S001", "S005", "S008"}),
        # S002's row has quantity 0: not a holding.
        (condition("holds_security", "contains", "601398"), {"S004", "S005"}),
        (condition("holds_industry", "is_empty"), {"S002", "S003", "S006", "S007"}),
        (
            condition("holding_value", "gte", "15000", args={"security": "600519"}),
            {"S001", "S008"},
        ),
        (condition("holdings_count", "gte", 3), {"S005"}),
        (condition("maintenance_ratio", "lt", "2"), {"S001"}),
        (condition("maintenance_ratio", "is_empty"), EVERYONE - {"S001", "S006"}),
        (condition("credit_account", "eq", True), {"S001", "S005", "S006"}),
        # Numbers compare as numbers (10 > 3), dates as dates.
        (condition("custom.children", "gte", 3), {"S002", "S008"}),
        (condition("custom.vip_since", "lt", "2025-12-31"), {"S001"}),
        # A multiple choice holds "ab" itself, not inside "abc".
        (condition("custom.interests", "contains", "ab"), {"S001"}),
        (condition("invest_varieties", "contains", "equity"), {"S001", "S004", "S005"}),
        (condition("risk_expires_on", "lte", "2026-06-15"), {"S001"}),  # expires today
        (condition("days_since_trade", "gte", 90), {"S003", "S004", "S006"}),
        (condition("days_since_contact", "lte", 1), {"S001", "S002", "S007"}),
        (condition("tier", "eq", "__t1__"), {"S001", "S006"}),
        (condition("tier_to_watch", "eq", True), {"S005", "S006"}),
    ],
)
def test_rules_select_what_their_words_say(data, rule, expected):
    if rule.get("value") == "__t1__":
        rule = {**rule, "value": data["tiers"]["t1"].pk}
    assert selected(rule) == expected


def test_an_empty_group_matches_nobody_even_inside_an_or(data):
    rich = condition("total_assets", "gte", "500000")
    assert selected(group("or", group("and"), rich)) == {"S001", "S006"}
    assert selected(group("and")) == set()
    assert selected(group("and", negated=True)) == EVERYONE


def test_groups_nest_and_negate(data):
    rule = group(
        "and",
        group(
            "or",
            condition("holds_security", "contains", "600519"),
            condition("risk_level", "eq", "C4"),
        ),
        group("or", condition("gender", "eq", "F"), condition("age", "gte", 66), negated=True),
    )
    assert selected(rule) == {"S008"}


def test_segments_include_and_exclude_other_segments(data):
    static, dynamic = data["static"], data["dynamic"]
    assert selected({"segment": static.pk}) == {"S002", "S003", "S008"}
    # The dynamic segment is "total assets ≥ 500,000 or in the static list", read live.
    assert selected({"segment": dynamic.pk}) == {"S001", "S006", "S002", "S003", "S008"}
    excluded = group("and", condition("gender", "eq", "M"), {"segment": dynamic.pk, "not": True})
    assert selected(excluded) == {"S004"}


def test_a_value_is_bound_as_a_parameter_never_spliced_into_sql(data):
    attack = "'; DROP TABLE customers_customer; --"
    tree = validate(condition("custom.nickname", "eq", attack))
    query = rule_customers(tree, CONTEXT)
    sql, params = query.query.sql_with_params()
    assert attack not in sql
    assert any(attack in str(param) for param in params)
    assert list(query) == []
    assert Customer.objects.count() == len(EVERYONE)
    assert "customers_customer" in connection.introspection.table_names()


def test_the_explanation_says_which_conditions_hold_with_the_values(data):
    tree = validate(
        group(
            "and",
            condition("holds_security", "contains", "600519"),
            condition("total_assets", "gte", "500000"),
        )
    )
    customer = Customer.objects.get(cust_no="S005")
    with translation.override("en"):
        verdict = explain(tree, customer, CONTEXT)
    assert not verdict.passed
    assert str(verdict) == (
        "✗ securities held includes 600519 ✓ (000001, 600519, 601398), "
        "total assets ≥ 500,000 ✗ (499,999.75)"
    )


def test_the_rule_reads_in_words(data):
    tree = validate(
        group(
            "or",
            condition("net_inflow", "gte", "100000", args={"window": "days", "days": 30}),
            {"segment": data["static"].pk, "not": True},
        )
    )
    with translation.override("en"):
        words = rule_in_words(tree)
    assert words == (
        "any of: (net inflow over the last 30 days ≥ 100,000; not in the segment “测试静态名单”)"
    )


def problems_of(rule, segment=None) -> list[str]:
    with pytest.raises(RuleError) as refused, translation.override("en"):
        validate(rule, segment=segment)
    with translation.override("en"):
        return [str(problem) for problem in refused.value.problems]


def test_invalid_rules_are_refused_saying_what_and_where(data):
    rule = group(
        "and",
        condition("no_such_field", "eq", "x"),
        group("or", condition("total_assets", "gte", "lots"), group("and")),
        condition("age", "contains", "3"),
        condition("age", "gte", 500),
        {"segment": 999_999},
    )
    assert problems_of(rule) == [
        "rule 1: There is no field “no_such_field”.",
        "rule 2 › rule 1: total assets: Enter a number.",
        "rule 2 › rule 2: This group is empty: add a rule or remove it.",
        "rule 3: age: This operator does not fit this field.",
        "rule 4: age: Enter a number from 0 to 150.",
        "rule 5: There is no segment #999999.",
    ]


def test_a_segment_that_would_contain_itself_is_refused(data):
    first = Segment.objects.create(name="A", rule=condition("age", "gte", 30))
    second = Segment.objects.create(name="B", rule={"segment": first.pk})
    assert problems_of(group("and", {"segment": second.pk}), segment=first) == [
        "rule 1: A segment cannot contain itself: A → B → A."
    ]
    assert problems_of({"segment": first.pk}, segment=first) == [
        "the whole rule: A segment cannot contain itself: A → A."
    ]


def test_a_static_segment_in_a_rule_reads_its_members(data):
    static = Segment.objects.create(name="空名单", kind=SegmentKind.STATIC)
    assert selected({"segment": static.pk}) == set()


def test_a_stored_rule_keeps_typed_values_as_json(data):
    tree = validate(group("and", condition("total_assets", "between", ["1,000", "2000.5"])))
    assert stored_rule(tree)["rules"][0]["value"] == ["1000", "2000.5"]


def test_every_field_and_operator_agree_with_the_evaluator(data):
    """Each field with each of its operators, plain and negated, on two values: the compiled
    query selects exactly whom the evaluator passes."""
    customers = list(Customer.objects.select_related("branch", "manager"))
    checked = 0
    for key, field in sorted(fields().items()):
        for op in field.operators:
            for seed in range(2):
                args = {name: _nth(pool, seed) for name, pool in args_pools(field).items()}
                value = _example(pool_of(field), op, seed)
                for negated in (False, True):
                    rule = json_ready_tree(
                        {"field": key, "op": op, "value": value, "args": args, "not": negated}
                    )
                    tree = validate(rule)
                    compiled = set(rule_customers(tree, CONTEXT).values_list("pk", flat=True))
                    evaluated = {c.pk for c in customers if explain(tree, c, CONTEXT).passed}
                    assert compiled == evaluated, rule
                    checked += 1
    assert checked > 400


def _example(pool: list, op: str, seed: int):
    shape = OPERATORS[op].shape
    if shape == Shape.NONE:
        return None
    if shape == Shape.DAYS:
        return DAYS[seed * 3 + 1]
    if shape == Shape.TWO:
        return sorted([_nth(pool, seed), _nth(pool, seed + 3)])
    if shape == Shape.MANY:
        return [_nth(pool, seed), _nth(pool, seed + 1)]
    return _nth(pool, seed)


def _nth(pool: list, index: int):
    return pool[(index * 7) % len(pool)]


def test_an_unreadable_node_is_reported_with_the_rest_and_the_others_keep_their_place(data):
    rule = group(
        "and",
        {"segment": None},
        condition("", "eq", "x"),
        condition("total_assets", "gte", "lots"),
    )
    assert problems_of(rule) == [
        "rule 1: Choose a segment.",
        "rule 2: Choose a field.",
        "rule 3: total assets: Enter a number.",
    ]


def test_a_choice_is_compared_as_its_column_so_the_planner_reads_its_statistics(data):
    tree = validate(condition("risk_level", "in", ["C4", "C5"]))
    sql = str(rule_customers(tree, CONTEXT).query)
    assert "NULLIF" not in sql.upper()
    assert selected(condition("risk_level", "in", ["C4", "C5"])) == {"S001", "S005", "S008"}
