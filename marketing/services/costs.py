"""Writes and sums of what campaigns cost: a gift handed to a customer (its stock taken in
the same statement that checks it), an event expense, and a campaign's cost as the sum of
its billed SMS segments, the gifts given in it and its expenses, against its budget.

The cost of messages is counted from the sends (Send.segments of the SMS that went out), at
settings.CAMPAIGN_SMS_SEGMENT_COST per billed segment; nothing about messages is entered.
Reads that narrow a campaign's cost to a viewer's customers are marketing/services/results.py's.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.selectors import staff_for_user
from crm.services import audit_record
from customers.models import Customer
from marketing.models import (
    CallOutcome,
    Campaign,
    CampaignChannel,
    CampaignExpense,
    ExpenseKind,
    Gift,
    GiftGiven,
    Recipient,
    RecipientGroup,
    Send,
    SendStatus,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)
# The SMS a gateway accepted (and so bills), whether a receipt said delivered yet or not.
BILLED_STATUSES = (SendStatus.SENT, SendStatus.DELIVERED)


def segment_cost() -> Decimal:
    """What one billed SMS segment costs (settings.CAMPAIGN_SMS_SEGMENT_COST, a decimal)."""
    return Decimal(str(settings.CAMPAIGN_SMS_SEGMENT_COST))


@transaction.atomic
def gift_give(
    *,
    gift: Gift,
    customer: Customer,
    quantity: int,
    user,
    campaign: Campaign | None = None,
    given_on: datetime.date,
    note: str = "",
    at: datetime.datetime | None = None,
) -> GiftGiven:
    """Hand `quantity` of `gift` to the customer: the stock is checked and taken in one
    conditional UPDATE (two people giving the last one at once cannot both succeed), the gift
    is recorded at today's unit cost and the hand-over audited. Refused (ValidationError,
    nothing written) when the gift is withdrawn or fewer are in stock.

    A campaign's gift handed over while the customer's gift entry on the call list is
    still queued closes that entry (done, "gift handed over", at `at`, default now) and
    stamps the recipient contacted then, in the same transaction: the call list cannot give
    it a second time. call_log (marketing/services/calls.py) gives its gift through here
    too, then closes the entry it locked itself with its contact and its one history event;
    the entry is closed here by a conditional UPDATE only, so nothing is written twice."""
    if quantity < 1:
        raise ValidationError(_("Give at least one."))
    if (
        campaign is not None
        and not Recipient.objects.filter(
            campaign=campaign, customer=customer, group=RecipientGroup.CONTACT
        ).exists()
    ):
        raise ValidationError(
            _("The customer is not in the contacted group of “%(campaign)s”.")
            % {"campaign": campaign.name}
        )
    taken = Gift.objects.filter(pk=gift.pk, active=True, stock__gte=quantity).update(
        stock=F("stock") - quantity
    )
    if not taken:
        current = Gift.objects.filter(pk=gift.pk).values("stock", "active").first()
        if current is None or not current["active"]:
            raise ValidationError(_("“%(gift)s” is no longer available.") % {"gift": gift.name})
        raise ValidationError(
            _("Only %(stock)s of “%(gift)s” left in stock: %(quantity)s cannot be given.")
            % {"stock": current["stock"], "gift": gift.name, "quantity": quantity}
        )
    unit_cost = Gift.objects.values_list("unit_cost", flat=True).get(pk=gift.pk)
    given = GiftGiven.objects.create(
        gift=gift,
        customer=customer,
        campaign=campaign,
        quantity=quantity,
        unit_cost=unit_cost,
        given_on=given_on,
        given_by=staff_for_user(user),
        note=note.strip(),
    )
    gift.stock = Gift.objects.values_list("stock", flat=True).get(pk=gift.pk)
    closed = None
    if campaign is not None:
        closed = _gift_entry_close(campaign=campaign, customer=customer, at=at or timezone.now())
    audit_record(
        actor=user,
        action="gift.give",
        target=given,
        details={
            "gift": gift.code,
            "customer": customer.cust_no,
            "quantity": quantity,
            "unit_cost": str(unit_cost),
            "campaign": campaign.pk if campaign else None,
            "send": closed,
        },
    )
    return given


def _gift_entry_close(
    *, campaign: Campaign, customer: Customer, at: datetime.datetime
) -> int | None:
    """Close the customer's queued gift entry of the campaign as handed over (one
    conditional UPDATE: an entry already done is left as it was) and stamp the recipient
    contacted if not yet; the closed send's id, or None."""
    queued = Send.objects.filter(
        campaign=campaign, customer=customer, channel=CampaignChannel.GIFT, status=SendStatus.QUEUED
    )
    pk = queued.values_list("pk", flat=True).first()
    if pk is None or not queued.filter(pk=pk).update(
        status=SendStatus.DONE, outcome=CallOutcome.GIVEN, sent_at=at
    ):
        return None
    Recipient.objects.filter(
        campaign=campaign, customer=customer, contacted_at__isnull=True
    ).update(contacted_at=at)
    return pk


@transaction.atomic
def expense_record(
    *,
    campaign: Campaign,
    kind: str,
    amount: Decimal,
    spent_on: datetime.date,
    note: str,
    user,
) -> CampaignExpense:
    """Record an event expense of the campaign (venue, materials, …), audited. A negative
    or zero amount, or a kind not on the list, is refused."""
    if kind not in ExpenseKind.values:
        raise ValidationError(_("Unknown kind of expense: %(kind)s.") % {"kind": kind})
    if amount is None or amount <= 0:
        raise ValidationError(_("An expense is a positive amount."))
    expense = CampaignExpense.objects.create(
        campaign=campaign,
        kind=kind,
        amount=amount,
        spent_on=spent_on,
        note=note.strip(),
        recorded_by=user,
    )
    audit_record(
        actor=user,
        action="campaign.expense_record",
        target=expense,
        details={"campaign": campaign.pk, "kind": kind, "amount": str(amount)},
    )
    return expense


@dataclass(frozen=True)
class Cost:
    """A campaign's cost by source, and its budget (None: not shown to this viewer)."""

    sms_segments: int = 0
    sms: Decimal = ZERO
    gifts: Decimal = ZERO
    expenses: Decimal = ZERO
    budget: Decimal | None = None
    # False: only what is spent on the viewer's customers (messages and gifts); event
    # expenses and the budget belong to the whole campaign.
    whole: bool = True

    @property
    def total(self) -> Decimal:
        return self.sms + self.gifts + self.expenses

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.total

    @property
    def budget_share(self) -> float | None:
        """The share of the budget spent (1.0 = all of it); None without a budget."""
        if not self.budget:
            return None
        return float(self.total / self.budget)

    @property
    def over_budget(self) -> bool:
        return self.budget is not None and self.budget > 0 and self.total > self.budget


def costs_by_campaign(campaigns, *, customers: QuerySet[Customer] | None = None) -> dict[int, Cost]:
    """The cost of each campaign (Campaign objects, or ids) in three queries (segments,
    gifts, expenses, each grouped by campaign; a fourth for budgets when given ids). With
    `customers` (a viewer's scope): the messages and gifts of those customers only, without
    expenses or budget (they are the whole campaign's)."""
    ids = [campaign.pk if isinstance(campaign, Campaign) else campaign for campaign in campaigns]
    sms = Send.objects.filter(
        campaign_id__in=ids, channel=CampaignChannel.SMS, status__in=BILLED_STATUSES
    )
    gifts = GiftGiven.objects.filter(campaign_id__in=ids)
    if customers is not None:
        sms = sms.filter(customer__in=customers)
        gifts = gifts.filter(customer__in=customers)
    segments = dict(
        sms.order_by()
        .values("campaign_id")
        .annotate(n=Coalesce(Sum("segments"), 0))
        .values_list("campaign_id", "n")
    )
    gift_costs = dict(
        gifts.order_by()
        .values("campaign_id")
        .annotate(
            cost=Coalesce(
                Sum(F("unit_cost") * F("quantity"), output_field=MONEY), ZERO, output_field=MONEY
            )
        )
        .values_list("campaign_id", "cost")
    )
    expenses: dict[int, Decimal] = {}
    budgets: dict[int, Decimal] = {}
    if customers is None:
        expenses = dict(
            CampaignExpense.objects.filter(campaign_id__in=ids)
            .order_by()
            .values("campaign_id")
            .annotate(total=Sum("amount"))
            .values_list("campaign_id", "total")
        )
        budgets = {c.pk: c.budget for c in campaigns if isinstance(c, Campaign)}
        if len(budgets) < len(ids):
            budgets = dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "budget"))
    price = segment_cost()
    result = {}
    for pk in ids:  # one row per campaign, not per customer
        count = int(segments.get(pk, 0) or 0)
        result[pk] = Cost(
            sms_segments=count,
            sms=(price * count).quantize(Decimal("0.01")),
            gifts=_cents(gift_costs.get(pk)),
            expenses=_cents(expenses.get(pk)),
            budget=budgets.get(pk) if customers is None else None,
            whole=customers is None,
        )
    return result


def _cents(amount) -> Decimal:
    """A sum as money (SQLite hands back a product of decimals with every digit)."""
    return Decimal(amount or 0).quantize(ZERO)


def campaign_cost(campaign: Campaign) -> Cost:
    """The whole campaign's cost: billed SMS segments x CAMPAIGN_SMS_SEGMENT_COST, the gifts
    given in it at their day's unit cost, its expenses; with its budget (`.total`,
    `.remaining`, `.over_budget`)."""
    return costs_by_campaign([campaign])[campaign.pk]
