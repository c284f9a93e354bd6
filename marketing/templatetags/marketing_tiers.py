"""The tiers on the analytics dashboards, as a template tag: analytics never imports
marketing, so templates/analytics/dashboard.html loads this library and composes the panel
(without marketing, the dashboard loses the panel and two lines of its template)."""

from django import template

from marketing.selectors.tiers import tier_dashboard

register = template.Library()


@register.inclusion_tag("marketing/tiers/dashboard_panel.html")
def tiers_dashboard_panel(scope):
    """The latest month's tier distribution and migration matrix in the dashboard's scope
    (analytics.selectors.DashboardScope, made from the viewer's reach)."""
    return {"tiers": tier_dashboard(scope)}
