"""django-tables2 tables of the dashboards."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


class BrokerPerformanceTable(tables.Table):
    # Team leads and customer managers serve customers too: the column is of staff.
    broker = tables.Column(
        verbose_name=_("Member of staff"), accessor="manager__name", order_by="manager__name"
    )
    branch = tables.Column(verbose_name=_("Branch"), accessor="branch__name")
    customers = tables.Column(verbose_name=_("Customers"), attrs={"td": {"class": "num"}})
    average_assets = tables.Column(verbose_name=_("Average assets"), attrs={"td": {"class": "num"}})
    net_inflow = tables.Column(verbose_name=_("Net inflow"), attrs={"td": {"class": "num"}})
    commission = tables.Column(verbose_name=_("Commission"), attrs={"td": {"class": "num"}})
    contribution = tables.Column(verbose_name=_("Contribution"), attrs={"td": {"class": "num"}})
    contacts = tables.Column(verbose_name=_("Contacts logged"), attrs={"td": {"class": "num"}})
    tasks_done = tables.Column(verbose_name=_("Tasks done"), attrs={"td": {"class": "num"}})

    class Meta:
        attrs = {"class": "table"}
        order_by = "-contribution"
        empty_text = _("No broker has metrics in this period.")

    def render_broker(self, value, record):
        """Drill-down: the broker's customers in the customer list."""
        url = reverse("customers:list") + f"?manager={record['manager_id']}"
        return format_html('<a href="{}">{}</a>', url, value)

    def _money(self, value):
        return f"{value:,.2f}" if value is not None else "—"

    def render_average_assets(self, value):
        return self._money(value)

    def render_net_inflow(self, value):
        return self._money(value)

    def render_commission(self, value):
        return self._money(value)

    def render_contribution(self, value):
        return self._money(value)
