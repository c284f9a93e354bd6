"""Writes of the custom fields: a customer's values set on the 360 page (validated, audited)
and a definition saved in the admin, whose change of kind, choices or bounds converts the
values stored under it, or clears those that cannot be converted, with a report of both.

Every function is keyword-only and atomic. How values are stored, typed and validated is
customers/custom_fields.py's; who may edit is customers/permissions.py's.
"""

import copy
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, TextField, Value, When
from django.db.models.lookups import Exact, In
from django.utils.translation import gettext as _

from crm.selectors import role_of
from crm.services import audit_record
from customers.custom_fields import (
    COLUMN,
    JsonKeyRemove,
    JsonKeySet,
    JsonOfKey,
    custom_value_clean,
    custom_value_store,
    custom_value_text,
    stored_value_python,
)
from customers.models import Customer, CustomField
from customers.permissions import may_act_for_customer

# What a definition's change may do to the values stored under it.
VALUE_RULES = ("kind", "choices", "min_value", "max_value", "pattern")
# The report names this many customers per value (and counts them all), for this many values.
REPORT_CUSTOMERS = 20
REPORT_VALUES = 50
# Customers a conversion's audit entry names, converted and cleared each.
AUDIT_CUSTOMERS = 200
# Stored values rewritten by one UPDATE (one CASE arm each).
VALUES_PER_UPDATE = 500


# -- a customer's values ------------------------------------------------------------------------


@transaction.atomic
def customer_custom_fields_update(
    *, customer: Customer, values: dict[str, Any], by, request=None
) -> dict[str, dict]:
    """Set some of a customer's custom field values: `values` by key, raw as a form sends
    them (empty clears the value). Each is cleaned by its field's rules; a field that is
    retired, unknown, not for the customer's type or not editable in the user's role is
    refused too, all as one ValidationError by key. A user who may not act for the customer
    at all is refused with PermissionDenied. Only the keys given are written, under a row
    lock (a concurrent edit of other keys is kept); the change (old and new values) is
    audited. Returns the change by key, empty when nothing changed."""
    if not may_act_for_customer(by, customer):
        raise PermissionDenied(
            _("Only the customer's manager, those above them and head office may change it.")
        )
    # Locked so that a definition's conversion (custom_field_save) cannot interleave.
    fields = {
        field.key: field
        for field in CustomField.objects.select_for_update().filter(key__in=list(values))
    }
    role = role_of(by)
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for key, raw in values.items():
        field = fields.get(key)
        if field is None or field.retired:
            errors[key] = [_("There is no such custom field.")]
        elif not field.applies_to_type(customer.cust_type):
            errors[key] = [
                _("This field is not kept for %(type)s customers.")
                % {"type": customer.get_cust_type_display()}
            ]
        elif not field.editable_by_role(role):
            errors[key] = [_("Your role may not change this field.")]
        else:
            try:
                cleaned[key] = custom_value_store(field, custom_value_clean(field, raw))
            except ValidationError as error:
                errors[key] = error.messages
    if errors:
        raise ValidationError(errors)
    stored = dict(
        Customer.objects.select_for_update()
        .values_list("custom_fields", flat=True)
        .get(pk=customer.pk)
        or {}
    )
    changes = {}
    for key, new in cleaned.items():
        old = stored.get(key)
        if new == old:
            continue
        changes[key] = {"from": old, "to": new}
        if new is None:
            del stored[key]
        else:
            stored[key] = new
    customer.custom_fields = stored
    if changes:
        customer.save(update_fields=["custom_fields"])
        audit_record(
            actor=by,
            action="customer.custom_fields",
            target=customer,
            request=request,
            details={"fields": ", ".join(changes), "changes": changes},
        )
    return changes


# -- a definition's change and the values stored under it ---------------------------------------


@dataclass(frozen=True)
class StoredValue:
    """One distinct value stored under the field, and what the new definition makes of it:
    `becomes` (as stored) when it converts, `reason` when it cannot."""

    stored: Any
    stored_text: str  # as the database spells it, to match it by
    count: int
    customers: tuple[str, ...]
    becomes: Any = None
    reason: str = ""


@dataclass(frozen=True)
class ValuesReport:
    """What a definition's change does to the stored values: those converted, those that
    cannot be (and why), and how many customers keep theirs as it is."""

    converted: tuple[StoredValue, ...] = ()
    refused: tuple[StoredValue, ...] = ()
    kept: int = 0

    @property
    def converted_customers(self) -> int:
        return sum(value.count for value in self.converted)

    @property
    def refused_customers(self) -> int:
        return sum(value.count for value in self.refused)

    @property
    def changes(self) -> bool:
        return bool(self.converted or self.refused)

    def lines(self) -> list[str]:
        """The report in the reader's language: one line per value converted or refused,
        with the customers who hold it (the first REPORT_CUSTOMERS)."""
        lines = []
        for value in self.converted[:REPORT_VALUES]:
            lines.append(
                _("%(old)s becomes %(new)s for %(count)s customers: %(customers)s")
                % {
                    "old": _shown(value.stored),
                    "new": _shown(value.becomes),
                    "count": value.count,
                    "customers": _customers(value),
                }
            )
        for value in self.refused[:REPORT_VALUES]:
            lines.append(
                _("%(old)s cannot be converted (%(reason)s) for %(count)s customers: %(customers)s")
                % {
                    "old": _shown(value.stored),
                    "reason": value.reason,
                    "count": value.count,
                    "customers": _customers(value),
                }
            )
        hidden = len(self.converted) + len(self.refused) - len(lines)
        if hidden > 0:
            lines.append(_("… and %(count)s more values.") % {"count": hidden})
        return lines


def _shown(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _customers(value: StoredValue) -> str:
    shown = ", ".join(value.customers)
    return shown + (" …" if value.count > len(value.customers) else "")


def custom_field_affects_values(field: CustomField, previous: CustomField | None) -> bool:
    """Whether saving `field` over `previous` may change what its stored values mean."""
    return previous is not None and any(
        getattr(field, name) != getattr(previous, name) for name in VALUE_RULES
    )


def custom_field_values_check(*, field: CustomField, previous: CustomField) -> ValuesReport:
    """What saving `field` (its new definition, not yet saved) would do to the values stored
    under its key, read as `previous` defined them: each distinct stored value is read as
    text and cleaned by the new definition (custom_value_clean, the form's own rule), so a
    converted value is one a user could have entered. One query for the distinct values
    and one per value the report names customers for; nothing is written."""
    relaxed = copy.copy(field)
    relaxed.required = False  # an existing value is never empty
    converted, refused, kept = [], [], 0
    for stored_text, count in _distinct_values(field.key):
        stored = json.loads(stored_text)
        typed = stored_value_python(previous, stored)
        text = custom_value_text(previous, typed) if typed is not None else _as_text(stored)
        try:
            becomes = custom_value_store(field, custom_value_clean(relaxed, text))
        except ValidationError as error:
            refused.append((stored_text, stored, count, None, " ".join(error.messages)))
            continue
        if becomes == stored:
            kept += count
        else:
            converted.append((stored_text, stored, count, becomes, ""))
    return ValuesReport(
        converted=_described(field.key, converted),
        refused=_described(field.key, refused),
        kept=kept,
    )


def _as_text(stored) -> str:
    if isinstance(stored, list):
        return ", ".join(str(item) for item in stored)
    return stored if isinstance(stored, str) else json.dumps(stored)


def _distinct_values(key: str) -> list[tuple[str, int]]:
    rows = (
        Customer.objects.filter(**{f"{COLUMN}__has_key": key})
        .annotate(stored=JsonOfKey(key))
        .values("stored")
        .annotate(count=Count("pk"))
        .order_by("-count", "stored")
        .values_list("stored", "count")
    )
    return list(rows)


def _described(key: str, outcomes: list[tuple]) -> tuple[StoredValue, ...]:
    values = []
    for index, (stored_text, stored, count, becomes, reason) in enumerate(outcomes):
        customers: tuple[str, ...] = ()
        if index < REPORT_VALUES:
            customers = tuple(
                Customer.objects.filter(Exact(JsonOfKey(key), stored_text))
                .order_by("cust_no")
                .values_list("cust_no", flat=True)[:REPORT_CUSTOMERS]
            )
        values.append(
            StoredValue(
                stored=stored,
                stored_text=stored_text,
                count=count,
                customers=customers,
                becomes=becomes,
                reason=reason,
            )
        )
    return tuple(values)


class CustomFieldValuesRefused(ValidationError):
    """A definition's change would leave values it cannot convert, and clearing them was not
    allowed; `report` says which."""

    def __init__(self, report: ValuesReport):
        super().__init__(
            _(
                "%(count)s customers hold values the changed field cannot take. Allow "
                "clearing them, or change the field so that it takes them."
            )
            % {"count": report.refused_customers}
        )
        self.report = report


@transaction.atomic
def custom_field_save(
    *, field: CustomField, clear_refused: bool = False, by=None, request=None
) -> ValuesReport:
    """Save a custom field's definition. A new key is taken once: the key of a saved field
    never changes. When the kind, the choices or the bounds change, the values stored under
    it are converted to the new definition (custom_field_values_check) and those that cannot
    be are cleared if `clear_refused`, otherwise nothing is saved (CustomFieldValuesRefused).
    Converting is audited with what it did. Returns the report (empty for a new field)."""
    previous = CustomField.objects.select_for_update().filter(pk=field.pk).first()
    if previous is not None and previous.key != field.key:
        raise ValidationError({"key": _("The key of a field never changes.")})
    report = ValuesReport()
    if custom_field_affects_values(field, previous):
        assert previous is not None
        report = custom_field_values_check(field=field, previous=previous)
        if report.refused and not clear_refused:
            raise CustomFieldValuesRefused(report)
    field.save()
    if report.changes:
        _values_rewrite(field.key, report)
        audit_record(
            actor=by,
            action="custom_field.values_convert",
            target=field,
            request=request,
            details={
                "key": field.key,
                "kind_from": previous.kind if previous else "",
                "kind_to": field.kind,
                "converted": report.converted_customers,
                "cleared": report.refused_customers,
                "converted_customers": _audited(report.converted),
                "cleared_customers": _audited(report.refused),
            },
        )
    return report


def _audited(values: tuple[StoredValue, ...]) -> list[dict]:
    entries: list[dict] = []
    for value in values:
        for number in value.customers:
            if len(entries) >= AUDIT_CUSTOMERS:
                return entries
            entries.append(
                {
                    "customer": number,
                    "from": value.stored,
                    "to": value.becomes,
                    **({"reason": value.reason} if value.reason else {}),
                }
            )
    return entries


def _values_rewrite(key: str, report: ValuesReport) -> None:
    """The report applied set-based: an UPDATE per VALUES_PER_UPDATE converted values (one
    CASE arm each, old JSON to new), one per as many refused values (their key removed)."""
    converted = [(value.stored_text, json.dumps(value.becomes)) for value in report.converted]
    for start in range(0, len(converted), VALUES_PER_UPDATE):
        chunk = converted[start : start + VALUES_PER_UPDATE]
        new_json = Case(
            *(When(Exact(JsonOfKey(key), old), then=Value(new)) for old, new in chunk),
            output_field=TextField(),
        )
        Customer.objects.filter(In(JsonOfKey(key), [old for old, _new in chunk])).update(
            custom_fields=JsonKeySet(key, new_json)
        )
    refused = [value.stored_text for value in report.refused]
    for start in range(0, len(refused), VALUES_PER_UPDATE):
        cleared = refused[start : start + VALUES_PER_UPDATE]
        Customer.objects.filter(In(JsonOfKey(key), cleared)).update(
            custom_fields=JsonKeyRemove(key)
        )


@transaction.atomic
def custom_fields_retire(*, fields, retired: bool = True) -> int:
    """Retire fields (hidden everywhere, their values kept) or bring them back; returns how
    many changed."""
    return (
        CustomField.objects.filter(pk__in=fields.values("pk"))
        .exclude(retired=retired)
        .update(retired=retired)
    )
