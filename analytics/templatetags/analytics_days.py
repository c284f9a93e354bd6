"""Facts about a business day for the analytics pages' templates."""

from django import template

from analytics.models import CustomerDay

register = template.Library()


@register.simple_tag
def metrics_ran_on(day) -> bool:
    """Whether the nightly metrics hold figures for `day` (a trading day that was loaded):
    a daily chart's click on a weekend or holiday lands on a day with none. Trading days
    are the market's, the same for every branch, so this tells no one anything of scope."""
    return day is not None and CustomerDay.objects.filter(business_date=day).exists()
