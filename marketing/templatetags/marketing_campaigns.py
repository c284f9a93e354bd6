"""The 360 page's "Campaigns & gifts" panel (营销与礼品), as a template tag: customers never
imports marketing, so templates/customers/detail.html loads this library and composes the
panel, as it does the tiers' (marketing_panels.py). The tag itself reads nothing: it places
the panel's frame, which htmx fills from marketing:customer-campaigns as the page loads
(without JavaScript, a link to it), so that the 360 page's own queries stay as they were.
The panel's view and the gift-giving view render the same context
(marketing/views/gifts.py). Also the results pages' filters for shares and intervals."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from marketing.forms.costs import GiftGiveForm
from marketing.selectors.results import customer_campaigns_panel, gifts_cost_total

register = template.Library()

PANEL = "marketing/panels/campaigns.html"


def campaigns_panel_context(customer, *, form: GiftGiveForm | None = None, refusal: str = ""):
    """The panel's context: the customer's campaigns with their sends, the gifts given and
    their cost, the opt-outs with their proof; the form to give a gift once asked for (a
    button fetches it: the catalogue is not read for every 360 view) or refused."""
    panel = customer_campaigns_panel(customer)
    return {
        "customer": customer,
        **panel,
        "gifts_cost": gifts_cost_total(panel["gifts_given"]),
        "gift_form": form,
        "refusal": refusal,
    }


@register.simple_tag
def campaigns_panel(customer):
    """The panel's frame for `customer` (who came through customer_get_for_user)."""
    url = reverse("marketing:customer-campaigns", args=[customer.cust_no])
    return format_html(
        '<section class="card campaigns-panel" id="campaigns-panel" hx-get="{}" '
        'hx-trigger="load" hx-swap="outerHTML"><h2>{}</h2><p class="muted small">'
        '<a href="{}">{}</a></p></section>',
        url,
        _("Campaigns & gifts"),
        url,
        _("Show the campaigns and gifts"),
    )


@register.filter
def percent(value, digits: int = 1) -> str:
    """A share (0.25) as a percentage ("25.0 %"); nothing to show is a dash."""
    if value is None:
        return "—"
    return f"{100 * value:.{int(digits)}f} %"


@register.filter
def percent_interval(interval, digits: int = 1) -> str:
    """A 95 % interval of a share as "-7.9 % … 37.9 %"; none is a dash."""
    if interval is None:
        return "—"
    return f"{percent(interval.low, digits)} … {percent(interval.high, digits)}"


@register.filter
def amount_interval(interval) -> str:
    """A 95 % interval of an amount as "-2,147.80 … 12,647.80"; none is a dash."""
    if interval is None:
        return "—"
    return f"{interval.low:,.2f} … {interval.high:,.2f}"
