"""A rule, validated and compiled: `validate` refuses what cannot run and says what and where;
`compile_rule` turns a tree into one filter over customers (Q, Exists and subqueries with
bound parameters: no text of a rule ever becomes SQL); `explain` reads the same tree for one
customer in Python and says why they are in or out.

An empty group matches nobody (inside an OR too, where it would otherwise vanish); a negated
condition is true wherever the positive one is false, a customer without a value included.
A segment in a rule is read live: a dynamic one by compiling its own rule in place, a static
one by its members.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from customers.models import Customer
from marketing.models import Segment, SegmentKind, SegmentMember

from .context import RuleContext
from .facts import Facts
from .fields import Field, fields
from .operators import ValueProblem, positive, stored
from .tree import (
    Condition,
    Group,
    Node,
    Problem,
    RuleError,
    SegmentRef,
    dump,
    parse,
    parse_leniently,
    referenced_segments,
    walk,
)
from .words import (
    condition_words,
    group_words,
    negated_words,
    rule_words,
    segment_words,
    value_words,
)

NOTHING = Q(pk__in=[])


# ---------------------------------------------------------------------------------------
# Validation


def validate(data: Any, *, segment: Segment | None = None, empty_groups: bool = False) -> Node:
    """The rule typed and checked, or RuleError listing every problem with where it is:
    unknown fields, operators and values that do not fit, empty groups (unless allowed: a
    rule being edited runs with them, matching nobody), unknown segments, a segment that
    would contain itself."""
    tree, problems = parse_leniently(data)
    known = fields()
    cleaned: dict[tuple[int, ...], Node] = {}
    for path, node in walk(tree):
        if isinstance(node, Group) and not node.rules and not empty_groups:
            problems.append(Problem(path, _("This group is empty: add a rule or remove it.")))
        elif isinstance(node, Condition):
            field = known.get(node.field)
            if not node.field:
                problems.append(Problem(path, _("Choose a field.")))
                continue
            if field is None:
                problems.append(
                    Problem(path, _("There is no field “%(field)s”.") % {"field": node.field})
                )
                continue
            try:
                cleaned[path] = field.clean(node)
            except ValueProblem as problem:
                problems.append(Problem(path, f"{field.describe(node.args)}: {problem}"))
    problems += _segment_problems(tree, segment)
    if problems:
        raise RuleError(sorted(problems, key=lambda problem: problem.path))
    return _rebuild(tree, (), cleaned)


def _rebuild(node: Node, path: tuple[int, ...], cleaned: dict) -> Node:
    if isinstance(node, Group):
        rules = tuple(_rebuild(child, (*path, i), cleaned) for i, child in enumerate(node.rules))
        return replace(node, rules=rules)
    return cleaned.get(path, node)


def _segment_problems(tree: Node, segment: Segment | None) -> list[Problem]:
    """Unknown segments, and cycles: following the segments a rule names (and the segments
    their rules name) must never lead back to the segment being saved."""
    problems = []
    rules = dict(Segment.objects.values_list("pk", "rule"))
    names = dict(Segment.objects.values_list("pk", "name"))
    for path, node in walk(tree):
        if not isinstance(node, SegmentRef):
            continue
        if node.segment_id not in rules:
            problems.append(
                Problem(path, _("There is no segment #%(id)s.") % {"id": node.segment_id})
            )
            continue
        if segment is not None and segment.pk is not None:
            chain = _path_to(node.segment_id, segment.pk, rules)
            if chain is not None:
                route = " → ".join(names.get(pk, f"#{pk}") for pk in [segment.pk, *chain])
                problems.append(
                    Problem(
                        path,
                        _("A segment cannot contain itself: %(route)s.") % {"route": route},
                    )
                )
    return problems


def _path_to(start: int, target: int, rules: dict[int, Any]) -> list[int] | None:
    """The chain of segments from `start` to `target` through the rules, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        current, chain = stack.pop()
        if current == target:
            return chain
        if current in seen:
            continue
        seen.add(current)
        try:
            named = referenced_segments(parse(rules.get(current) or {}))
        except RuleError:
            continue
        stack.extend((pk, [*chain, pk]) for pk in named)
    return None


def stored_rule(tree: Node) -> dict:
    """A validated tree as the segment keeps it."""

    def clean(data: dict) -> dict:
        if "rules" in data:
            return {**data, "rules": [clean(child) for child in data["rules"]]}
        if "field" in data:
            return {**data, "value": stored(data["value"])}
        return data

    return clean(dump(tree))


# ---------------------------------------------------------------------------------------
# Compiling


@dataclass
class _Compiler:
    context: RuleContext
    known: dict[str, Field]
    annotations: dict[str, Any] = field(default_factory=dict)
    segments: dict[int, Segment] = field(default_factory=dict)
    conditions: int = 0  # numbers each condition's annotation

    def node(self, node: Node, visiting: tuple[int, ...]) -> Q:
        if isinstance(node, Group):
            q = self.group(node, visiting)
        elif isinstance(node, SegmentRef):
            q = self.segment(node, visiting)
        elif isinstance(node, Condition):
            q = self.condition(node)
        else:
            raise TypeError("compile a validated rule")
        return ~q if node.negated else q

    def group(self, group: Group, visiting: tuple[int, ...]) -> Q:
        if not group.rules:
            return NOTHING
        parts = [self.node(child, visiting) for child in group.rules]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined | part if group.combine == "or" else combined & part
        return combined

    def condition(self, condition: Condition) -> Q:
        field = self.known[condition.field]
        op, negate = positive(condition.op)
        self.conditions += 1
        compiled = field.q(replace(condition, op=op), self.context, f"rule_value_{self.conditions}")
        self.annotations.update(compiled.annotations)
        return ~compiled.q if negate else compiled.q

    def segment(self, reference: SegmentRef, visiting: tuple[int, ...]) -> Q:
        segment = self.segments.get(reference.segment_id)
        if segment is None or reference.segment_id in visiting:
            return NOTHING
        if segment.kind == SegmentKind.STATIC:
            members = SegmentMember.objects.filter(segment_id=segment.pk)
            return Q(pk__in=members.values("customer_id"))
        inner = validate(segment.rule, empty_groups=True)
        return self.node(inner, (*visiting, segment.pk))


def _segments_for(tree: Node) -> dict[int, Segment]:
    """Every segment the rule reaches, through the rules of the segments it names."""
    found: dict[int, Segment] = {}
    wanted = referenced_segments(tree)
    while wanted:
        batch = Segment.objects.in_bulk(wanted - set(found))
        found.update(batch)
        wanted = set()
        for segment in batch.values():
            if segment.kind == SegmentKind.DYNAMIC:
                try:
                    wanted |= referenced_segments(parse(segment.rule)) - set(found)
                except RuleError:
                    continue
    return found


def compile_rule(
    tree: Node, context: RuleContext, *, segment_id: int | None = None
) -> tuple[Q, dict[str, Any]]:
    """The filter a validated tree compiles to, and the annotations it reads."""
    compiler = _Compiler(context, fields(), segments=_segments_for(tree))
    q = compiler.node(tree, (segment_id,) if segment_id else ())
    return q, compiler.annotations


def rule_customers(
    tree: Node,
    context: RuleContext,
    *,
    customers: QuerySet[Customer] | None = None,
    segment_id: int | None = None,
) -> QuerySet[Customer]:
    """The customers a validated tree selects, among `customers` (all of them by default;
    pass a scoped queryset for a user's view)."""
    q, annotations = compile_rule(tree, context, segment_id=segment_id)
    base = Customer.objects.all() if customers is None else customers
    return base.annotate(**annotations).filter(q) if annotations else base.filter(q)


# ---------------------------------------------------------------------------------------
# Explaining one customer


@dataclass
class Verdict:
    """Why one node of a rule holds or not for a customer: its words, the outcome, the
    customer's value (for a condition) and the verdicts of its children (for a group)."""

    words: str
    passed: bool
    actual: str = ""
    children: list[Verdict] = field(default_factory=list)

    def lines(self, depth: int = 0) -> Iterable[tuple[int, Verdict]]:
        yield depth, self
        for child in self.children:
            yield from child.lines(depth + 1)

    def __str__(self) -> str:
        mark = "✓" if self.passed else "✗"
        actual = f" ({self.actual})" if self.actual else ""
        if not self.children:
            return f"{self.words} {mark}{actual}"
        return f"{mark} " + ", ".join(str(child) for child in self.children)


@dataclass
class _Explainer:
    facts: Facts
    known: dict[str, Field]
    segments: dict[int, Segment]
    names: dict[int, str]

    def node(self, node: Node, visiting: tuple[int, ...]) -> Verdict:
        if isinstance(node, Group):
            children = [self.node(child, visiting) for child in node.rules]
            outcomes = [child.passed for child in children]
            passed = bool(outcomes) and (any(outcomes) if node.combine == "or" else all(outcomes))
            words = group_words(node, [child.words for child in children])
            return Verdict(words, passed != node.negated, children=children)
        if isinstance(node, SegmentRef):
            return self.segment(node, visiting)
        if isinstance(node, Condition):
            return self.condition(node)
        raise TypeError("explain a validated rule")

    def condition(self, condition: Condition) -> Verdict:
        field = self.known[condition.field]
        op, negate = positive(condition.op)
        actual = field.value(self.facts, condition)
        passed = field.test(replace(condition, op=op), actual, self.facts.context)
        words = condition_words(field, condition)
        if condition.negated:
            words = negated_words(words)
        return Verdict(words, passed ^ negate ^ condition.negated, value_words(field, actual))

    def segment(self, reference: SegmentRef, visiting: tuple[int, ...]) -> Verdict:
        segment = self.segments.get(reference.segment_id)
        words = segment_words(reference, self.names.get(reference.segment_id, ""))
        if segment is None or reference.segment_id in visiting:
            return Verdict(words, reference.negated)
        if segment.kind == SegmentKind.STATIC:
            member = SegmentMember.objects.filter(
                segment_id=segment.pk, customer_id=self.facts.customer.pk
            ).exists()
            return Verdict(words, member != reference.negated)
        inner = self.node(validate(segment.rule, empty_groups=True), (*visiting, segment.pk))
        return Verdict(words, inner.passed != reference.negated, children=[inner])


def explain(
    tree: Node, customer: Customer, context: RuleContext, *, segment_id: int | None = None
) -> Verdict:
    """Why a validated rule selects a customer or not, read in Python from their rows."""
    segments = _segments_for(tree)
    names = {pk: segment.name for pk, segment in segments.items()}
    explainer = _Explainer(Facts(customer, context), fields(), segments, names)
    return explainer.node(tree, (segment_id,) if segment_id else ())


def rule_in_words(tree: Node) -> str:
    segments = _segments_for(tree)
    return rule_words(tree, fields(), {pk: s.name for pk, s in segments.items()})


__all__ = [
    "RuleError",
    "Verdict",
    "compile_rule",
    "explain",
    "rule_customers",
    "rule_in_words",
    "stored_rule",
    "validate",
]
