"""Custom field values: how each kind is stored in Customer.custom_fields, read back typed in
Python and in SQL (the same on PostgreSQL and SQLite), validated and shown. The definitions
are customers/models/custom.py's; the writes customers/services/custom_fields.py's.

Stored, by kind, under the field's key of the one JSON object (no key: no value):
text and choice a string; integer a JSON number; decimal a string of the exact decimal
("1234.50": Python reads JSON numbers back as floats); date "YYYY-MM-DD"; multi_choice a
list of the chosen values; boolean true or false. Only cleaned values are ever stored, so
the SQL casts below never meet a value of another kind.
"""

import datetime
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    DateField,
    DecimalField,
    Expression,
    F,
    Func,
    JSONField,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import Exact
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.dates import DateWithinBounds
from crm.models import Role
from customers.models import CustomField, CustomFieldKind
from customers.models.custom import BOUNDED_KINDS, CHOICE_KINDS, PATTERN_KINDS

COLUMN = "custom_fields"
TEXT_MAX_LENGTH = 1000
# Decimals compare exactly on both databases up to 15 significant digits (SQLite compares
# them as doubles, which hold 15 decimal digits exactly); PostgreSQL casts to numeric.
DECIMAL_DIGITS = 15
DECIMAL_PLACES = 6
INTEGER_RANGE = range(-(2**63), 2**63)  # PostgreSQL's bigint, SQLite's integer
# Dates as far ahead as a contract or an expiry may run; from 1900 like every date entered.
DATE_BOUNDS = DateWithinBounds(days_ahead=100 * 366)
DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER_TEXT = re.compile(r"^[+-]?\d+$")
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on", "是"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "off", "否"})
EMPTY = (None, "", [], ())


# -- the definitions ---------------------------------------------------------------------------


def custom_field_definitions(*, include_retired: bool = False) -> list[CustomField]:
    """The custom fields in the order the 360 page shows them (group, order, key), without
    the retired ones unless asked: one query."""
    fields = CustomField.objects.order_by("group", "order", "key")
    if not include_retired:
        fields = fields.filter(retired=False)
    return list(fields)


def custom_fields_of(customer) -> list[CustomField]:
    """The live custom fields kept for the customer's type (individual or institution), in
    the 360 page's order: one query."""
    return [
        field for field in custom_field_definitions() if field.applies_to_type(customer.cust_type)
    ]


# -- typed in SQL -------------------------------------------------------------------------------


def custom_value_expression(field: CustomField) -> Expression:
    """The customer's value of `field`, typed, for `Customer.objects.annotate(v=...)` and
    `.filter(v__gte=...)` on either database; NULL where the customer has none. Integers
    are bigint, decimals numeric, dates date, booleans boolean (numbers and dates compare as
    such, never as text); text and choices are text; a multiple choice is its JSON list as
    text (filter it with custom_multi_has_q)."""
    text = KeyTextTransform(field.key, COLUMN)
    kind = field.kind
    if kind == CustomFieldKind.INTEGER:
        return Cast(text, BigIntegerField())
    if kind == CustomFieldKind.DECIMAL:
        digits = DECIMAL_DIGITS + DECIMAL_PLACES
        return Cast(text, DecimalField(max_digits=digits, decimal_places=DECIMAL_PLACES))
    if kind == CustomFieldKind.DATE:
        return Cast(text, DateField())
    if kind == CustomFieldKind.BOOLEAN:
        # Both read a JSON true as the text 'true' (SQLite through JSON_TYPE); a cast would
        # not (SQLite's CAST('true' AS bool) is 0).
        return Case(
            When(Exact(text, Value("true")), then=Value(True)),
            When(Exact(text, Value("false")), then=Value(False)),
            default=None,
            output_field=BooleanField(),
        )
    # Cast, so that lookups compare text with text: a JSON key's own lookups would read the
    # value compared with as JSON (SQLite's JSON_EXTRACT('S00', '$') is malformed JSON).
    return Cast(text, TextField())


def custom_multi_has_q(field: CustomField, choice: str) -> Q:
    """The customers whose multiple-choice value of `field` holds `choice` itself: an element
    of the JSON list equal to it ("ab" is not in ["abc"]), on PostgreSQL by jsonb containment,
    on SQLite (which has no JSON contains) over json_each."""
    return Q(_JsonListHas(field.key, choice))


class _JsonListHas(Func):
    """True where the JSON list under `key` has an element equal to `choice`; false (never
    NULL, so that its negation reads as the words say) where there is no such list."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, key: str, choice: str):
        super().__init__(F(COLUMN))
        self.key, self.choice = key, choice

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        sql = f"COALESCE(({column} -> %s) @> %s::jsonb, false)"
        return sql, (*params, self.key, json.dumps([self.choice]))

    def as_sqlite(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        sql = (
            f"EXISTS (SELECT 1 FROM json_each({column}, %s) AS element "
            "WHERE element.type = 'text' AND element.value = %s)"
        )
        return sql, (*params, json_path(self.key), self.choice)


def json_path(key: str) -> str:
    """The SQLite JSON path of a key of the column (keys are KEY_PATTERN, nothing to escape)."""
    return f'$."{key}"'


# -- JSON of one key, written the way each database has it --------------------------------------


class JsonOfKey(Func):
    """The value under `key` as JSON text (NULL without one): what stored values are grouped
    and matched by."""

    output_field = TextField()

    def __init__(self, key: str):
        super().__init__(F(COLUMN))
        self.key = key

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"(({column} -> %s)::text)", (*params, self.key)

    def as_sqlite(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"({column} -> %s)", (*params, json_path(self.key))


class JsonKeySet(Func):
    """The column with `key` set to the JSON text `value` (an expression)."""

    output_field = JSONField()

    def __init__(self, key: str, value):
        super().__init__(F(COLUMN), value)
        self.key = key

    def as_sql(self, compiler, connection, **extra_context):
        (column, params), (value, value_params) = (
            compiler.compile(expression) for expression in self.source_expressions
        )
        sql = f"jsonb_set({column}, ARRAY[%s]::text[], ({value})::jsonb)"
        return sql, (*params, self.key, *value_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        (column, params), (value, value_params) = (
            compiler.compile(expression) for expression in self.source_expressions
        )
        return f"json_set({column}, %s, json({value}))", (
            *params,
            json_path(self.key),
            *value_params,
        )


class JsonKeyRemove(Func):
    """The column without `key`."""

    output_field = JSONField()

    def __init__(self, key: str):
        super().__init__(F(COLUMN))
        self.key = key

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"({column} - %s)", (*params, self.key)

    def as_sqlite(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"json_remove({column}, %s)", (*params, json_path(self.key))


# -- typed in Python ----------------------------------------------------------------------------


def custom_value_python(field: CustomField, customer) -> Any:
    """The customer's value of `field` read from customer.custom_fields, typed as the kind
    says: int, Decimal, date, str (text and choice), list[str] (multiple choice) or bool;
    None when absent (or, should one ever be there, unreadable as the kind)."""
    stored = (customer.custom_fields or {}).get(field.key)
    return stored_value_python(field, stored)


def stored_value_python(field: CustomField, stored) -> Any:
    """A stored JSON value read as `field`'s kind (custom_value_python's reading)."""
    if stored is None:
        return None
    kind = field.kind
    try:
        if kind == CustomFieldKind.INTEGER:
            return stored if isinstance(stored, int) and not isinstance(stored, bool) else None
        if kind == CustomFieldKind.DECIMAL:
            return Decimal(str(stored)) if isinstance(stored, str | int) else None
        if kind == CustomFieldKind.DATE:
            return datetime.date.fromisoformat(stored) if isinstance(stored, str) else None
        if kind == CustomFieldKind.BOOLEAN:
            return stored if isinstance(stored, bool) else None
        if kind == CustomFieldKind.MULTI_CHOICE:
            return [str(v) for v in stored] if isinstance(stored, list) else None
    except (ValueError, InvalidOperation):
        return None
    return stored if isinstance(stored, str) else None


def custom_value_store(field: CustomField, value) -> Any:
    """A typed value (custom_value_clean's) as it is kept in the JSON column; None to remove."""
    if value is None:
        return None
    if field.kind == CustomFieldKind.DECIMAL:
        return format(value, "f")
    if field.kind == CustomFieldKind.DATE:
        return value.isoformat()
    return value


# -- validation ---------------------------------------------------------------------------------


def custom_value_clean(field: CustomField, raw) -> Any:
    """`raw` (what a form or an admin sends: text, or a list of values for a multiple choice;
    a value of the kind itself is taken too) checked against every rule of `field` and
    returned typed as custom_value_python returns it, or None for no value. Raises
    ValidationError saying what is wrong: a required field left empty, a value not of the
    kind, outside the minimum or maximum, not matching the pattern, not one of the choices."""
    if isinstance(raw, str):
        raw = raw.strip()
    if raw in EMPTY:
        if field.required:
            raise ValidationError(_("This field is required."), code="required")
        return None
    if isinstance(raw, str) and "\x00" in raw:
        raise ValidationError(_("Enter text without NUL characters."), code="nul")
    value = _parsed(field, raw)
    if field.kind in BOUNDED_KINDS:
        _check_bounds(field, value)
    if field.kind in PATTERN_KINDS and field.pattern and not re.fullmatch(field.pattern, value):
        raise ValidationError(
            _("Enter a value of the form %(pattern)s."),
            code="pattern",
            params={"pattern": field.pattern},
        )
    return value


def _parsed(field: CustomField, raw) -> Any:
    """`raw` as a value of the field's kind, with the checks of the kind alone."""
    kind = field.kind
    if kind == CustomFieldKind.TEXT:
        text = str(raw)
        if len(text) > TEXT_MAX_LENGTH:
            raise ValidationError(
                _("Enter at most %(limit)s characters."),
                code="max_length",
                params={"limit": TEXT_MAX_LENGTH},
            )
        return text
    if kind == CustomFieldKind.INTEGER:
        return parse_integer(raw)
    if kind == CustomFieldKind.DECIMAL:
        return parse_decimal(raw)
    if kind == CustomFieldKind.DATE:
        return parse_date(raw)
    if kind == CustomFieldKind.BOOLEAN:
        return _parse_boolean(raw)
    labels = field.choice_labels
    if kind == CustomFieldKind.CHOICE:
        value = str(raw)
        if value not in labels:
            raise _not_a_choice(value)
        return value
    values = [part.strip() for part in raw.split(",")] if isinstance(raw, str) else raw
    if not isinstance(values, list | tuple):
        raise _not_a_choice(str(values))
    chosen = {str(value) for value in values if str(value).strip()}
    unknown = sorted(chosen - labels.keys())
    if unknown:
        raise _not_a_choice(unknown[0])
    if not chosen:
        if field.required:
            raise ValidationError(_("This field is required."), code="required")
        return None
    # In the order the field lists its choices, each once.
    return [value for value in labels if value in chosen]


def _not_a_choice(value: str) -> ValidationError:
    return ValidationError(
        _("“%(value)s” is not one of the choices."), code="invalid_choice", params={"value": value}
    )


def parse_integer(raw) -> int:
    """A whole number from text or a number; ValidationError otherwise or past bigint."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValidationError(_("Enter a whole number."), code="invalid")
    if isinstance(raw, str):
        text = raw.strip().replace(",", "")
        if not (text.isascii() and INTEGER_TEXT.match(text)):
            raise ValidationError(_("Enter a whole number."), code="invalid")
        raw = int(text)
    if raw not in INTEGER_RANGE:
        raise ValidationError(_("Enter a smaller number."), code="out_of_range")
    return raw


def parse_decimal(raw) -> Decimal:
    """A decimal from text or a number, of at most DECIMAL_DIGITS significant digits and
    DECIMAL_PLACES places; ValidationError otherwise."""
    if isinstance(raw, bool) or not isinstance(raw, int | str | Decimal):
        raise ValidationError(_("Enter a number."), code="invalid")
    text = str(raw).strip().replace(",", "")
    try:
        value = Decimal(text) if text.isascii() else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or "e" in text.lower():
        raise ValidationError(_("Enter a number."), code="invalid")
    exponent = value.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    if places > DECIMAL_PLACES:
        raise ValidationError(
            _("Enter at most %(places)s decimal places."),
            code="max_decimal_places",
            params={"places": DECIMAL_PLACES},
        )
    if len(value.as_tuple().digits) > DECIMAL_DIGITS:
        raise ValidationError(
            _("Enter at most %(digits)s digits."),
            code="max_digits",
            params={"digits": DECIMAL_DIGITS},
        )
    return value


def parse_date(raw) -> datetime.date:
    """A date from YYYY-MM-DD (or a date), within the dates anybody may enter."""
    if isinstance(raw, datetime.datetime):
        raise ValidationError(_("Enter a date as YYYY-MM-DD."), code="invalid")
    if isinstance(raw, datetime.date):
        day = raw
    elif isinstance(raw, str) and DATE_TEXT.match(raw.strip()):
        try:
            day = datetime.date.fromisoformat(raw.strip())
        except ValueError:
            raise ValidationError(_("Enter a date as YYYY-MM-DD."), code="invalid") from None
    else:
        raise ValidationError(_("Enter a date as YYYY-MM-DD."), code="invalid")
    DATE_BOUNDS(day)
    return day


def _parse_boolean(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(_("Choose yes or no."), code="invalid")


PARSERS = {
    CustomFieldKind.INTEGER: parse_integer,
    CustomFieldKind.DECIMAL: parse_decimal,
    CustomFieldKind.DATE: parse_date,
}


def custom_field_bounds(field: CustomField) -> tuple[Any, Any]:
    """The field's minimum and maximum as values of its kind (None where not set). A bound
    that does not read as the kind is none: the definition's check refuses it on save."""
    parse = PARSERS.get(field.kind)
    if parse is None:
        return None, None
    bounds = []
    for text in (field.min_value, field.max_value):
        try:
            bounds.append(parse(text) if text else None)
        except ValidationError:
            bounds.append(None)
    return bounds[0], bounds[1]


def _check_bounds(field: CustomField, value) -> None:
    low, high = custom_field_bounds(field)
    if low is not None and value < low:
        raise ValidationError(
            _("Enter a value of at least %(limit)s."),
            code="min_value",
            params={"limit": field.min_value},
        )
    if high is not None and value > high:
        raise ValidationError(
            _("Enter a value of at most %(limit)s."),
            code="max_value",
            params={"limit": field.max_value},
        )


def custom_field_definition_check(field: CustomField) -> None:
    """The rules of a definition itself, by the names of its fields: bounds that read as its
    kind (and in order), a pattern that compiles, choices as a list of distinct values with
    labels, roles that exist and a default that passes the field's own validation. Raises
    ValidationError({name: message}); CustomField.clean asks here."""
    errors: dict[str, Any] = {}
    parse = PARSERS.get(field.kind)
    bounds = {}
    for name in ("min_value", "max_value"):
        text = getattr(field, name).strip()
        if text and field.kind not in BOUNDED_KINDS:
            errors[name] = _("Only numbers and dates have a minimum or maximum.")
        elif text and parse is not None:
            try:
                bounds[name] = parse(text)
            except ValidationError as error:
                errors[name] = error
    if len(bounds) == 2 and bounds["min_value"] > bounds["max_value"]:
        errors["max_value"] = _("The maximum is below the minimum.")
    if field.pattern:
        if field.kind not in PATTERN_KINDS:
            errors["pattern"] = _("Only text fields have a pattern.")
        else:
            try:
                re.compile(field.pattern)
            except re.error as error:
                errors["pattern"] = _("This is not a regular expression: %(error)s") % {
                    "error": error
                }
    choice_error = _choices_problem(field)
    if choice_error:
        errors["choices"] = choice_error
    roles = field.edit_roles if isinstance(field.edit_roles, list) else None
    if roles is None or not set(roles) <= set(Role.values):
        errors["edit_roles"] = _("Choose among the roles: %(roles)s") % {
            "roles": ", ".join(Role.values)
        }
    if not errors and field.default not in EMPTY:
        try:
            custom_value_clean(field, field.default)
        except ValidationError as error:
            errors["default"] = error.messages
    if errors:
        raise ValidationError(errors)


def _choices_problem(field: CustomField) -> str:
    choices = field.choices
    if field.kind not in CHOICE_KINDS:
        return gettext("Only choice fields have choices.") if choices else ""
    if not isinstance(choices, list) or not choices:
        return gettext('List the choices: [{"value": "a", "label": "A"}, …].')
    values = []
    for choice in choices:
        if not (isinstance(choice, dict) and isinstance(choice.get("value"), str)):
            return gettext('Each choice is {"value": "…", "label": "…"}.')
        value = choice["value"].strip()
        if not value or value != choice["value"] or "," in value:
            return gettext("A choice's value is text without commas or spaces around it.")
        values.append(value)
    if len(set(values)) != len(values):
        return gettext("Each choice's value once.")
    return ""


# -- shown --------------------------------------------------------------------------------------


def custom_value_text(field: CustomField, value) -> str:
    """A typed value as text that custom_value_clean reads back as the same value: what an
    edit form starts from, and how a value is read as another kind when the kind changes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def custom_value_display(field: CustomField, value) -> str:
    """A typed value as a reader sees it: choices by their labels, yes or no; "" for none."""
    if value is None:
        return ""
    if field.kind == CustomFieldKind.BOOLEAN:
        return gettext("Yes") if value else gettext("No")
    labels = field.choice_labels
    if field.kind == CustomFieldKind.CHOICE:
        return labels.get(value, value)
    if field.kind == CustomFieldKind.MULTI_CHOICE:
        return " · ".join(labels.get(choice, choice) for choice in value)
    if field.kind == CustomFieldKind.INTEGER:
        return f"{value:,}"
    return custom_value_text(field, value)


def custom_value_plain(field: CustomField, value) -> str:
    """A typed value in a CSV cell: numbers without separators, so that spreadsheets add
    them up; the rest as custom_value_display shows it."""
    if field.kind in (CustomFieldKind.INTEGER, CustomFieldKind.DECIMAL):
        return custom_value_text(field, value)
    return custom_value_display(field, value)
