"""Template filters that print securities the one way customers/securities.py prints them."""

from django import template

from customers.securities import security_code as _security_code

register = template.Library()


@register.filter
def security_code(security) -> str:
    """`{{ position.security|security_code }}` → `601899.SH`."""
    return _security_code(security)
