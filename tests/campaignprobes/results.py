"""The scope walker's declarations of the campaigns' costs and results pages
(marketing/urls_results.py): the results page, its CSV and the comparison table count the
viewer's customers only; the gift form and the 360 panel are about one customer; expenses
are the campaign's planners'; the gift catalogue shows no customer."""

import datetime
from decimal import Decimal

from django.utils import timezone

from customers.models import Customer
from marketing.models import Campaign, CampaignStatus, Gift, Recipient, RecipientGroup, Send
from marketing.selectors.results import may_record_costs
from tests.scopeprobes import Hit, Listing, Probe

PROBE_CAMPAIGN = "探针结果活动"


def _probe_campaign(target: Customer, cast) -> Campaign:
    """An approved campaign whose contacted group holds a customer of every member of the
    cast (so that everybody sees it) and the target, each sent an SMS."""
    now = timezone.now()
    campaign, _ = Campaign.objects.get_or_create(
        name=PROBE_CAMPAIGN,
        defaults={
            "goal": "probe",
            "owner": cast.head_office,
            "starts_at": now - datetime.timedelta(days=2),
            "ends_on": timezone.localdate(),
            "status": CampaignStatus.RUNNING,
            "approved_at": now - datetime.timedelta(days=3),
            "budget": Decimal("1000"),
            "created_by": cast.head_office.user,
        },
    )
    everybody = [
        cast.broker_customer,
        cast.teammate_customer,
        cast.lead_customer,
        cast.manager_customer,
        cast.unserved_customer,
        cast.other_customer,
        target,
    ]
    for customer in everybody:
        recipient, made = Recipient.objects.get_or_create(
            campaign=campaign,
            customer=customer,
            defaults={"group": RecipientGroup.CONTACT, "added_at": now},
        )
        if made:
            Send.objects.create(
                campaign=campaign,
                recipient=recipient,
                customer=customer,
                channel="sms",
                address=f"138{customer.pk:08d}",
                status="delivered",
                due_at=now - datetime.timedelta(days=1),
                sent_at=now - datetime.timedelta(days=1),
                delivered_at=now - datetime.timedelta(days=1),
                segments=1,
            )
    return campaign


def _reached_company_wide(cast) -> list[int]:
    campaign = Campaign.objects.get(name=PROBE_CAMPAIGN)
    return list(campaign.recipients.values_list("customer_id", flat=True))


def _results(path: str):
    def make(*, target, cast, requester) -> Hit:
        return Hit(path.format(pk=_probe_campaign(target, cast).pk))

    return make


def _results_count(response, text: str, cast) -> tuple[int, list[int]]:
    return response.context["results"].reach, _reached_company_wide(cast)


def _export_count(response, text: str, cast) -> tuple[int, list[int]]:
    for line in text.splitlines():
        cells = line.split(",")
        if cells[0] == "Reached":
            return int(cells[1]), _reached_company_wide(cast)
    raise AssertionError("no Reached line in the export")


def _compare_count(response, text: str, cast) -> tuple[int, list[int]]:
    (row,) = [r for r in response.context["rows"] if r.campaign.name == PROBE_CAMPAIGN]
    return row.results.reach, _reached_company_wide(cast)


def _no_customer(target: Customer) -> tuple[str, ...]:
    return ()


def _expense(*, target, cast, requester) -> Hit:
    campaign = _probe_campaign(target, cast)
    data = {"kind": "venue", "amount": "100", "spent_on": str(timezone.localdate())}
    return Hit(f"/marketing/campaigns/{campaign.pk}/expenses/", data)


def _records_costs(user, target, cast) -> bool:
    return may_record_costs(user, Campaign.objects.get(name=PROBE_CAMPAIGN))


def _gift() -> Gift:
    gift, _ = Gift.objects.get_or_create(
        code="probe-gift", defaults={"name": "探针礼品", "unit_cost": Decimal("9"), "stock": 1000}
    )
    return gift


def _gift_give(*, target, cast, requester) -> Hit:
    return Hit(f"/marketing/gifts/give/{target.cust_no}/", {"gift": _gift().pk, "quantity": 1})


def _customer_panel(*, target, cast, requester) -> Hit:
    return Hit(f"/marketing/gifts/customers/{target.cust_no}/")


def _gift_list(*, target, cast, requester) -> Hit:
    _gift()
    return Hit("/marketing/gifts/")


DECLARATIONS = {
    # The results, their CSV and the comparison: every figure over the viewer's customers.
    "marketing:campaign-results": (
        Listing(
            _results("/marketing/campaigns/{pk}/results/"),
            shows=_no_customer,
            counts=_results_count,
        ),
    ),
    "marketing:campaign-results-export": (
        Listing(
            _results("/marketing/campaigns/{pk}/results.csv"),
            shows=_no_customer,
            counts=_export_count,
        ),
    ),
    "marketing:campaign-compare": (
        Listing(
            _results("/marketing/campaigns/compare/"), shows=_no_customer, counts=_compare_count
        ),
    ),
    # Expenses: the campaign's planners (a head-office campaign: head office's); anybody
    # else a 404.
    "marketing:campaign-expense-add": Probe(
        _expense, answers_get=False, ok=302, writes=True, may=_records_costs
    ),
    # The catalogue names no customer.
    "marketing:gift-list": (Listing(_gift_list, shows=_no_customer),),
    # The 360 page's panel and its gift form: whoever's scope holds the customer.
    "marketing:customer-campaigns": Probe(_customer_panel, answers_post=False),
    "marketing:gift-give": Probe(_gift_give, writes=True),
}
