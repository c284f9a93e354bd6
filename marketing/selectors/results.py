"""Reads of campaigns' costs and results for their pages: who records a campaign's costs,
sends and deliveries per day, the comparison table of the campaigns a user sees, the gift
catalogue, and the 360 page's "Campaigns & gifts" panel of one customer. Each that takes a
user narrows to their scope (crm.scoping); the figures themselves are
marketing.services.results'.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from customers.models import Customer
from marketing.models import (
    MESSAGE_CHANNELS,
    Campaign,
    Gift,
    GiftGiven,
    MarketingOptOut,
    Recipient,
    RecipientGroup,
    Send,
    SendStatus,
)
from marketing.selectors.campaigns import (
    campaigns_for_user,
    may_plan,
    owned_in_reach,
    viewer_customers,
)
from marketing.services.results import Results, campaigns_results

# The comparison table's rows: the latest campaigns the user sees (its queries do not grow
# with the rows, but a page of a few hundred rows is no longer a table anyone reads).
COMPARE_LIMIT = 100


def may_record_costs(user, campaign: Campaign) -> bool:
    """Planners record a campaign's expenses: head office any campaign's, a branch manager
    those owned in their branch (marketing.selectors.campaigns.owned_in_reach)."""
    return may_plan(user) and owned_in_reach(user, campaign)


def daily_sends(campaign: Campaign, *, customers: QuerySet[Customer] | None) -> list:
    """(day, sent, delivered) of the campaign's messages to `customers` (None: everyone's),
    each counted on the day it happened; two grouped queries."""
    sends = Send.objects.filter(campaign=campaign, channel__in=MESSAGE_CHANNELS).order_by()
    if customers is not None:
        sends = sends.filter(customer__in=customers)
    tz = timezone.get_current_timezone()
    sent = dict(
        sends.filter(sent_at__isnull=False)
        .annotate(day=TruncDate("sent_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    delivered = dict(
        sends.filter(status=SendStatus.DELIVERED, delivered_at__isnull=False)
        .annotate(day=TruncDate("delivered_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [(day, sent.get(day, 0), delivered.get(day, 0)) for day in sorted({*sent, *delivered})]


@dataclass(frozen=True)
class CompareRow:
    campaign: Campaign
    results: Results


def campaigns_compared_for_user(user, *, today: datetime.date) -> tuple[list[CompareRow], bool]:
    """The comparison table: the latest COMPARE_LIMIT campaigns the user sees, each with its
    results over the user's customers (a fixed number of queries for all rows), and whether
    there were more."""
    campaigns = list(
        campaigns_for_user(user)
        .exclude(approved_at__isnull=True)
        .select_related("owner", "product")
        .order_by("-starts_at", "-pk")[: COMPARE_LIMIT + 1]
    )
    more = len(campaigns) > COMPARE_LIMIT
    campaigns = campaigns[:COMPARE_LIMIT]
    results = campaigns_results(campaigns, customers=viewer_customers(user), today=today)
    return [CompareRow(campaign, results[campaign.pk]) for campaign in campaigns], more


def gift_catalogue() -> QuerySet[Gift]:
    """Every gift, available ones first, with its stock (no customer on it)."""
    return Gift.objects.order_by("-active", "name")


def gifts_available() -> QuerySet[Gift]:
    return Gift.objects.filter(active=True, stock__gt=0).order_by("name")


def gift_campaigns_of(customer: Customer) -> QuerySet[Campaign]:
    """The campaigns a gift to the customer may be given in: those contacting them (a
    holdout customer is never contacted, so never given a campaign's gift)."""
    return Campaign.objects.filter(
        recipients__customer=customer, recipients__group=RecipientGroup.CONTACT
    ).order_by("-starts_at", "-pk")


def customer_campaigns_panel(customer: Customer) -> dict:
    """The "Campaigns & gifts" panel of one customer (who came through
    customer_get_for_user): their campaigns with group and sends, the gifts given with their
    cost, their marketing opt-outs with the proof. Four queries."""
    recipients = (
        Recipient.objects.filter(customer=customer)
        .select_related("campaign")
        .prefetch_related(Prefetch("sends", queryset=Send.objects.order_by("channel", "pk")))
        .order_by("-campaign__starts_at", "-pk")
    )
    gifts = GiftGiven.objects.filter(customer=customer).select_related(
        "gift", "campaign", "given_by"
    )
    opt_outs = MarketingOptOut.objects.filter(customer=customer).select_related("recorded_by")
    return {
        "recipients": list(recipients[:20]),
        "gifts_given": list(gifts[:20]),
        "opt_outs": list(opt_outs[:5]),
    }


def gifts_cost_total(gifts_given) -> Decimal:
    """The cost of the gifts listed (summed from the rows already read)."""
    return sum((given.cost for given in gifts_given), start=Decimal("0.00"))
