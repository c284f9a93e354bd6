"""The kinds of field a segment condition tests, and what they share: a field says its kind
(which operators and values fit), its words, how the compiled query reads it (`q`) and how
the evaluator reads it for one customer (`value`). Values on the customer's row (or rows it
points to) and sets per customer live here; sums and counts over rows in aggregates.py; the
list of fields itself in fields.py.
"""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.dates import whole_years, years_before
from customers.models import (
    DailyPosition,
)
from products.models import Security

from .context import RuleContext
from .facts import Facts
from .operators import (
    KIND_OPERATORS,
    Kind,
    ValueProblem,
    clean_value,
    integer_range,
    value_q,
    value_test,
)
from .tree import Condition

Choices = list[tuple[Any, str]]


@dataclass(frozen=True)
class Section:
    key: str
    label: Promise


CUSTOMER = Section("customer", _("Customer"))
SUITABILITY = Section("suitability", _("Suitability"))
ASSETS = Section("assets", _("Assets"))
ACTIVITY = Section("activity", _("Revenue and trading"))
HOLDINGS = Section("holdings", _("Holdings"))
CREDIT = Section("credit", _("Margin trading"))
SERVICE = Section("service", _("Service"))
CUSTOM = Section("custom", _("Custom fields"))
SECTIONS = (CUSTOMER, SUITABILITY, ASSETS, ACTIVITY, HOLDINGS, CREDIT, SERVICE, CUSTOM)


@dataclass(frozen=True)
class Arg:
    """A field's own option, chosen before the operator: a window, a security, an industry."""

    key: str
    label: Promise
    kind: Kind
    choices: tuple[tuple[str, Promise], ...] = ()


@dataclass(frozen=True)
class Compiled:
    """A condition in SQL: a filter on customers and the values it annotates them with."""

    q: Q
    annotations: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Field:
    key: str
    label: Promise | str
    kind: Kind
    section: Section
    # Whether a customer can lack a value (the field then offers "is empty").
    nullable: bool = True
    # The whole numbers a field allows (ages, days), so that no value leaves the calendar.
    bounds: tuple[int, int] | None = None
    help: Promise | str = ""

    @property
    def operators(self) -> tuple[str, ...]:
        ops = KIND_OPERATORS[self.kind]
        return ops if self.nullable else tuple(op for op in ops if op != "is_empty")

    def arguments(self) -> tuple[Arg, ...]:
        """The field's own options (a window, a security), chosen before the operator."""
        return ()

    def choices(self) -> Choices | None:
        """The values a choice field offers, with their words (None: any value)."""
        return None

    def labels(self, values: Sequence[Any]) -> dict[Any, str]:
        """Words for some of its values, for the rule in words."""
        return {value: str(label) for value, label in self.choices() or ()}

    def clean(self, condition: Condition) -> Condition:
        """The condition with its value and options typed; ValueProblem if they do not fit."""
        if condition.op not in self.operators:
            raise ValueProblem(_("This operator does not fit this field."))
        args = self.clean_args(condition.args)
        value = clean_value(self.kind, condition.op, condition.value)
        if value is not None and condition.op not in ("last_days", "next_days"):
            typed = [self.check(item) for item in (value if isinstance(value, list) else [value])]
            value = typed if isinstance(value, list) else typed[0]
        return replace(condition, value=value, args=args)

    def check(self, value: Any) -> Any:
        """One value of the field, as the field keeps it (a choice's own type)."""
        if self.bounds and not self.bounds[0] <= value <= self.bounds[1]:
            raise ValueProblem(
                _("Enter a number from %(low)s to %(high)s.")
                % {"low": self.bounds[0], "high": self.bounds[1]}
            )
        choices = self.choices()
        if choices is None:
            return value
        for choice, _label in choices:
            if str(choice) == str(value):
                return choice
        raise ValueProblem(_("%(value)s is not one of this field's values.") % {"value": value})

    def clean_args(self, args: dict) -> dict:
        return {}

    def describe(self, args: dict) -> str:
        """The field's words with its options: "net inflow over the last 30 days"."""
        return str(self.label)

    def q(self, condition: Condition, context: RuleContext, name: str) -> Compiled:
        """The positive condition (true or false, never NULL) as a filter on customers,
        annotating under `name` what it needs."""
        raise NotImplementedError

    def value(self, facts: Facts, condition: Condition) -> Any:
        """The customer's value, as the evaluator tests it."""
        raise NotImplementedError

    def test(self, condition: Condition, actual: Any, context: RuleContext) -> bool:
        return value_test(self.kind, condition.op, condition.value, actual, today=context.today)


# ---------------------------------------------------------------------------------------
# Values on the customer's row, or on a row it points to.


@dataclass(frozen=True)
class ColumnField(Field):
    expression: Callable[[], Any] = lambda: None
    read: Callable[[Facts], Any] = lambda facts: None
    options: Callable[[], Choices] | None = None
    # A text column the counter leaves blank ("") for no value: blank is empty. Compared as
    # the column itself (no NULLIF), so that the planner reads its statistics.
    blank_is_empty: bool = False

    def choices(self) -> Choices | None:
        return self.options() if self.options else None

    def q(self, condition: Condition, context: RuleContext, name: str) -> Compiled:
        q = value_q(name, self.kind, condition.op, condition.value, today=context.today)
        if self.blank_is_empty and condition.op == "is_empty":
            q |= Q(**{name: ""})
        return Compiled(q, {name: self.expression()})

    def value(self, facts: Facts, condition: Condition) -> Any:
        return self.read(facts)


@dataclass(frozen=True)
class ExpiryField(ColumnField):
    """The day a risk assessment expires: the day it was made plus its validity. Compared as
    the assessment day shifted back, so that the column's index serves."""

    def _shifted(self, condition: Condition, context: RuleContext) -> Condition:
        shift = datetime.timedelta(days=context.assessment_valid_days)
        op, value, today = condition.op, condition.value, context.today
        if op == "last_days":
            op, value = "between", [today - datetime.timedelta(days=value), today]
        elif op == "next_days":
            op, value = "between", [today, today + datetime.timedelta(days=value)]
        if isinstance(value, list):
            value = [day - shift for day in value]
        elif isinstance(value, datetime.date):
            value = value - shift
        return replace(condition, op=op, value=value)

    def q(self, condition: Condition, context: RuleContext, name: str) -> Compiled:
        return super().q(self._shifted(condition, context), context, name)

    def value(self, facts: Facts, condition: Condition) -> Any:
        assessed = self.read(facts)
        valid = datetime.timedelta(days=facts.context.assessment_valid_days)
        return assessed + valid if assessed else None


@dataclass(frozen=True)
class ElapsedField(ColumnField):
    """Whole years or days from a date to today (age, account age, days since the last
    trade). Compared as a range of the date itself: "age ≥ 60" is "born on or before this
    day 60 years ago"."""

    unit: str = "years"
    # Counted to today, or to the metrics day for what the counter's data says (trades).
    to_metrics_day: bool = False

    def _reference(self, context: RuleContext) -> datetime.date:
        return context.as_of if self.to_metrics_day else context.today

    def _last_day(self, count: int, today: datetime.date) -> datetime.date:
        """The latest date that is at least `count` units before today."""
        if self.unit == "years":
            return years_before(today, count)
        return today - datetime.timedelta(days=count)

    def q(self, condition: Condition, context: RuleContext, name: str) -> Compiled:
        if condition.op == "is_empty":
            return Compiled(Q(**{f"{name}__isnull": True}), {name: self.expression()})
        low, high = integer_range(condition.op, condition.value)
        q = Q(**{f"{name}__isnull": False})
        if low is not None:
            q &= Q(**{f"{name}__lte": self._last_day(low, self._reference(context))})
        if high is not None:
            q &= Q(**{f"{name}__gt": self._last_day(high + 1, self._reference(context))})
        return Compiled(q, {name: self.expression()})

    def value(self, facts: Facts, condition: Condition) -> Any:
        day = self.read(facts)
        if day is None:
            return None
        reference = self._reference(facts.context)
        if self.unit == "years":
            return whole_years(day, reference)
        return (reference - day).days


# ---------------------------------------------------------------------------------------
# Sets of values per customer: investment varieties, securities and industries held.


@dataclass(frozen=True)
class SetField(Field):
    """A set of values per customer (kind MULTI): "includes", "includes any of", "is empty"."""

    def has_any(self, values: list, context: RuleContext, name: str) -> Compiled:
        raise NotImplementedError

    def has_anything(self, context: RuleContext, name: str) -> Compiled:
        raise NotImplementedError

    def items(self, facts: Facts) -> set:
        raise NotImplementedError

    def q(self, condition: Condition, context: RuleContext, name: str) -> Compiled:
        if condition.op == "is_empty":
            anything = self.has_anything(context, name)
            return Compiled(~anything.q, anything.annotations)
        values = condition.value if isinstance(condition.value, list) else [condition.value]
        return self.has_any(values, context, name)

    def value(self, facts: Facts, condition: Condition) -> Any:
        return self.items(facts)

    def test(self, condition: Condition, actual: Any, context: RuleContext) -> bool:
        if condition.op == "is_empty":
            return not actual
        values = condition.value if isinstance(condition.value, list) else [condition.value]
        return bool(actual & set(values))


@dataclass(frozen=True)
class DelimitedField(SetField):
    """Codes kept in one text column separated by ";" (the counter's investment varieties)."""

    column: str = ""
    options: Callable[[], Choices] | None = None

    def choices(self) -> Choices | None:
        return self.options() if self.options else None

    def _wrapped(self):
        return Concat(Value(";"), Coalesce(F(self.column), Value("")), Value(";"))

    def has_any(self, values: list, context: RuleContext, name: str) -> Compiled:
        matches = [Q(**{f"{name}__contains": f";{value};"}) for value in values]
        return Compiled(functools.reduce(operator.or_, matches), {name: self._wrapped()})

    def has_anything(self, context: RuleContext, name: str) -> Compiled:
        return Compiled(Q(**{f"{name}__regex": r";[^;]+;"}), {name: self._wrapped()})

    def items(self, facts: Facts) -> set:
        text = getattr(facts.customer, self.column) or ""
        return {item for item in text.split(";") if item}


@dataclass(frozen=True)
class HeldField(SetField):
    """What the customer holds on the metrics day (a quantity above zero): securities by
    code, or the industries of the securities."""

    security_field: str = "sec_code"

    def _positions(self, context: RuleContext) -> QuerySet:
        positions = DailyPosition.objects.filter(
            business_date=context.as_of, account__customer=OuterRef("pk"), quantity__gt=0
        )
        return positions.exclude(**{f"security__{self.security_field}": ""})

    def has_any(self, values: list, context: RuleContext, name: str) -> Compiled:
        lookup = f"security__{self.security_field}__in"
        return Compiled(Q(Exists(self._positions(context).filter(**{lookup: values}))))

    def has_anything(self, context: RuleContext, name: str) -> Compiled:
        return Compiled(Q(Exists(self._positions(context))))

    def items(self, facts: Facts) -> set:
        attribute = "code" if self.security_field == "sec_code" else "industry"
        return {
            getattr(holding, attribute)
            for holding in facts.holdings
            if holding.quantity > 0 and getattr(holding, attribute)
        }

    def check(self, value: Any) -> Any:
        if self.security_field == "sec_code":
            if not Security.objects.filter(sec_code=value).exists():
                raise ValueProblem(_("No security has the code %(code)s.") % {"code": value})
            return value
        return super().check(value)

    def choices(self) -> Choices | None:
        if self.security_field == "sec_code":
            return None
        return [(industry, industry) for industry in industries()]


def industries() -> list[str]:
    return list(
        Security.objects.exclude(industry="")
        .order_by("industry")
        .values_list("industry", flat=True)
        .distinct()
    )
