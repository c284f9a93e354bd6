"""A segment's members: the customer list's table (its columns, cells and sorts) with the day
each joined the segment."""

import django_tables2 as tables
from django.db.models import F
from django.utils import dateformat
from django.utils.translation import gettext_lazy as _

from customers.tables.columns import DASH, NOWRAP
from customers.tables.lists import CustomerTable


class JoinedOnColumn(tables.Column):
    """The `joined_on` annotation of marketing.selectors.segments.segment_members_for_user."""

    def __init__(self):
        super().__init__(verbose_name=_("Joined on"), accessor="joined_on", attrs=NOWRAP)

    def cell(self, customer) -> str:
        joined_on = getattr(customer, "joined_on", None)
        return DASH if joined_on is None else dateformat.format(joined_on, "Y-m-d")

    def order(self, queryset, is_descending):
        column = F("joined_on").desc() if is_descending else F("joined_on").asc()
        return queryset.order_by(column, "cust_no"), True


def member_columns() -> list[tuple[str, tables.Column]]:
    """The columns a segment's members add to CustomerTable (`extra_columns`)."""
    return [("joined_on", JoinedOnColumn())]


class SegmentMemberTable(CustomerTable):
    class Meta(CustomerTable.Meta):
        empty_text = _("No members you may see.")
