"""The customers a campaign leaves out, each rule as one set of customer ids: a subquery
(`.values("customer_id")`) to use in `pk__in`, or narrowed to one customer in an EXISTS
(as marketing/services/targeting.py does, so that PostgreSQL anti-joins big sets). The
targeting funnel, the approval and the sender's claim-time checks read the same rule in one
statement, never a query per customer. Internal: none of them is scoped (they narrow sets
that are).

Which exclusions a campaign applies, and in which order, is marketing/services/targeting.py's.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from customers.models import Interaction
from marketing.models import (
    MESSAGE_CHANNELS,
    RUNNING_STATUSES,
    Campaign,
    MarketingOptOut,
    Recipient,
    RecipientGroup,
    Send,
    SendStatus,
)

# The sends that count as a marketing message a customer got (the weekly cap's).
MESSAGE_RECEIVED_STATUSES = (SendStatus.SENT, SendStatus.DELIVERED)
CAP_WINDOW = datetime.timedelta(days=7)


def opted_out_ids() -> QuerySet:
    """Customers who opted out of marketing, by any road, ever."""
    return MarketingOptOut.objects.order_by().values("customer_id")


def over_cap_ids(*, now: datetime.datetime, other_than: Campaign | None = None) -> QuerySet:
    """Customers who got at least CAMPAIGN_WEEKLY_MESSAGE_CAP marketing messages (SMS and
    e-mail, sent or delivered) in the 7 days before `now`, across every campaign (but
    `other_than`'s own, when planning it: its own messages are not another's)."""
    sends = Send.objects.filter(
        channel__in=MESSAGE_CHANNELS,
        status__in=MESSAGE_RECEIVED_STATUSES,
        sent_at__gt=now - CAP_WINDOW,
    )
    if other_than is not None:
        sends = sends.exclude(campaign=other_than)
    return (
        sends.order_by()
        .values("customer_id")
        .annotate(messages=Count("*"))
        .filter(messages__gte=settings.CAMPAIGN_WEEKLY_MESSAGE_CAP)
        .values("customer_id")
    )


def in_running_campaign_ids(
    *, other_than: Campaign, today: datetime.date | None = None
) -> QuerySet:
    """Customers in the contacted group of another campaign that is approved, running or
    paused and has not ended (its `ends_on` is today or later). A holdout customer is not
    contacted, so another campaign may reach them."""
    today = today or timezone.localdate()
    return (
        Recipient.objects.filter(
            group=RecipientGroup.CONTACT,
            campaign__status__in=RUNNING_STATUSES,
            campaign__ends_on__gte=today,
        )
        .exclude(campaign=other_than)
        .order_by()
        .values("customer_id")
    )


def contacted_since_sets(
    *, since: datetime.datetime, other_than: Campaign | None = None
) -> tuple[QuerySet, QuerySet]:
    """contacted_since_ids's two halves, the interactions and the sends (each a
    `.values("customer_id")` queryset that may be narrowed further, as a union may not)."""
    interactions = Interaction.objects.filter(occurred_at__gte=since)
    sends = Send.objects.filter(sent_at__gte=since)
    if other_than is not None:
        own = Send.objects.filter(campaign=other_than, interaction__isnull=False)
        interactions = interactions.exclude(pk__in=own.values("interaction_id"))
        sends = sends.exclude(campaign=other_than)
    return interactions.order_by().values("customer_id"), sends.order_by().values("customer_id")


def contacted_since_ids(
    *, since: datetime.datetime, other_than: Campaign | None = None
) -> QuerySet:
    """Customers contacted at or after `since`: an interaction logged with them, or a send
    of any campaign that went out to them (but `other_than`'s own sends and the calls logged
    through them, when planning it: its own contact is not a reason to leave them out)."""
    interactions, sends = contacted_since_sets(since=since, other_than=other_than)
    return interactions.union(sends)
