"""Panels the analytics app adds to other apps' pages, as template tags. The dependencies
point one way, analytics → customers → crm: the customer 360 page's template loads this
library, the one place a page of customers shows analytics' figures, and it is the
template, not customers' code, that composes them (customers never imports analytics;
without analytics, the 360 page loses that panel and two lines of its template)."""

from django import template
from django.utils import timezone

from analytics.charts import contribution_by_month_figure
from analytics.selectors import contribution_for_customer
from crm.charts import figure_html

register = template.Library()


@register.inclusion_tag("analytics/panels/contribution.html", takes_context=True)
def contribution_panel(context, customer):
    """The customer's contribution as of the latest loaded day (`customer` is already in
    the page's user's scope, whose reach decides whether the company rank shows too)."""
    figures = getattr(customer, "figures", None)
    as_of = figures.as_of if figures is not None else timezone.localdate()
    viewer = context.get("user")
    context = contribution_for_customer(customer, today=as_of, viewer=viewer)
    months = context["months"]
    context["chart"] = figure_html(contribution_by_month_figure(months)) if months else ""
    return context
