"""Saving a message template. What a template says is part of every campaign that uses it:
a change of its channel, subject or text is a change of those campaigns' plans, so each one
still planned or sending has its version raised and, once approved, goes back for approval
(marketing/services/campaigns.py campaign_changed), in the same transaction.

Such a change is refused, and nothing written, when one of those campaigns is one the user
may not edit (marketing.selectors.campaigns.may_edit: a branch manager may not send head
office's or another branch's campaign back for approval): they make a new template instead."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketing.models import EDITABLE_STATUSES, Campaign, CampaignMessage, MessageTemplate
from marketing.selectors.campaigns import may_edit
from marketing.services.campaigns import campaign_changed

# The fields whose change changes what the campaigns using the template send.
SAID = frozenset({"channel", "subject", "body"})


def campaigns_using(template: MessageTemplate):
    """The campaigns still planned or sending (not finished, not cancelled) that use it."""
    used = CampaignMessage.objects.filter(template=template).values("campaign_id")
    return Campaign.objects.filter(pk__in=used, status__in=EDITABLE_STATUSES)


def changes_what_it_says(template: MessageTemplate, changed: Iterable[str]) -> bool:
    """Whether the edit (of a saved template) changes what its campaigns send."""
    return bool(template.pk) and bool(SAID & set(changed))


def template_change_check(*, template: MessageTemplate, user) -> list[Campaign]:
    """The campaigns using the template, in the order of their ids, when the user may edit
    every one of them; else a ValidationError naming those they may not edit."""
    campaigns = list(campaigns_using(template).select_related("owner").order_by("pk"))
    others = [campaign for campaign in campaigns if not may_edit(user, campaign)]
    if others:
        raise ValidationError(
            _(
                "Campaigns you may not edit use this template: %(campaigns)s. A change of its "
                "channel, subject or text would send them back for approval; create a new "
                "template for your change instead."
            )
            % {"campaigns": ", ".join(f"“{campaign.name}”" for campaign in others)},
            code="campaigns_of_others",
        )
    return campaigns


@transaction.atomic
def message_template_save(
    *, template: MessageTemplate, user, changed: Iterable[str] = ()
) -> MessageTemplate:
    """Save the template (created by `user` when new); when `changed` (the edited fields)
    touches what it says, every campaign using it has changed too: refused (ValidationError,
    nothing saved) if the user may not edit one of them."""
    campaigns = []
    if changes_what_it_says(template, changed):
        campaigns = template_change_check(template=template, user=user)
    if template.created_by_id is None:
        template.created_by = user
    template.save()
    # In the order of their ids, so that two saves lock the campaigns the same way.
    for campaign in campaigns:
        campaign_changed(campaign=campaign, user=user, what="message template")
    return template
