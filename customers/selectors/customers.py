"""Reads of customer data. Functions that take a `user` scope through crm.scoping."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from crm.scoping import scope_for_user
from customers.models import (
    Customer,
)


def customers_for_user(user) -> QuerySet[Customer]:
    """Every customer the user may see, with what a list row shows."""
    return scope_for_user(user, Customer.objects.select_related("branch", "manager"))


def customer_get_for_user(user, *, cust_no: str, related: tuple[str, ...] = ()) -> Customer:
    """The one road to a single customer: out of scope and missing are the same 404.
    `related` adds relations to fetch in the same query."""
    queryset = customers_for_user(user)
    if related:
        queryset = queryset.select_related(*related)
    customer = queryset.filter(cust_no=cust_no).first()
    if customer is None:
        raise Http404(_("No such customer."))
    return customer
