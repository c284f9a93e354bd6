"""The scope walker's declarations of the campaign pages (marketing/urls_campaigns.py): each
page of a running campaign reaching the probed target and one customer of each member of the
cast (tests/marketing/campaign_pages_data.py), so that every role sees the campaign and only
those whose scope holds the target see it among the recipients and on the call list."""

import datetime

from django.utils import timezone

from marketing.models import Campaign, CampaignChannel, Recipient, Send
from marketing.selectors.campaigns import may_plan
from tests.marketing.campaign_pages_data import campaign_make, cast_customers
from tests.scopeprobes import Hit, Listing, Probe


def _campaign_with(target, cast) -> Campaign:
    # One channel: each customer has one send, so that counts of sends are of customers.
    return campaign_make(
        cast, customers=[*cast_customers(cast), target], channels=(CampaignChannel.CALL,)
    )


def _page(path: str):
    """A page of a running campaign reaching the target and the cast's customers."""

    def make(*, target, cast, requester=None) -> Hit:
        campaign = _campaign_with(target, cast)
        return Hit(path.format(pk=campaign.pk))

    return make


def _call_log(*, target, cast, requester) -> Hit:
    campaign = _campaign_with(target, cast)
    send = Send.objects.get(campaign=campaign, customer=target, channel=CampaignChannel.CALL)
    moment = timezone.localtime() - datetime.timedelta(minutes=10)
    return Hit(
        f"/marketing/campaigns/calls/{send.pk}/log/",
        {"outcome": "interested", "note": "probe call", "at": moment.strftime("%Y-%m-%dT%H:%M")},
    )


def _no_customer(target) -> tuple[str, ...]:
    return ()


def _newest_campaign_sends(response, text: str, cast) -> tuple[int, list[int]]:
    """The sends the page counts for the newest campaign, and its sends' customers."""
    campaign = Campaign.objects.latest("pk")
    return (
        response.context["progress"].total,
        list(Send.objects.filter(campaign=campaign).values_list("customer_id", flat=True)),
    )


def _list_sends(response, text: str, cast) -> tuple[int, list[int]]:
    campaign = Campaign.objects.latest("pk")
    sends = next(sends for row, sends in response.context["rows"] if row.pk == campaign.pk)
    return (
        sends.get("total", 0),
        list(Send.objects.filter(campaign=campaign).values_list("customer_id", flat=True)),
    )


def _recipients_count(response, text: str, cast) -> tuple[int, list[int]]:
    campaign = Campaign.objects.latest("pk")
    recipients = Recipient.objects.filter(campaign=campaign)
    return response.context["paginator"].count, list(
        recipients.values_list("customer_id", flat=True)
    )


def _export_count(response, text: str, cast) -> tuple[int, list[int]]:
    campaign = Campaign.objects.latest("pk")
    recipients = Recipient.objects.filter(campaign=campaign)
    return len(text.splitlines()) - 1, list(recipients.values_list("customer_id", flat=True))


def _calls_count(response, text: str, cast) -> tuple[int, list[int]]:
    """The entries the call list of the newest campaign counts, and the customers of its
    entries (one call each)."""
    entries = Send.objects.filter(campaign=Campaign.objects.latest("pk"))
    return response.context["paginator"].count, list(entries.values_list("customer_id", flat=True))


DECLARATIONS = {
    "marketing:campaign-list": (
        Listing(_page("/marketing/campaigns/"), shows=_no_customer, counts=_list_sends),
        Listing(_page("/marketing/campaigns/?status=running"), shows=_no_customer),
    ),
    "marketing:campaign-create": (
        Listing(_page("/marketing/campaigns/new/"), shows=_no_customer, admits=may_plan),
    ),
    "marketing:campaign-edit": (
        Listing(_page("/marketing/campaigns/{pk}/edit/"), shows=_no_customer, admits=may_plan),
    ),
    "marketing:campaign-detail": (
        Listing(
            _page("/marketing/campaigns/{pk}/"), shows=_no_customer, counts=_newest_campaign_sends
        ),
    ),
    "marketing:campaign-progress": (
        Listing(
            _page("/marketing/campaigns/{pk}/progress/"),
            shows=_no_customer,
            counts=_newest_campaign_sends,
        ),
    ),
    "marketing:campaign-recipients": (
        Listing(_page("/marketing/campaigns/{pk}/recipients/"), counts=_recipients_count),
        Listing(_page("/marketing/campaigns/{pk}/recipients/?group=contact&status=queued")),
    ),
    "marketing:campaign-recipients-export": (
        Listing(_page("/marketing/campaigns/{pk}/recipients.csv"), counts=_export_count),
    ),
    "marketing:call-list": (
        Listing(_page("/marketing/campaigns/calls/")),
        Listing(_page("/marketing/campaigns/calls/?campaign={pk}"), counts=_calls_count),
    ),
    "marketing:call-log": Probe(_call_log, answers_get=False, writes=True),
}
