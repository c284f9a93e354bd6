"""The panels of the customer 360 page: each panel's template and the context it is
rendered from, built from the selectors' data and the forms a panel holds.

The one place panel contexts are made: the page itself (views/customer360.py) and the
relationship actions that answer with the panels they changed (views/relationship.py) both
take them from here. Adding a panel is one line in `customer_panels` and its anchor in
PANEL_INDEX.
"""

from django.template.loader import render_to_string
from django.utils.translation import pgettext_lazy

from crm.charts import figure_html
from crm.roles import may_reveal_pii
from crm.selectors import staff_for_user
from customers.charts import asset_trend_figure
from customers.custom_fields import (
    custom_fields_of,
    custom_value_display,
    custom_value_python,
)
from customers.forms.custom_fields import CustomFieldsForm
from customers.forms.relationship import (
    InteractionForm,
    ServiceRequestForm,
    ServiceRequestMoveForm,
)
from customers.models import Customer
from customers.permissions import may_edit_custom_field, may_reveal_contacts
from customers.selectors import customer360 as s360
from customers.selectors import relationship

# The panels other apps compose into the page's template: always on the page.
COMPOSED_PANELS = (
    "contribution-panel",
    "marketing-panel",
    "suitability-panel",
    "investor-class-panel",
    "campaigns-panel",
)
# The sticky panel index at the top of the page: each panel's id, in the page's order, and
# the short name the index gives it. A panel the customer lacks (margin) is left out.
PANEL_INDEX = (
    ("figures-panel", pgettext_lazy("panel index", "Figures")),
    ("contribution-panel", pgettext_lazy("panel index", "Contribution")),
    # The panels of marketing and products, composed by the page's template (always there).
    ("marketing-panel", pgettext_lazy("panel index", "Tier")),
    ("suitability-panel", pgettext_lazy("panel index", "Suitability")),
    ("investor-class-panel", pgettext_lazy("panel index", "Investor class")),
    ("campaigns-panel", pgettext_lazy("panel index", "Campaigns")),
    ("interactions-panel", pgettext_lazy("panel index", "Contacts")),
    ("tasks-panel", pgettext_lazy("panel index", "Tasks")),
    ("custom-fields-panel", pgettext_lazy("panel index", "Custom fields")),
    ("holdings-panel", pgettext_lazy("panel index", "Holdings")),
    ("trend-panel", pgettext_lazy("panel index", "Trends")),
    ("trades-panel", pgettext_lazy("panel index", "Trades")),
    ("cash-flows-panel", pgettext_lazy("panel index", "Cash flows")),
    ("margin-panel", pgettext_lazy("panel index", "Margin")),
    ("service-requests-panel", pgettext_lazy("panel index", "Requests")),
)

# The templates of the panels that actions re-render (htmx swaps them in place).
INTERACTIONS = "customers/panels/interactions.html"
TASKS = "customers/panels/tasks.html"
SERVICE_REQUESTS = "customers/panels/service_requests.html"
LAST_CONTACT = "customers/panels/last_contact.html"
PERSONAL_DATA = "customers/panels/personal_data.html"
CUSTOM_FIELDS = "customers/panels/custom_fields.html"


def panels_html(request, *parts: tuple[str, dict]) -> str:
    """Panels rendered in order, each a (template, context) of this module."""
    return "".join(render_to_string(template, context, request) for template, context in parts)


def customer_panels(request, customer: Customer) -> list[tuple[str, str]]:
    """The page's panels in order, each rendered from its context, with the id of its
    section (PANEL_INDEX)."""
    accounts = s360.account_ids(customer)
    figures = s360.key_figures(customer, accounts)
    trend = s360.asset_trend(accounts, until=figures["as_of"])
    margin = s360.margin_accounts(accounts)
    # Contacts and tasks come right after the figures: they are what sales staff act on.
    specs = [
        ("figures-panel", "customers/panels/key_figures.html", {"customer": customer, **figures}),
        ("interactions-panel", INTERACTIONS, interactions_panel(customer)),
        ("tasks-panel", TASKS, tasks_panel(customer)),
    ]
    custom = custom_fields_panel(customer, user=request.user)
    if custom["groups"]:
        specs.append(("custom-fields-panel", CUSTOM_FIELDS, custom))
    specs += [
        (
            "holdings-panel",
            "customers/panels/holdings.html",
            s360.holdings(accounts, as_of=figures["figures"].as_of if figures["figures"] else None),
        ),
        (
            "trend-panel",
            "customers/panels/asset_trend.html",
            {
                "chart": figure_html(asset_trend_figure(trend)) if s360.assets_held(trend) else "",
                "loaded": bool(trend),
            },
        ),
        (
            "trades-panel",
            "customers/panels/trades.html",
            {"trades": s360.recent_trades(accounts)},
        ),
        (
            "cash-flows-panel",
            "customers/panels/cash_flows.html",
            {"flows": s360.recent_cash_flows(accounts)},
        ),
    ]
    if margin:
        specs.append(("margin-panel", "customers/panels/margin.html", {"accounts": margin}))
    specs.append(
        (
            "service-requests-panel",
            SERVICE_REQUESTS,
            service_requests_panel(customer, user=request.user),
        )
    )
    return [
        (anchor, render_to_string(template, context, request))
        for anchor, template, context in specs
    ]


def personal_data_panel(request, customer: Customer, pii: dict, refusal: str = "") -> dict:
    """Context of customers/panels/personal_data.html: what is shown, and which reveals
    remain."""
    return {
        "customer": customer,
        "pii": pii,
        "can_reveal": not pii["revealed"] and may_reveal_pii(request.user),
        "can_reveal_contacts": not pii["contacts_revealed"]
        and may_reveal_contacts(request.user, customer),
        "refusal": refusal,
    }


def last_contact_panel(customer: Customer) -> dict:
    """Context of customers/panels/last_contact.html, the header's last contact, swapped
    out of band after a contact is logged."""
    return {"customer": customer, "oob": True}


def interactions_panel(customer: Customer, *, form: InteractionForm | None = None) -> dict:
    """Context of customers/panels/interactions.html: one query (the timeline)."""
    return {
        "customer": customer,
        "interactions": list(relationship.interactions_for_customer(customer)),
        "form": form if form is not None else InteractionForm(),
    }


def service_requests_panel(
    customer: Customer,
    *,
    user,
    form: ServiceRequestForm | None = None,
    move_form: ServiceRequestMoveForm | None = None,
) -> dict:
    """Context of customers/panels/service_requests.html: the requests (one query) each with
    the workflow moves open to it and to `user` (none on a request the user may not move, see
    customers/permissions.py), and the form to open one (two more queries when rendered: the
    types and the assignees). A refused `move_form` shows its errors on its request."""
    if form is None:
        staff = staff_for_user(user)
        form = ServiceRequestForm(customer=customer, initial={"assignee": staff})
    rows = []
    for request in relationship.service_requests_for_customer(customer):
        refused = move_form is not None and move_form.service_request.pk == request.pk
        rows.append(
            {
                "request": request,
                "moves": relationship.service_request_moves(request, user=user),
                "move_form": move_form if refused else None,
            }
        )
    return {"customer": customer, "rows": rows, "form": form}


def custom_fields_panel(
    customer: Customer,
    *,
    user,
    form: CustomFieldsForm | None = None,
    saved: bool = False,
    refusal: str = "",
    fields: list | None = None,
) -> dict:
    """Context of customers/panels/custom_fields.html: the custom fields kept for the
    customer's type (retired ones never), by group, each with its value as shown, and the
    edit form of those the user may edit (one query: the definitions). `form`: a refused
    post, with its errors; `saved`: the answer to an accepted one; `fields`: the customer's
    fields if the caller has read them already (custom_fields_of)."""
    if fields is None:
        fields = custom_fields_of(customer)
    editable = [field for field in fields if may_edit_custom_field(user, customer, field)]
    if form is None:
        form = CustomFieldsForm(fields=editable, customer=customer)
    groups: dict[str, list[dict]] = {}
    for field in fields:
        value = custom_value_python(field, customer)
        groups.setdefault(field.group, []).append(
            {
                "field": field,
                "value": custom_value_display(field, value),
                "input": form[field.key] if field.key in form.fields else None,
            }
        )
    return {
        "customer": customer,
        "groups": list(groups.items()),
        "edit_groups": [
            (heading, inputs)
            for heading, rows in groups.items()
            if (inputs := [row for row in rows if row["input"] is not None])
        ],
        "form": form,
        "editing": bool(form.errors),
        "saved": saved,
        "refusal": refusal,
    }


def tasks_panel(customer: Customer, *, oob: bool = False) -> dict:
    """Context of customers/panels/tasks.html: one query. `oob` for the answer of an action
    elsewhere on the page that changed the tasks (htmx swaps the panel out of band)."""
    return {
        "customer": customer,
        "tasks": list(relationship.tasks_for_customer(customer)),
        "oob": oob,
    }
