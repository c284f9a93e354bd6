"""The customers behind a cell of the dashboards' tiers (a tier's holders, those to watch, a
from-to cell of the month's migration), as the customer list's scoped table: whoever opens
it sees only the customers in their scope (customers_for_user), a broker their own."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin

from crm.pagination import pagination
from customers.tables.lists import CustomerTable, constant_columns
from marketing.forms.tiers import TierCellForm
from marketing.selectors.tiers import tier_customers


class TierCustomersView(SingleTableMixin, TemplateView):
    template_name = "marketing/tiers/customers.html"
    table_class = CustomerTable
    table_pagination = pagination()

    def get_table_kwargs(self):
        # As the customer list: no column that shows the same value on every row.
        return {**super().get_table_kwargs(), "exclude": constant_columns(self.request.user)}

    def get(self, request, *args, **kwargs):
        form = TierCellForm(request.GET)
        if not form.is_valid():
            raise Http404(_("No such figure."))
        self.cell = form.cleaned_data
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        cell = self.cell
        self.customers = tier_customers(
            self.request.user,
            month=cell["month"],
            to_tier=cell["to"],
            from_tier=cell["from_tier"],
            first_placed=cell["first_placed"],
            to_watch=cell["watch"],
        )
        return self.customers

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cell = self.cell
        context.update(
            month=cell["month"],
            tier=cell["to"],
            from_tier=cell["from_tier"],
            first_placed=cell["first_placed"],
            watch=cell["watch"],
            # The list pages lazily (no count); the title says how many there are.
            count=self.customers.count(),
        )
        return context
