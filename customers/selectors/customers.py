"""The one road to customers: the customers a user may see (every list, export, drill-down
and count of customers starts here) and one customer of them. Both scope through
crm.scoping; the list's filter options and saved views are in lists.py."""

from django.db.models import F, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from crm.scoping import scope_for_user
from customers.models import Customer


def customers_for_user(user) -> QuerySet[Customer]:
    """Every customer the user may see, with what a list row shows and sorts on.

    The figures are flattened onto the row (`total_assets`, `cash`, ...) so that a customer
    the import has not given figures yet shows and sorts as empty instead of failing.
    """
    customers = Customer.objects.select_related("branch", "manager", "figures").annotate(
        total_assets=F("figures__total_assets"),
        cash=F("figures__cash"),
        position_ratio=F("figures__position_ratio"),
        last_trade_date=F("figures__last_trade_date"),
    )
    return scope_for_user(user, customers)


def customer_get_for_user(user, *, cust_no: str) -> Customer:
    """The one road to a single customer, with its branch, manager and figures in the same
    query (customers_for_user's): out of scope and missing are the same 404."""
    customer = customers_for_user(user).filter(cust_no=cust_no).first()
    if customer is None:
        raise Http404(_("No such customer."))
    return customer
