"""A rule in words, in the reader's language: "total assets ≥ 500,000", "holds 600519",
"all of: (…; …)". The evaluator's explanation uses the same words for each line."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .kinds import Field
from .operators import OPERATORS, Kind, Shape
from .tree import Condition, Group, Node, SegmentRef


def value_words(field: Field, value: Any) -> str:
    """One value as a reader reads it: a choice by its name, money with separators."""
    if value is None:
        return _("none")
    if isinstance(value, (list, set, tuple)):
        items = sorted(value, key=str) if isinstance(value, set) else value
        return pgettext("list separator", ", ").join(value_words(field, item) for item in items)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (Decimal, int)) and field.kind in (Kind.DECIMAL, Kind.INTEGER):
        places = 0 if value == int(value) else None
        return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    if isinstance(value, datetime.date):
        return value.isoformat()
    labels = field.labels([value]) if field.kind in (Kind.CHOICE, Kind.MULTI) else {}
    return labels.get(value, str(value))


SET_WORDS = {
    "contains": lambda: pgettext("a set", "includes"),
    "in": lambda: pgettext("a set", "includes any of"),
    "not_in": lambda: pgettext("a set", "includes none of"),
}


def condition_words(field: Field, condition: Condition) -> str:
    """The words of one condition without its NOT: "net inflow over the last 30 days ≥ 0"."""
    name = field.describe(condition.args)
    op, value = condition.op, condition.value
    shape = OPERATORS[op].shape
    if shape == Shape.NONE:
        return _("%(field)s is empty") % {"field": name}
    if op == "last_days":
        return _("%(field)s within the last %(days)s days") % {"field": name, "days": value}
    if op == "next_days":
        return _("%(field)s within the next %(days)s days") % {"field": name, "days": value}
    if shape == Shape.TWO:
        return _("%(field)s between %(low)s and %(high)s") % {
            "field": name,
            "low": value_words(field, value[0]),
            "high": value_words(field, value[1]),
        }
    if field.kind == Kind.MULTI and op in SET_WORDS:
        verb = SET_WORDS[op]()
    else:
        verb = str(OPERATORS[op].words)
    return _("%(field)s %(operator)s %(value)s") % {
        "field": name,
        "operator": verb,
        "value": value_words(field, value),
    }


def negated_words(words: str) -> str:
    return _("not (%(rule)s)") % {"rule": words}


def group_words(group: Group, parts: list[str]) -> str:
    if not parts:
        return _("an empty group (matches nobody)")
    joined = pgettext("rules separator", "; ").join(parts)
    if group.combine == "or":
        words = _("none of: (%(rules)s)") if group.negated else _("any of: (%(rules)s)")
    else:
        words = _("not all of: (%(rules)s)") if group.negated else _("all of: (%(rules)s)")
    return words % {"rules": joined}


def segment_words(reference: SegmentRef, name: str) -> str:
    if reference.negated:
        return _("not in the segment “%(name)s”") % {"name": name}
    return _("in the segment “%(name)s”") % {"name": name}


def rule_words(node: Node, fields: dict[str, Field], names: dict[int, str]) -> str:
    """The whole rule in words (a validated tree: every field known)."""
    if isinstance(node, Group):
        return group_words(node, [rule_words(child, fields, names) for child in node.rules])
    if isinstance(node, SegmentRef):
        return segment_words(node, names.get(node.segment_id, f"#{node.segment_id}"))
    if not isinstance(node, Condition):
        return _("an unreadable rule")
    field = fields.get(node.field)
    if field is None:
        return _("an unknown field “%(field)s”") % {"field": node.field}
    words = condition_words(field, node)
    return negated_words(words) if node.negated else words


__all__ = ["condition_words", "rule_words", "value_words"]
