"""The columns of the custom fields a user adds to the customer list: each cell the value as
the 360 page shows it, each sort by the typed value (numbers as numbers, dates as dates),
customers without a value last either way."""

import django_tables2 as tables
from django.db.models import F

from customers.custom_fields import (
    custom_value_display,
    custom_value_expression,
    custom_value_python,
)
from customers.filters.custom_fields import custom_param
from customers.models import CustomField, CustomFieldKind
from customers.tables.columns import DASH, NUMBER

NUMBER_KINDS = (CustomFieldKind.INTEGER, CustomFieldKind.DECIMAL)


class CustomFieldColumn(tables.Column):
    def __init__(self, field: CustomField):
        super().__init__(
            verbose_name=field.label,
            accessor="custom_fields",
            orderable=field.kind != CustomFieldKind.MULTI_CHOICE,
            attrs=NUMBER if field.kind in NUMBER_KINDS else {},
        )
        self.field = field

    def cell(self, customer) -> str:
        """The customer's value as text (escaped by the table's body_html)."""
        value = custom_value_python(self.field, customer)
        return custom_value_display(self.field, value) or DASH

    def order(self, queryset, is_descending):
        alias = custom_param(self.field, "_sort")
        typed = queryset.alias(**{alias: custom_value_expression(self.field)})
        column = F(alias).desc(nulls_last=True) if is_descending else F(alias).asc(nulls_last=True)
        return typed.order_by(column, "cust_no"), True


def custom_columns(fields: list[CustomField]) -> list[tuple[str, tables.Column]]:
    """The columns of `fields`, named by parameter ("cf_visits"), for `extra_columns`."""
    return [(custom_param(field), CustomFieldColumn(field)) for field in fields]
