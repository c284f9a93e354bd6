"""Template tags of the top navigation that belong to the customers app: the saved views menu."""

from django import template
from django.urls import reverse

from customers.selectors.lists import saved_views_for_user

register = template.Library()


@register.inclusion_tag("customers/_saved_views_menu.html", takes_context=True)
def saved_views_menu(context):
    """The user's own saved views and their team's shared ones, each a link to the list."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "user": user,
        "saved_views": list(saved_views_for_user(user)),
        "list_url": reverse("customers:list"),
    }
