"""Customer pages: the workbench home page and the customer list."""

from django.shortcuts import render
from django_filters.views import FilterView
from django_tables2 import LazyPaginator, SingleTableMixin

from crm.scoping import reach_of
from crm.selectors import staff_for_user
from customers.selectors.customers import (
    CustomerFilter,
    customers_for_user,
    customers_recently_updated_for_user,
)
from customers.tables import (
    CustomerTable,
)


def workbench(request):
    return render(
        request,
        "customers/workbench.html",
        {
            "staff": staff_for_user(request.user),
            "reach": reach_of(request.user),
            "recent_customers": customers_recently_updated_for_user(request.user, limit=10),
        },
    )


class CustomerListView(SingleTableMixin, FilterView):
    table_class = CustomerTable
    filterset_class = CustomerFilter
    template_name = "customers/customer_list.html"
    # No COUNT(*) over a million customers on every page view.
    table_pagination = {"paginator_class": LazyPaginator, "per_page": 50}

    def get_queryset(self):
        return customers_for_user(self.request.user)


# -- import monitoring (head office and administrators) ----------------------------------------
