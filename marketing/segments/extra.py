"""Fields whose list is data rather than code: the custom fields admins define (customers'
JSON column, typed on read) and the customers' tier of the latest evaluated month."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.custom_fields import (
    custom_field_definitions,
    custom_multi_has_q,
    custom_value_expression,
    custom_value_python,
)
from customers.models import CustomField, CustomFieldKind
from marketing.models import CustomerTier, Tier

from .context import RuleContext
from .facts import Facts
from .kinds import CUSTOM, SERVICE, Choices, ColumnField, Compiled, Field, SetField
from .operators import Kind
from .tree import Condition

CUSTOM_PREFIX = "custom."
CUSTOM_KINDS = {
    CustomFieldKind.TEXT: Kind.TEXT,
    CustomFieldKind.INTEGER: Kind.INTEGER,
    CustomFieldKind.DECIMAL: Kind.DECIMAL,
    CustomFieldKind.DATE: Kind.DATE,
    CustomFieldKind.CHOICE: Kind.CHOICE,
    CustomFieldKind.MULTI_CHOICE: Kind.MULTI,
    CustomFieldKind.BOOLEAN: Kind.BOOLEAN,
}


def _choice_list(definition: CustomField) -> Choices:
    return [
        (item["value"], item.get("label") or item["value"]) for item in definition.choices or []
    ]


class CustomMultiField(SetField):
    definition: CustomField

    def __init__(self, definition: CustomField):
        super().__init__(CUSTOM_PREFIX + definition.key, definition.label, Kind.MULTI, CUSTOM)
        object.__setattr__(self, "definition", definition)

    def choices(self) -> Choices | None:
        return _choice_list(self.definition)

    def has_any(self, values: list, context: RuleContext, name: str) -> Compiled:
        q = Q(pk__in=[])
        for value in values:
            q |= custom_multi_has_q(self.definition, value)
        return Compiled(q)

    def has_anything(self, context: RuleContext, name: str) -> Compiled:
        return self.has_any([value for value, _label in self.choices() or []], context, name)

    def items(self, facts: Facts) -> set:
        return set(custom_value_python(self.definition, facts.customer) or [])


def custom_field(definition: CustomField) -> Field:
    kind = CUSTOM_KINDS[CustomFieldKind(definition.kind)]
    if kind == Kind.MULTI:
        return CustomMultiField(definition)
    options = (lambda: _choice_list(definition)) if kind == Kind.CHOICE else None
    return ColumnField(
        CUSTOM_PREFIX + definition.key,
        definition.label,
        kind,
        CUSTOM,
        expression=lambda: custom_value_expression(definition),
        read=lambda facts: custom_value_python(definition, facts.customer),
        options=options,
    )


def custom_fields() -> list[Field]:
    return [custom_field(definition) for definition in custom_field_definitions()]


class TierField(Field):
    """The customer's tier in the latest month tiers were evaluated for."""

    def __init__(self):
        super().__init__("tier", _("tier"), Kind.CHOICE, SERVICE)

    def choices(self) -> Choices | None:
        return [(tier.pk, tier.name) for tier in Tier.objects.order_by("rank")]

    def q(self, condition: Condition, context: RuleContext, name: str) -> Compiled:
        held = _tiers_of(context)
        if condition.op == "is_empty":
            return Compiled(~Q(pk__in=held.values("customer_id")))
        values = condition.value if isinstance(condition.value, list) else [condition.value]
        return Compiled(Q(pk__in=held.filter(tier_id__in=values).values("customer_id")))

    def value(self, facts: Facts, condition: Condition) -> Any:
        row = _tiers_of(facts.context).filter(customer=facts.customer).first()
        return row.tier_id if row else None


class TierWatchField(Field):
    """Whether the customer is below their tier and watched before a downgrade."""

    def __init__(self):
        super().__init__("tier_to_watch", _("tier to watch"), Kind.BOOLEAN, SERVICE, nullable=False)

    def q(self, condition: Condition, context: RuleContext, name: str) -> Compiled:
        watched = _tiers_of(context).filter(to_watch=True)
        q = Q(pk__in=watched.values("customer_id"))
        return Compiled(q if condition.value else ~q)

    def value(self, facts: Facts, condition: Condition) -> Any:
        return _tiers_of(facts.context).filter(customer=facts.customer, to_watch=True).exists()


def _tiers_of(context: RuleContext):
    """The tier rows of the context's month (none before tiers were ever evaluated)."""
    if context.tier_month is None:
        return CustomerTier.objects.none()
    return CustomerTier.objects.filter(month=context.tier_month)


def tier_fields() -> list[Field]:
    return [TierField(), TierWatchField()]
