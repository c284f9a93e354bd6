"""Operators: which fit which kind of field, what value each takes, and what each means, once
for SQL (`value_q`, a condition on a named value of a query) and once for Python
(`value_test`, the same condition on one customer's value), so that the compiled query and
the evaluator cannot drift apart.

A condition is true only where the customer has a value that passes it: a customer without
one fails `≥ 500,000` and passes its negation ("not ≥ 500,000"), as the words say. "≠" and
"not one of" are the negations of "=" and "one of" (a customer without a risk level is not
C3), and "is empty" is true exactly where there is no value.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    MULTI = "multi"  # a set of values per customer: varieties, securities held, industries
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    BOOLEAN = "boolean"


class Shape(enum.StrEnum):
    """What an operator's value is."""

    NONE = "none"
    ONE = "one"
    TWO = "two"  # [low, high], both included
    MANY = "many"
    DAYS = "days"  # a whole number of days


@dataclass(frozen=True)
class Operator:
    key: str
    words: Any  # lazy text: "≥", "between", "is one of"
    shape: Shape
    # "≠" is "not =", "not one of" is "not one of": the positive operator they negate.
    negates: str = ""


OPERATORS = {
    op.key: op
    for op in (
        Operator("eq", "=", Shape.ONE),
        Operator("ne", "≠", Shape.ONE, negates="eq"),
        Operator("lt", "<", Shape.ONE),
        Operator("lte", "≤", Shape.ONE),
        Operator("gt", ">", Shape.ONE),
        Operator("gte", "≥", Shape.ONE),
        Operator("between", _("between"), Shape.TWO),
        Operator("in", _("is one of"), Shape.MANY),
        Operator("not_in", _("is none of"), Shape.MANY, negates="in"),
        Operator("contains", pgettext_lazy("rule operator", "contains"), Shape.ONE),
        Operator("is_empty", _("is empty"), Shape.NONE),
        Operator("last_days", _("within the last … days"), Shape.DAYS),
        Operator("next_days", _("within the next … days"), Shape.DAYS),
    )
}

ORDERED = ("eq", "ne", "lt", "lte", "gt", "gte", "between", "is_empty")
KIND_OPERATORS: dict[Kind, tuple[str, ...]] = {
    Kind.TEXT: ("eq", "ne", "contains", "in", "not_in", "is_empty"),
    Kind.CHOICE: ("eq", "ne", "in", "not_in", "is_empty"),
    # On a set: "contains" has the one value, "one of" has any of them, "is empty" none.
    Kind.MULTI: ("contains", "in", "not_in", "is_empty"),
    Kind.INTEGER: ORDERED,
    Kind.DECIMAL: ORDERED,
    Kind.DATE: (*ORDERED, "last_days", "next_days"),
    Kind.BOOLEAN: ("eq", "is_empty"),
}

MAX_DAYS = 36_600
MAX_TEXT = 200
MAX_DIGITS = 20


class ValueProblem(ValueError):
    """A value that does not fit its field; the message says why, in the user's words."""


def positive(op: str) -> tuple[str, bool]:
    """The operator a condition is compiled with, and whether it is then negated."""
    negates = OPERATORS[op].negates
    return (negates, True) if negates else (op, False)


def clean_one(kind: Kind, raw: Any) -> Any:
    """One value of a kind, typed, or ValueProblem."""
    if kind in (Kind.TEXT, Kind.CHOICE, Kind.MULTI):
        if isinstance(raw, (dict, list)) or raw is None:
            raise ValueProblem(_("Enter a value."))
        text = str(raw).strip()
        if not text:
            raise ValueProblem(_("Enter a value."))
        if len(text) > MAX_TEXT:
            raise ValueProblem(_("The value is too long."))
        return text
    if kind == Kind.INTEGER:
        if isinstance(raw, bool):
            raise ValueProblem(_("Enter a whole number."))
        try:
            number = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            raise ValueProblem(_("Enter a whole number.")) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueProblem(_("Enter a whole number."))
        if abs(number) >= 10**12:
            raise ValueProblem(_("The number is too large."))
        return int(number)
    if kind == Kind.DECIMAL:
        if isinstance(raw, bool):
            raise ValueProblem(_("Enter a number."))
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            raise ValueProblem(_("Enter a number.")) from None
        if not number.is_finite() or number.adjusted() >= MAX_DIGITS - 4:
            raise ValueProblem(_("Enter a number."))
        return number.quantize(Decimal("0.0001")).normalize() + 0
    if kind == Kind.DATE:
        if isinstance(raw, datetime.date):
            return raw
        try:
            return datetime.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValueProblem(_("Enter a date as YYYY-MM-DD.")) from None
    if kind == Kind.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes", "y", "on"):
            return True
        if text in ("false", "0", "no", "n", "off"):
            return False
        raise ValueProblem(_("Choose yes or no."))
    raise ValueProblem(_("Enter a value."))  # pragma: no cover - every kind is named above


def clean_value(kind: Kind, op: str, raw: Any) -> Any:
    """The value of a condition, shaped as its operator takes it."""
    shape = OPERATORS[op].shape
    if shape == Shape.NONE:
        return None
    if shape == Shape.DAYS:
        days = clean_one(Kind.INTEGER, raw)
        if not 0 <= days <= MAX_DAYS:
            raise ValueProblem(_("Enter a number of days from 0 to 36,600."))
        return days
    if shape == Shape.TWO:
        if not isinstance(raw, (list, tuple)) or len(raw) != 2:
            raise ValueProblem(_("Enter the lowest and the highest value."))
        low, high = clean_one(kind, raw[0]), clean_one(kind, raw[1])
        if low > high:
            raise ValueProblem(_("The lowest value is above the highest."))
        return [low, high]
    if shape == Shape.MANY:
        items = raw if isinstance(raw, (list, tuple)) else str(raw or "").split(",")
        values = list(dict.fromkeys(clean_one(kind, item) for item in items if str(item).strip()))
        if not values:
            raise ValueProblem(_("Enter at least one value."))
        return values
    return clean_one(kind, raw)


def stored(value: Any) -> Any:
    """A cleaned value as JSON keeps it (decimals as text, dates as YYYY-MM-DD)."""
    if isinstance(value, list):
        return [stored(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == set()


def window(op: str, value: Any, today: datetime.date) -> tuple[Any, Any] | None:
    """The inclusive range (low, high; None for open) an ordering operator keeps."""
    if op == "between":
        return value[0], value[1]
    if op == "last_days":
        return today - datetime.timedelta(days=value), today
    if op == "next_days":
        return today, today + datetime.timedelta(days=value)
    return None


def value_q(name: str, kind: Kind, op: str, value: Any, *, today: datetime.date) -> Q:
    """The positive condition on a value named `name` in a query (an annotation, a column
    or an aggregate in HAVING): true only where the value exists and passes."""
    exists = Q(**{f"{name}__isnull": False})
    if op == "is_empty":
        empty = Q(**{f"{name}__isnull": True})
        return empty | Q(**{name: ""}) if kind == Kind.TEXT else empty
    if op in ("lt", "lte", "gt", "gte", "in", "contains"):
        lookup = "icontains" if op == "contains" else op
        return exists & Q(**{f"{name}__{lookup}": value})
    if op == "eq":
        return exists & Q(**{name: value})
    low, high = window(op, value, today) or (None, None)
    return exists & Q(**{f"{name}__gte": low, f"{name}__lte": high})


def value_test(kind: Kind, op: str, value: Any, actual: Any, *, today: datetime.date) -> bool:
    """value_q for one customer's value."""
    if op == "is_empty":
        return is_empty(actual)
    if actual is None:
        return False
    if op == "eq":
        return actual == value
    if op == "in":
        return actual in value
    if op == "contains":
        return str(value).casefold() in str(actual).casefold()
    if op == "lt":
        return actual < value
    if op == "lte":
        return actual <= value
    if op == "gt":
        return actual > value
    if op == "gte":
        return actual >= value
    low, high = window(op, value, today) or (None, None)
    return low <= actual <= high


def integer_range(op: str, value: Any) -> tuple[int | None, int | None]:
    """The inclusive range of whole numbers an ordering operator keeps (None: unbounded)."""
    if op == "between":
        return value[0], value[1]
    if op == "eq":
        return value, value
    if op == "lt":
        return None, value - 1
    if op == "lte":
        return None, value
    if op == "gt":
        return value + 1, None
    return value, None  # gte
