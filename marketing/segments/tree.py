"""The shape of a segment's rule, as stored (JSON) and as the compiler and evaluator read it.

A rule is a tree of three kinds of node, each of which may be negated:

    {"group": "and" | "or", "not": false, "rules": [node, ...]}
    {"field": "total_assets", "op": "gte", "value": "500000", "args": {}, "not": false}
    {"segment": 12, "not": false}          (in another segment; "not" excludes it)

`parse` turns the JSON into the dataclasses below, or raises RuleError with every problem it
found, each with where it is ("rule 2 of group 1"), so that an editor can say what and where.
Values are checked against their field (marketing/segments/fields.py) by `validate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None
    args: dict = dataclass_field(default_factory=dict)
    negated: bool = False


@dataclass(frozen=True)
class Group:
    combine: str  # "and" | "or"
    rules: tuple[Node, ...] = ()
    negated: bool = False


@dataclass(frozen=True)
class SegmentRef:
    segment_id: int
    negated: bool = False


@dataclass(frozen=True)
class Unreadable:
    """A node whose shape is wrong, kept in its place so that the nodes after it keep their
    paths; parse refuses a tree with one, validate reports it with the rest."""

    negated: bool = False


Node = Condition | Group | SegmentRef | Unreadable

AND, OR = "and", "or"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule, and where: a path of child positions from the root."""

    path: tuple[int, ...]
    message: str

    def where(self) -> str:
        if not self.path:
            return _("the whole rule")
        return " › ".join(_("rule %(number)s") % {"number": index + 1} for index in self.path)

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


class RuleError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


def parse(data: Any) -> Node:
    """The tree of a stored rule; RuleError if its shape is wrong anywhere."""
    node, problems = parse_leniently(data)
    if problems:
        raise RuleError(problems)
    return node


def parse_leniently(data: Any) -> tuple[Node, list[Problem]]:
    """The tree with the nodes whose shape is wrong kept as Unreadable, and the problems
    with them: so that a validation can report those together with everything else."""
    problems: list[Problem] = []
    return _parse(data, (), problems), problems


def _parse(data: Any, path: tuple[int, ...], problems: list[Problem]) -> Node:
    if not isinstance(data, dict):
        problems.append(Problem(path, _("This is not a rule.")))
        return Unreadable()
    negated = bool(data.get("not", False))
    if "group" in data:
        combine = data.get("group")
        if combine not in (AND, OR):
            problems.append(Problem(path, _("A group combines its rules with AND or OR.")))
        children = data.get("rules")
        if not isinstance(children, list):
            problems.append(Problem(path, _("A group holds a list of rules.")))
            children = []
        rules = tuple(
            _parse(child, (*path, index), problems) for index, child in enumerate(children)
        )
        return Group(combine=combine if combine == OR else AND, rules=rules, negated=negated)
    if "segment" in data:
        segment = data.get("segment")
        if not isinstance(segment, int) or isinstance(segment, bool):
            try:
                segment = int(str(segment))
            except (TypeError, ValueError):
                problems.append(Problem(path, _("Choose a segment.")))
                return Unreadable()
        return SegmentRef(segment_id=segment, negated=negated)
    if "field" in data:
        args = data.get("args") or {}
        if not isinstance(args, dict):
            problems.append(Problem(path, _("The condition's options are not readable.")))
            args = {}
        return Condition(
            field=str(data.get("field") or ""),
            op=str(data.get("op") or ""),
            value=data.get("value"),
            args=args,
            negated=negated,
        )
    problems.append(Problem(path, _("This is not a rule.")))
    return Unreadable()


def dump(node: Node) -> dict:
    """The JSON of a tree (parse's inverse), with values as the fields cleaned them."""
    if isinstance(node, Group):
        return {"group": node.combine, "not": node.negated, "rules": [dump(n) for n in node.rules]}
    if isinstance(node, SegmentRef):
        return {"segment": node.segment_id, "not": node.negated}
    if isinstance(node, Unreadable):
        raise ValueError("an unreadable node has no JSON")
    return {
        "field": node.field,
        "op": node.op,
        "value": node.value,
        "args": dict(node.args),
        "not": node.negated,
    }


def walk(node: Node, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Node]]:
    """Every node with its path, the root first."""
    yield path, node
    if isinstance(node, Group):
        for index, child in enumerate(node.rules):
            yield from walk(child, (*path, index))


def referenced_segments(node: Node) -> set[int]:
    return {n.segment_id for _path, n in walk(node) if isinstance(n, SegmentRef)}
