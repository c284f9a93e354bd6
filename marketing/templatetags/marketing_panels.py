"""Panels the marketing app adds to the customer 360 page, as template tags: customers never
imports marketing, so templates/customers/detail.html loads this library and composes the
panel, as it does analytics' (analytics/templatetags/analytics_panels.py)."""

from django import template
from django.utils import timezone

from marketing.selectors.segments import segments_of_customer
from marketing.selectors.tiers import tier_standing_for_customer

register = template.Library()


@register.inclusion_tag("marketing/panels/customer.html", takes_context=True)
def marketing_panel(context, customer):
    """The customer's tier (current, to watch, since when, the last twelve months) and,
    beside it, their segments. `customer` came through customer_get_for_user."""
    return {
        "customer": customer,
        "standing": tier_standing_for_customer(customer, today=timezone.localdate()),
        "memberships": list(segments_of_customer(customer)),
    }
