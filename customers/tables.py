"""django-tables2 tables of customer lists."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Customer


class CustomerTable(tables.Table):
    cust_no = tables.Column(verbose_name=_("Customer number"))
    name = tables.Column(verbose_name=_("Name"))
    branch = tables.Column(
        verbose_name=_("Branch"), accessor="branch__name", order_by="branch__code"
    )
    manager = tables.Column(verbose_name=_("Manager"), accessor="manager__name", default="—")
    status = tables.Column(verbose_name=_("Status"))
    risk_level = tables.Column(verbose_name=_("Risk level"), default="—")
    open_date = tables.DateColumn(verbose_name=_("Account opened"), format="Y-m-d")

    class Meta:
        model = Customer
        fields = ("cust_no", "name", "branch", "manager", "status", "risk_level", "open_date")
        attrs = {"class": "table"}
        empty_text = _("No customers match these filters.")
