"""Investor-class applications on pages: the 360 page's panel (customers never imports
products' views, so templates/customers/detail.html loads this library and composes it, as
it does marketing's), and the small labels the panel and head office's pages share."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from products.models import ProfessionalClass
from products.models.suitability import OPEN_APPLICATION_STATUSES
from products.selectors.applications import STEP_LABELS
from products.templatetags.products_panels import who
from products.views_applications import PANEL, investor_class_panel

register = template.Library()
register.filter("who", who)


@register.inclusion_tag(PANEL, takes_context=True, name="investor_class_panel")
def investor_class_panel_for(context, customer):
    """The customer's class, applications and the form to apply. `customer` came through
    customer_get_for_user; the form posts with the page's CSRF token."""
    request = context["request"]
    return {
        **investor_class_panel(customer, user=request.user),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


def investor_class_text(customer) -> str:
    """The customer's class as a reader says it: ordinary, professional of class X, or a
    professional treated as ordinary."""
    if customer.investor_class != "professional":
        return _("Ordinary investor")
    label = (
        _("Professional investor, class %(class)s") % {"class": customer.professional_class}
        if customer.professional_class in ProfessionalClass.values
        else _("Professional investor")
    )
    if customer.treated_as_ordinary:
        return _("%(class)s, treated as ordinary") % {"class": label}
    return label


@register.simple_tag
def investor_class_label(customer) -> str:
    return investor_class_text(customer)


@register.simple_tag
def application_status_badge(application) -> str:
    return format_html(
        '<span class="badge application-{}">{}</span>',
        application.status,
        application.get_status_display(),
    )


@register.simple_tag
def application_step_label(step) -> str:
    return str(STEP_LABELS.get(step.action, step.action))


@register.filter
def decided_applications(applications) -> list:
    return [row for row in applications if row.status not in OPEN_APPLICATION_STATUSES]
