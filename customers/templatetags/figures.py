"""How a signed figure is coloured: `neg` below zero, `pos` above, `zero` for nothing either
way (static/css/crm.css gives each its colour in the page's language: red for a gain on a
Chinese page, green on an English one)."""

from django import template

register = template.Library()


@register.filter
def sign_class(value) -> str:
    """`<td class="num {{ flow.amount|sign_class }}">`; an absent figure is `zero`."""
    if value is None or value == 0:
        return "zero"
    return "neg" if value < 0 else "pos"
