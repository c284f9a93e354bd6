"""The customer list's filters of the custom fields, made from their definitions on every
request (a field defined in the admin filters the next page), and the choice of custom
fields to add as columns. Each kind compares as its type (customers.custom_fields): whole
numbers, decimals and dates from a minimum to a maximum, a choice by one of its values, a
multiple choice by a value it includes, yes / no, and text by a part of it."""

import django_filters
from django import forms
from django.utils.translation import gettext

from customers.custom_fields import (
    DECIMAL_DIGITS,
    DECIMAL_PLACES,
    INTEGER_RANGE,
    custom_multi_has_q,
    custom_value_expression,
)
from customers.models import CustomField, CustomFieldKind
from customers.models.custom import BOUNDED_KINDS

PREFIX = "cf_"
COLUMNS_PARAM = "cols"
FILTER_TEXT_MAX_LENGTH = 100  # what a "contains" filter takes, not what a value may hold


class _IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class ChosenColumnsField(forms.MultipleChoiceField):
    """Keys of custom fields: ticked (a parameter each) or comma-separated (a saved view)."""

    def to_python(self, value):
        return [
            part.strip()
            for item in super().to_python(value)
            for part in item.split(",")
            if part.strip()
        ]


class ChosenColumnsFilter(django_filters.MultipleChoiceFilter):
    field_class = ChosenColumnsField


def custom_param(field: CustomField, suffix: str = "") -> str:
    """The query parameter of a custom field's filter ("cf_visits_min")."""
    return f"{PREFIX}{field.key}{suffix}"


def custom_filters(fields: list[CustomField]) -> dict[str, django_filters.Filter]:
    """The filters of `fields` by parameter, and the columns to add (`cols`) if any."""
    filters: dict[str, django_filters.Filter] = {}
    for field in fields:
        filters.update(_filters_of(field))
    if fields:
        filters[COLUMNS_PARAM] = ChosenColumnsFilter(
            field_name=COLUMNS_PARAM,
            label=gettext("Custom fields as columns"),
            choices=[(field.key, field.label) for field in fields],
            widget=forms.CheckboxSelectMultiple,
            method=_unfiltered,
        )
    return filters


def custom_filter_groups(fields: list[CustomField]) -> list[tuple[str, list[str]]]:
    """The filters' fieldsets: one per group of fields (as the 360 page groups them), then
    the columns to add."""
    groups: dict[str, list[str]] = {}
    for field in fields:
        heading = field.group or gettext("Custom fields")
        groups.setdefault(heading, []).extend(_params_of(field))
    if fields:
        groups.setdefault(gettext("Columns"), []).append(COLUMNS_PARAM)
    return list(groups.items())


def custom_filter_names(fields: list[CustomField]) -> list[str]:
    """Every parameter the filters of `fields` read (what a saved view keeps)."""
    return [name for field in fields for name in _params_of(field)] + (
        [COLUMNS_PARAM] if fields else []
    )


def _params_of(field: CustomField) -> list[str]:
    if field.kind in BOUNDED_KINDS:
        return [custom_param(field, "_min"), custom_param(field, "_max")]
    return [custom_param(field)]


def _unfiltered(queryset, name, value):
    return queryset


def _compare(field: CustomField, lookup: str):
    """A filter method: the field's typed value `lookup` the filter's value."""
    alias = f"{PREFIX}{field.key}_value"

    def method(queryset, name, value):
        typed = queryset.alias(**{alias: custom_value_expression(field)})
        return typed.filter(**{f"{alias}__{lookup}": value})

    return method


def _has(field: CustomField):
    def method(queryset, name, value):
        return queryset.filter(custom_multi_has_q(field, value))

    return method


def _yes_no(field: CustomField):
    equal = _compare(field, "exact")

    def method(queryset, name, value):
        return equal(queryset, name, value == "yes")

    return method


def _filters_of(field: CustomField) -> dict[str, django_filters.Filter]:
    label = field.label
    kind = field.kind
    choices = list(field.choice_labels.items())
    if kind in BOUNDED_KINDS:
        if kind == CustomFieldKind.DATE:
            low, high = gettext("%(label)s from"), gettext("%(label)s until")
            make = django_filters.DateFilter
            options: dict = {"widget": forms.DateInput(attrs={"type": "date"})}
        elif kind == CustomFieldKind.INTEGER:
            low, high = gettext("%(label)s at least"), gettext("%(label)s at most")
            make = _IntegerFilter
            options = {"min_value": INTEGER_RANGE.start, "max_value": INTEGER_RANGE.stop - 1}
        else:
            low, high = gettext("%(label)s at least"), gettext("%(label)s at most")
            make = django_filters.NumberFilter
            options = {
                "max_digits": DECIMAL_DIGITS + DECIMAL_PLACES,
                "decimal_places": DECIMAL_PLACES,
            }
        return {
            custom_param(field, suffix): make(
                field_name=custom_param(field, suffix),
                label=text % {"label": label},
                method=_compare(field, lookup),
                **options,
            )
            for suffix, text, lookup in (("_min", low, "gte"), ("_max", high, "lte"))
        }
    name = custom_param(field)
    if kind == CustomFieldKind.TEXT:
        made: django_filters.Filter = django_filters.CharFilter(
            label=gettext("%(label)s contains") % {"label": label},
            method=_compare(field, "icontains"),
            max_length=FILTER_TEXT_MAX_LENGTH,
        )
    elif kind == CustomFieldKind.MULTI_CHOICE:
        made = django_filters.ChoiceFilter(
            label=gettext("%(label)s includes") % {"label": label},
            choices=choices,
            empty_label=gettext("Any"),
            method=_has(field),
        )
    elif kind == CustomFieldKind.BOOLEAN:
        made = django_filters.ChoiceFilter(
            label=label,
            choices=[("yes", gettext("Yes")), ("no", gettext("No"))],
            empty_label=gettext("Any"),
            method=_yes_no(field),
        )
    else:
        made = django_filters.ChoiceFilter(
            label=label,
            choices=choices,
            empty_label=gettext("Any"),
            method=_compare(field, "exact"),
        )
    made.field_name = name
    return {name: made}
