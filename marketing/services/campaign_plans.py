"""Saving a campaign's plan as its form edits it: the campaign's own fields through the
campaigns' services (marketing/services/campaigns.py: create, update and the re-approval an
edit of an approved campaign needs) and its channels (CampaignMessage rows), in one
transaction, so that a refused save writes nothing."""

from django.db import transaction

from marketing.models import Campaign, CampaignMessage
from marketing.services.campaigns import campaign_changed, campaign_create, campaign_update


@transaction.atomic
def campaign_plan_save(
    *,
    user,
    plan: dict,
    channels: dict[str, dict | None],
    campaign: Campaign | None = None,
    channels_changed: bool = True,
) -> Campaign:
    """Create the campaign (`campaign` None) or apply `plan`, the fields that changed, to
    it; then make its channels those of `channels` (a channel's CampaignMessage fields, or
    None for a channel it no longer uses). An edit of the channels alone still raises the
    version of an approved campaign (campaign_changed)."""
    if campaign is None:
        campaign = campaign_create(user=user, **plan)
        _channels_write(campaign, channels)
        return campaign
    if plan:
        campaign_update(campaign=campaign, user=user, changes=plan)
    if channels_changed:
        _channels_write(campaign, channels)
        if not plan:
            campaign_changed(campaign=campaign, user=user)
    return campaign


def _channels_write(campaign: Campaign, channels: dict[str, dict | None]) -> None:
    off = [channel for channel, fields in channels.items() if fields is None]
    CampaignMessage.objects.filter(campaign=campaign, channel__in=off).delete()
    for channel, fields in channels.items():
        if fields is not None:
            CampaignMessage.objects.update_or_create(
                campaign=campaign, channel=channel, defaults=fields
            )
