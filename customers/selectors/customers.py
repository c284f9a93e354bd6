"""Reads of customer data. Functions that take a `user` scope through crm.scoping."""

import django_filters
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from crm.scoping import scope_for_user
from customers.models import (
    Customer,
    CustomerStatus,
)


def customers_for_user(user) -> QuerySet[Customer]:
    """Every customer the user may see, with what a list row shows."""
    return scope_for_user(user, Customer.objects.select_related("branch", "manager"))


def customer_get_for_user(user, *, cust_no: str) -> Customer:
    """The one road to a single customer: out of scope and missing are the same 404."""
    customer = customers_for_user(user).filter(cust_no=cust_no).first()
    if customer is None:
        raise Http404(_("No such customer."))
    return customer


def customers_recently_updated_for_user(user, *, limit: int) -> list[Customer]:
    return list(customers_for_user(user).order_by("-updated_at", "-id")[:limit])


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name, customer number or mobile"), method="filter_text")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CustomerStatus.choices, empty_label=_("Any")
    )

    class Meta:
        model = Customer
        fields = ["q", "status"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(cust_no__startswith=value) | Q(name__startswith=value) | Q(mobile__startswith=value)
        )


# -- import monitoring -------------------------------------------------------------------------
# Import runs are company-wide records, not customer data: these selectors do not scope, and
# the views that call them admit only import monitors (customers.views.import_monitor_required).
