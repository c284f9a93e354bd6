"""The suitability panel the products app adds to the customer 360 page, as a template tag:
customers never imports products' suitability, so templates/customers/detail.html loads this
library and composes the panel, as it does analytics' and marketing's."""

from django import template
from django.utils import timezone

from products.forms_customer import CheckForm
from products.models import InvestorCategory
from products.selectors.customer import suitability_panel as suitability_panel_context
from products.suitability import Profile, category_of, reason_label

register = template.Library()


register.filter("reason_label", reason_label)


@register.inclusion_tag("products/panels/suitability.html", takes_context=True)
def suitability_panel(context, customer):
    """The customer's suitability profile, the products to suggest, the holdings above
    their risk level, the checks on record and the form to check a product. `customer` came
    through customer_get_for_user."""
    panel = suitability_panel_context(customer, today=timezone.localdate())
    panel["request"] = context.get("request")
    panel["check_form"] = CheckForm()
    return panel


@register.filter
def who(user) -> str:
    """Who acted, as colleagues know them: the member of staff's name (the row's query
    selects `<user>__staff`), else the login name; nobody is a dash."""
    if user is None:
        return "—"
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None and staff.name else user.get_username()


@register.filter
def investor_category(customer) -> str:
    """The category suitability matches the customer by (C1 to C5, the lowest category, a
    professional's class), for lists that show whom a product suits."""
    category = category_of(Profile.of(customer))
    return str(InvestorCategory(category).label) if category else "—"
