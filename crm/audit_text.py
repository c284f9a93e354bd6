"""The audit log read as sentences in the reader's language: one sentence per audited action
("demo-broker viewed customer 020100000116"), a plain one for an action without its own, a
short label per action and per kind of object for the admin's columns and filters, and the
customer numbers of a page of entries looked up together.

The entries stay as they were written (crm/services.audit_record); only their reading lives here.
"""

from collections import defaultdict

from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

# One sentence per action the code audits (tests/crm/test_audit_sentences.py finds them all).
# Placeholders: actor, customer (its number), object (the entry's object id) and the keys
# of the entry's details; one that an entry lacks reads as a dash.
SENTENCES = {
    "customer.view": _("%(actor)s viewed customer %(customer)s"),
    "customer.reveal_pii": _("%(actor)s revealed the personal data of customer %(customer)s"),
    "customer.reveal_contact": _("%(actor)s revealed the contact details of customer %(customer)s"),
    "customer.search_pii": _("%(actor)s searched customers by mobile %(term)s"),
    "customer.custom_fields": _(
        "%(actor)s changed the custom fields %(fields)s of customer %(customer)s"
    ),
    "custom_field.values_convert": _(
        "%(actor)s changed the custom field %(key)s: %(converted)s values converted, "
        "%(cleared)s cleared"
    ),
    "customers.export": _("%(actor)s exported %(rows)s customers as CSV"),
    "dashboard.brokers_export": _(
        "%(actor)s exported the broker performance from %(start)s to %(end)s (%(rows)s rows)"
    ),
    "segment.export": _("%(actor)s exported %(rows)s members of segment %(segment)s as CSV"),
    "product.targets_export": _(
        "%(actor)s exported %(rows)s target customers of product %(product)s as CSV"
    ),
    "segment.save": _("%(actor)s saved the rule of segment %(name)s (#%(object)s)"),
    "segment.upload": _(
        "%(actor)s uploaded %(file)s into segment #%(object)s: %(matched)s of %(numbers)s "
        "numbers matched"
    ),
    "import.start": _("%(actor)s started the counter import of %(day)s (profile %(profile)s)"),
    "import.rejects_download": _(
        "%(actor)s downloaded %(rows)s rejected rows of %(file)s from import run %(object)s"
    ),
    "import.rejects_reveal": _(
        "%(actor)s saw the personal data in %(rows)s rejected rows of %(file)s from import run"
        " %(object)s"
    ),
    "import.corrections": _("%(actor)s loaded corrections of %(file)s for import run %(object)s"),
    "login.failed": _("Failed sign-in as %(username)s"),
    "login.locked_out": _("%(username)s was locked out after repeated failed sign-ins"),
    "service_request.open": _(
        "%(actor)s opened service request #%(object)s for customer %(customer)s"
    ),
    "service_request.in_progress": _(
        "%(actor)s started work on service request #%(object)s of customer %(customer)s"
    ),
    "service_request.resolved": _(
        "%(actor)s resolved service request #%(object)s of customer %(customer)s"
    ),
    "service_request.closed": _(
        "%(actor)s closed service request #%(object)s of customer %(customer)s"
    ),
    "service_request.assign": _(
        "%(actor)s gave service request #%(object)s of customer %(customer)s to %(to)s"
    ),
    "task.done": _("%(actor)s completed task #%(object)s of customer %(customer)s"),
    "task.cancelled": _("%(actor)s cancelled task #%(object)s of customer %(customer)s"),
    "products.export": _("%(actor)s exported %(rows)s products as CSV"),
    "products.import": _(
        "%(actor)s imported the product list %(file)s: %(created)s created, %(updated)s updated"
    ),
    "suitability_rule.permit": _(
        "%(actor)s permitted %(product_risk)s products to investors of category %(category)s"
    ),
    "suitability_rule.refuse": _(
        "%(actor)s refused %(product_risk)s products to investors of category %(category)s"
    ),
    "product_sale.record": _(
        "%(actor)s recorded a sale of product %(product)s (%(amount)s) to customer %(customer)s"
    ),
    "class_application.submit": _(
        "%(actor)s submitted investor-class application #%(object)s (%(direction)s) for "
        "customer %(customer)s"
    ),
    "class_application.move": _(
        "%(actor)s moved investor-class application #%(object)s of customer %(customer)s to %(to)s"
    ),
    "customer.investor_class": _(
        "%(actor)s changed the investor class of customer %(customer)s on application "
        "#%(application)s"
    ),
    "campaign.create": _("%(actor)s planned campaign #%(object)s"),
    "campaign.change": _("%(actor)s changed campaign #%(object)s"),
    "campaign.target_add": _("%(actor)s added a target source to campaign #%(object)s"),
    "campaign.target_remove": _("%(actor)s removed a target source from campaign #%(object)s"),
    "campaign.upload": _("%(actor)s uploaded a target list to campaign #%(object)s"),
    "campaign.submit": _("%(actor)s submitted campaign #%(object)s for approval"),
    "campaign.approve": _("%(actor)s approved campaign #%(object)s"),
    "campaign.reject": _("%(actor)s sent campaign #%(object)s back to its planner"),
    "campaign.pause": _("%(actor)s paused campaign #%(object)s"),
    "campaign.resume": _("%(actor)s resumed campaign #%(object)s"),
    "campaign.cancel": _("%(actor)s cancelled campaign #%(object)s"),
    "campaign.call_log": _("%(actor)s logged a campaign call with customer %(customer)s"),
    "campaign.expense_record": _("%(actor)s recorded an expense of campaign #%(object)s"),
    "campaign.recipients_export": _("%(actor)s exported the recipients of a campaign as CSV"),
    "campaign.results_export": _("%(actor)s exported the results of a campaign as CSV"),
    "gift.give": _("%(actor)s gave a gift to customer %(customer)s"),
    "marketing.opt_out": _("%(actor)s recorded that customer %(customer)s opted out of marketing"),
}
FALLBACK = _("%(actor)s: %(action)s on %(object_type)s %(object)s")

# A short name of each action (the same keys as SENTENCES), for a column and a filter.
LABELS = {
    "customer.view": pgettext_lazy("audit action", "Viewed a customer"),
    "customer.reveal_pii": pgettext_lazy("audit action", "Revealed personal data"),
    "customer.reveal_contact": pgettext_lazy("audit action", "Revealed contact details"),
    "customer.search_pii": pgettext_lazy("audit action", "Searched by mobile"),
    "customer.custom_fields": pgettext_lazy("audit action", "Changed custom fields"),
    "custom_field.values_convert": pgettext_lazy("audit action", "Converted custom field values"),
    "customers.export": pgettext_lazy("audit action", "Exported customers"),
    "dashboard.brokers_export": pgettext_lazy("audit action", "Exported broker performance"),
    "segment.export": pgettext_lazy("audit action", "Exported a segment"),
    "product.targets_export": pgettext_lazy("audit action", "Exported a target list"),
    "segment.save": pgettext_lazy("audit action", "Saved a segment"),
    "segment.upload": pgettext_lazy("audit action", "Uploaded a segment list"),
    "import.start": pgettext_lazy("audit action", "Started an import"),
    "import.rejects_download": pgettext_lazy("audit action", "Downloaded rejected rows"),
    "import.rejects_reveal": pgettext_lazy("audit action", "Saw personal data in rejected rows"),
    "import.corrections": pgettext_lazy("audit action", "Loaded corrections"),
    "login.failed": pgettext_lazy("audit action", "Failed sign-in"),
    "login.locked_out": pgettext_lazy("audit action", "Locked out"),
    "service_request.open": pgettext_lazy("audit action", "Opened a service request"),
    "service_request.in_progress": pgettext_lazy("audit action", "Started a service request"),
    "service_request.resolved": pgettext_lazy("audit action", "Resolved a service request"),
    "service_request.closed": pgettext_lazy("audit action", "Closed a service request"),
    "service_request.assign": pgettext_lazy("audit action", "Reassigned a service request"),
    "task.done": pgettext_lazy("audit action", "Completed a task"),
    "task.cancelled": pgettext_lazy("audit action", "Cancelled a task"),
    "products.export": pgettext_lazy("audit action", "Exported products"),
    "products.import": pgettext_lazy("audit action", "Imported a product list"),
    "suitability_rule.permit": pgettext_lazy("audit action", "Permitted a suitability rule"),
    "suitability_rule.refuse": pgettext_lazy("audit action", "Refused a suitability rule"),
    "product_sale.record": pgettext_lazy("audit action", "Recorded a product sale"),
    "class_application.submit": pgettext_lazy("audit action", "Submitted a class application"),
    "class_application.move": pgettext_lazy("audit action", "Reviewed a class application"),
    "customer.investor_class": pgettext_lazy("audit action", "Changed an investor class"),
    "campaign.create": pgettext_lazy("audit action", "Planned a campaign"),
    "campaign.change": pgettext_lazy("audit action", "Changed a campaign"),
    "campaign.target_add": pgettext_lazy("audit action", "Added a campaign target"),
    "campaign.target_remove": pgettext_lazy("audit action", "Removed a campaign target"),
    "campaign.upload": pgettext_lazy("audit action", "Uploaded a campaign list"),
    "campaign.submit": pgettext_lazy("audit action", "Submitted a campaign"),
    "campaign.approve": pgettext_lazy("audit action", "Approved a campaign"),
    "campaign.reject": pgettext_lazy("audit action", "Sent back a campaign"),
    "campaign.pause": pgettext_lazy("audit action", "Paused a campaign"),
    "campaign.resume": pgettext_lazy("audit action", "Resumed a campaign"),
    "campaign.cancel": pgettext_lazy("audit action", "Cancelled a campaign"),
    "campaign.call_log": pgettext_lazy("audit action", "Logged a campaign call"),
    "campaign.expense_record": pgettext_lazy("audit action", "Recorded a campaign expense"),
    "campaign.recipients_export": pgettext_lazy("audit action", "Exported campaign recipients"),
    "campaign.results_export": pgettext_lazy("audit action", "Exported campaign results"),
    "gift.give": pgettext_lazy("audit action", "Gave a gift"),
    "marketing.opt_out": pgettext_lazy("audit action", "Recorded an opt-out"),
}

# What a customer is known by; every model an entry can name reaches its customer through
# its CUSTOMER_PATH (crm/scoping.py), so the number is one lookup away for any of them.
CUSTOMER_NUMBER = "cust_no"


class _Values(dict):
    def __missing__(self, key):
        return "—"


def audit_sentence(entry, *, customer_number: str | None = None) -> str:
    """The entry as a sentence in the active language. `customer_number` is the number of
    the customer the entry is about (audit_customer_numbers looks it up for a page)."""
    details = entry.details if isinstance(entry.details, dict) else {}
    values = _Values(
        {key: value for key, value in details.items() if isinstance(value, str | int | float)}
    )
    if details.get("day") == "pending":
        values["day"] = pgettext("audit import day", "every pending day")
    actor = entry.actor.get_username() if entry.actor_id else pgettext("audit actor", "nobody")
    values.update(
        actor=actor,
        action=entry.action,
        object_type=entry.object_type or "—",
        object=entry.object_id or "—",
        customer=customer_number or "—",
    )
    return SENTENCES.get(entry.action, FALLBACK) % values


def audit_action_label(action: str) -> str:
    """The short name of an action in the active language; its code when it has none."""
    return str(LABELS.get(action, action))


def audit_object_type_label(object_type: str) -> str:
    """The name of the kind of object an entry is about ("customers.customer" is
    "customer"), in the active language; the stored label when no model has it."""
    if not object_type:
        return "—"
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def audit_about_customer(number: str) -> Q:
    """The entries about the customer whose number is `number` (none if no customer has it):
    compliance asks "who looked at this customer", by the number it knows."""
    model = next((m for m in apps.get_models() if getattr(m, "CUSTOMER_PATH", None) == ""), None)
    if model is None:
        return Q(pk__in=[])
    ids = model._base_manager.filter(**{CUSTOMER_NUMBER: number}).values_list("pk", flat=True)
    return Q(object_type=model._meta.label_lower, object_id__in=[str(pk) for pk in ids])


def audit_customer_numbers(entries) -> dict[int, str]:
    """The customer number of each entry (by entry id) that names a customer, or something
    of a customer: one query per kind of object on the page, never one per entry."""
    ids_by_type = defaultdict(set)
    for entry in entries:
        if entry.object_type and entry.object_id.isdigit():
            ids_by_type[entry.object_type].add(int(entry.object_id))
    numbers_by_type = {}
    for label, ids in ids_by_type.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        path = getattr(model, "CUSTOMER_PATH", None)
        if path is None:
            continue
        number = f"{path}__{CUSTOMER_NUMBER}" if path else CUSTOMER_NUMBER
        numbers_by_type[label] = dict(
            model._base_manager.filter(pk__in=ids).order_by().values_list("pk", number)
        )
    return {
        entry.pk: numbers_by_type[entry.object_type][int(entry.object_id)]
        for entry in entries
        if entry.object_type in numbers_by_type
        and entry.object_id.isdigit()
        and int(entry.object_id) in numbers_by_type[entry.object_type]
    }
