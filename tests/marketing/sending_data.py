"""The world of the sending tests: customers with mobiles, an approved campaign with its
recipients and messages, a clock that moves only when the sender waits, and a backend that
writes down when each batch went."""

import datetime
import zoneinfo
from decimal import Decimal

from django.utils import timezone

from customers.models import Customer
from marketing.channels.base import Backend, Result
from marketing.models import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    MessageTemplate,
    Recipient,
    RecipientGroup,
)
from marketing.services.sending import sends_create

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A Tuesday morning in Shanghai, outside the default quiet hours (21:00-08:00).
MORNING = datetime.datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI)
SECRET = "standin-secret"
ACCOUNT = "crm-test"


def at(hour: int, minute: int = 0, *, day: datetime.date | None = None) -> datetime.datetime:
    """A local time on MORNING's day (or `day`)."""
    day = day or MORNING.date()
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


class Clock:
    """A clock for now_fn that moves only when the sender sleeps (sleep_fn)."""

    def __init__(self, start: datetime.datetime = MORNING) -> None:
        self.now = start
        self.slept = 0.0

    def __call__(self) -> datetime.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += datetime.timedelta(seconds=seconds)


class RecordingBackend(Backend):
    """Takes everything; writes down each batch with the clock's time when it came."""

    idempotent = True
    clock: Clock | None = None
    batches: list = []

    def send_batch(self, messages):
        moment = self.clock() if self.clock else timezone.now()
        RecordingBackend.batches.append((moment, [m.message_id for m in messages]))
        return [Result(m.send_id, True, provider_id=f"rec-{m.message_id}") for m in messages]


def customers_make(branch, count: int, *, first_mobile: int = 13900000000, **fields) -> list:
    """`count` customers of the branch with consent and mobiles first_mobile, +1, …"""
    fields.setdefault("marketing_consent", True)
    start = Customer.objects.count()
    Customer.objects.bulk_create(
        [
            Customer(
                cust_no=f"S{start + number:07d}",
                name=f"客户{start + number}",
                branch=branch,
                mobile=str(first_mobile + number),
                email=f"c{start + number}@example.com",
                open_date=datetime.date(2020, 1, 6),
                risk_level="C3",
                **fields,
            )
            for number in range(count)
        ]
    )
    return list(Customer.objects.filter(cust_no__gte=f"S{start:07d}").order_by("cust_no"))


def campaign_make(
    owner,
    customers,
    *,
    name: str = "春季理财",
    channels=(CampaignChannel.SMS,),
    status=CampaignStatus.APPROVED,
    starts_at: datetime.datetime = MORNING,
    holdout=(),
    now: datetime.datetime = MORNING,
    **fields,
) -> Campaign:
    """An approved campaign with the customers as contacted recipients (those in `holdout`
    in the holdout group) and a message on each channel, and its sends made."""
    campaign = Campaign.objects.create(
        name=name,
        goal="推广",
        owner=owner,
        starts_at=starts_at,
        ends_on=starts_at.date() + datetime.timedelta(days=30),
        status=status,
        holdout_percent=Decimal("0"),
        approved_version=1,
        created_by=owner.user,
        **fields,
    )
    Recipient.objects.bulk_create(
        [
            Recipient(
                campaign=campaign,
                customer=customer,
                group=RecipientGroup.HOLDOUT if customer in holdout else RecipientGroup.CONTACT,
                added_at=now,
            )
            for customer in customers
        ]
    )
    for channel in channels:
        template = None
        if channel in (CampaignChannel.SMS, CampaignChannel.EMAIL):
            template = MessageTemplate.objects.create(
                name=f"{name} {channel}",
                channel=channel,
                subject="春季理财" if channel == CampaignChannel.EMAIL else "",
                body="{name}您好，春季理财产品已上线。",
            )
        CampaignMessage.objects.create(
            campaign=campaign, channel=channel, template=template, script="{name}您好"
        )
    sends_create(campaign=campaign, now=now)
    return campaign
