"""The scope walker's declarations of the message templates' pages (marketing/views/
message_templates.py): open to campaign planners only (crm.roles.Access.CAMPAIGN_PLANNING),
a 403 for everybody else.

The list and the editing pages show no customer. The preview shows one: the customer whose
number it is asked for, looked up in the viewer's scope; a number outside it answers the
page with a message (as the customer list's search does), not a 404, so it is a Listing
whose giveaway is the name (the number asked for is repeated in the form and the message):
the name is on the page exactly for the planners whose scope holds the customer."""

from crm.roles import Access, has_access
from marketing.models import CampaignChannel, MessageTemplate
from tests.scopeprobes import Hit, Listing


def _planner(user) -> bool:
    return has_access(user, Access.CAMPAIGN_PLANNING)


def _template() -> MessageTemplate:
    template, _ = MessageTemplate.objects.get_or_create(
        name="探针模板",
        defaults={"channel": CampaignChannel.SMS, "body": "{name}您好，{manager}为您服务"},
    )
    return template


def _page(path: str):
    """A page of the probe template; `{pk}` is its id, `{target}` the probed customer."""

    def make(*, target, cast, requester) -> Hit:
        return Hit(path.format(pk=_template().pk, target=target))

    return make


def _no_customer(target) -> tuple[str, ...]:
    return ()


def _name_only(target) -> tuple[str, ...]:
    return (target.name,)


DECLARATIONS = {
    "marketing:template-list": (
        Listing(_page("/marketing/templates/"), shows=_no_customer, admits=_planner),
    ),
    "marketing:template-create": (
        Listing(_page("/marketing/templates/new/"), shows=_no_customer, admits=_planner),
    ),
    "marketing:template-edit": (
        Listing(_page("/marketing/templates/{pk}/edit/"), shows=_no_customer, admits=_planner),
    ),
    "marketing:template-preview": (
        Listing(
            _page("/marketing/templates/{pk}/preview/?customer={target.cust_no}"),
            shows=_name_only,
            admits=_planner,
        ),
    ),
}
