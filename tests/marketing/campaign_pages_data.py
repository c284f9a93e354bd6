"""The campaigns the campaign pages' tests and their scope walker's probes are about: a
running campaign reaching the customers given (one of each member of the cast, say), every
channel's send queued for each, the call list's entries assigned to the customer's manager
(a call also on their workbench as a task)."""

import datetime

from django.utils import timezone

from customers.models import Customer, Task, TaskKind
from marketing.models import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    Recipient,
    RecipientGroup,
    Send,
)

SCRIPT = "您好，本月有新的稳健理财产品"


def cast_customers(cast) -> list[Customer]:
    """One customer of each member of the cast who serves one, and branch A's unserved one:
    every role sees the campaign through at least one of them."""
    return [
        cast.broker_customer,
        cast.teammate_customer,
        cast.lead_customer,
        cast.manager_customer,
        cast.unserved_customer,
        cast.other_customer,
    ]


def campaign_make(
    cast,
    *,
    customers=(),
    channels=(CampaignChannel.SMS, CampaignChannel.CALL),
    status=CampaignStatus.RUNNING,
    owner=None,
    name="",
    holdout=(),
    gift=None,
) -> Campaign:
    """A campaign owned by the branch manager (created by them), approved at version 1 if
    `status` says it was, with a recipient and a queued send per channel for each customer
    (those in `holdout` in the holdout group, without sends); `gift` the gift channel's."""
    owner = owner or cast.branch_manager
    now = timezone.now()
    approved = status not in (CampaignStatus.DRAFT, CampaignStatus.PENDING)
    campaign = Campaign.objects.create(
        name=name or f"probe campaign {Campaign.objects.count() + 1}",
        goal="稳健理财推广",
        owner=owner,
        starts_at=now - datetime.timedelta(hours=1),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        status=status,
        created_by=owner.user,
        approved_version=1 if approved else None,
        approved_by=cast.head_office.user if approved else None,
        approved_at=now - datetime.timedelta(hours=2) if approved else None,
        funnel=[["targets", 10], ["no_consent", 8]] if approved else [],
    )
    for channel in channels:
        CampaignMessage.objects.create(
            campaign=campaign,
            channel=channel,
            script=SCRIPT if channel == CampaignChannel.CALL else "",
            event_name="客户答谢会" if channel == CampaignChannel.EVENT else "",
            event_at=now + datetime.timedelta(days=7) if channel == CampaignChannel.EVENT else None,
            gift=gift if channel == CampaignChannel.GIFT else None,
        )
    for customer in [*customers, *holdout]:
        in_holdout = customer in holdout
        recipient = Recipient.objects.create(
            campaign=campaign,
            customer=customer,
            group=RecipientGroup.HOLDOUT if in_holdout else RecipientGroup.CONTACT,
            added_at=now,
        )
        if in_holdout:
            continue
        for channel in channels:
            staff_work = channel not in (CampaignChannel.SMS, CampaignChannel.EMAIL)
            task = None
            if channel == CampaignChannel.CALL and customer.manager_id:
                task = Task.objects.create(
                    assignee_id=customer.manager_id,
                    customer=customer,
                    kind=TaskKind.CAMPAIGN,
                    title=f"Call for {campaign.name}",
                    due_on=timezone.localdate(),
                    source=f"campaign:{campaign.pk}",
                )
            Send.objects.create(
                campaign=campaign,
                recipient=recipient,
                customer=customer,
                channel=channel,
                due_at=now,
                assignee_id=customer.manager_id if staff_work else None,
                task=task,
            )
    return campaign
