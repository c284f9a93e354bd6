"""Gives the demo its campaigns (used by `make demo`, after the segments and products): the
message templates and the gift catalogue, a finished product campaign with its results
against the holdout, a running strategy-meeting invitation partly sent, one awaiting
approval and a draft.

Everything goes through the campaigns' own services, so that each state is one the product
reaches: planned by the demo branch manager, approved by head office (four eyes), sent by
the channel's sender on a simulated clock (the console backend writes the outbox), the
gateway's receipts and the customers' replies recorded as the webhooks record them, the
call list worked through call_log, gifts and expenses through the costs' services, sales
each backed by its suitability check, and the conversions marked by the nightly rule.

Deterministic (seeded) and safe to run again: templates and gifts are kept by name and code,
and a campaign that exists (by its name) is left as it is; each is made in one transaction.
"""

import csv
import datetime
import io
import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext

from crm.commands import CrmCommand
from crm.scoping import scope_for_user
from crm.selectors import staff_for_user
from customers.models import Customer, CustomerStatus, DailyPosition
from marketing.messages import template_errors
from marketing.models import (
    CallOutcome,
    Campaign,
    CampaignChannel,
    ExpenseKind,
    Gift,
    MessageTemplate,
    Recipient,
    RecipientGroup,
    Segment,
    Send,
    SendStatus,
)
from marketing.services.calls import call_log
from marketing.services.campaign_plans import campaign_plan_save
from marketing.services.campaigns import campaign_approve, campaign_submit, campaign_target_add
from marketing.services.costs import expense_record, gift_give
from marketing.services.message_templates import message_template_save
from marketing.services.receipts import ReceiptItem, ReplyItem, receipts_record, replies_record
from marketing.services.results import campaign_conversions_mark
from marketing.services.sending import campaigns_finish, channel_send
from marketing.services.targeting import campaign_upload
from products.models import CheckPurpose, Product, ProductKind, ProductStatus, SaleChannel
from products.services.checks import suitability_check_record
from products.services.sales import sale_record
from products.suitability import Profile, check, offerable_customers, permitted_levels

SEED = 16
SMS, EMAIL, CALL = CampaignChannel.SMS, CampaignChannel.EMAIL, CampaignChannel.CALL
EVENT, GIFT = CampaignChannel.EVENT, CampaignChannel.GIFT

# fmt: off
FUND_SMS = "基金认购短信"
MEETING_SMS = "策略会邀请短信"
ALLOCATION_EMAIL = "资产配置建议邮件"
TEMPLATES = {  # name: (channel, subject, body)
    FUND_SMS: (SMS, "", ("{name}您好，{product}（{product_risk}）正在认购，稳健配置正当时，"
                        "详询客户经理{manager}。")),
    MEETING_SMS: (SMS, "", ("{name}您好，诚邀您参加{event}，时间{event_time}，地点{venue}，"
                           "名额有限，详询客户经理{manager}。")),
    ALLOCATION_EMAIL: (EMAIL, "{name}，您的年度资产配置建议",
                       ("尊敬的{name}：\n\n{branch}为您整理了年度资产配置建议，其中{product}"
                       "（{product_risk}）适合稳健配置。如需详细了解，请联系您的客户经理{manager}。"
                       "\n\n祝投资顺利！")),
}
GIFTS = (  # code, name, unit cost, stock
    ("thermos", "保温杯", "45.00", 500),
    ("calendar", "财经日历", "18.00", 1000),
    ("handbook", "投资策略手册", "25.00", 300),
    ("umbrella", "定制雨伞", "35.00", 200),
)
FINISHED = "稳健理财季"
RUNNING = "年度投资策略会邀约"
PENDING = "年末资产配置月"
DRAFT = "新春客户答谢礼"
# The demo segments (demo_segments) a product campaign targets, those that exist.
FUND_SEGMENTS = ("闲置资金客户", "高净值客户")
FAILURES = ("空号", "停机", "关机超时", "用户拒收")
INTERESTED = ("有兴趣，请客户经理联系我", "好的，想详细了解一下", "请问起购金额是多少？")
OPT_OUTS = ("TD", "退订")
CALL_OUTCOMES = (  # outcome, weight
    (CallOutcome.INTERESTED, 25), (CallOutcome.NOT_INTERESTED, 25),
    (CallOutcome.CALL_BACK, 15), (CallOutcome.NO_ANSWER, 25), (CallOutcome.WRONG_NUMBER, 10),
)
# fmt: on
HOLDOUT = Decimal("10.0")
CONTACT_CONVERSION = 0.12  # share of the contacted group who buy within the window
HOLDOUT_CONVERSION = 0.03  # and of the holdout, who buy anyway
CALLS_MAX = 120  # call-list entries of the finished campaign logged
GIFTS_MAX = 40
RUNNING_SENT_SHARE = 0.4  # of the running campaign's SMS sent so far
# Net inflow above this also counts as a conversion (results.py); high, so that the demo's
# conversions are its product's sales.
INFLOW_THRESHOLD = Decimal("500000")


def _counts(rows, field: str) -> dict[str, int]:
    """How many of `rows` have each value of `field`, in one query."""
    counted = rows.order_by().values_list(field).annotate(n=Count("pk"))
    return dict(counted.values_list(field, "n"))


class SimClock:
    """A clock for the sender that moves only when it waits (now_fn / sleep_fn)."""

    def __init__(self, start: datetime.datetime) -> None:
        self.now = start

    def __call__(self) -> datetime.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class Command(CrmCommand):
    help = "Create the demo's campaigns: finished with results, running, awaiting approval, draft."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=SEED)
        parser.add_argument("--owner", default="demo-branch", help="the planner's login")
        parser.add_argument("--approver", default="demo-head", help="the approver's login")
        parser.add_argument(
            "--staff",
            nargs="+",
            default=["demo-broker", "demo-manager"],
            help="the logins whose customers the running campaign invites",
        )

    def handle(self, *args, **options):
        users = get_user_model().objects.filter(
            username__in=[options["owner"], options["approver"], *options["staff"]]
        )
        by_name = {user.username: user for user in users}
        owner = by_name.get(options["owner"])
        approver = by_name.get(options["approver"])
        if owner is None or approver is None or staff_for_user(owner) is None:
            self.stdout.write(gettext("No demo logins yet: run demo_users first."))
            return
        self.owner, self.approver = owner, approver
        self.staff = [by_name[name] for name in options["staff"] if name in by_name]
        self.seed = options["seed"]
        latest = DailyPosition.objects.aggregate(day=Max("business_date"))["day"]
        self.today = timezone.localdate()
        self.day = min(latest or self.today, self.today)
        self.templates = self._templates()
        self.gifts = self._gifts()
        before = Campaign.objects.filter(name__in=(FINISHED, RUNNING, PENDING, DRAFT)).count()
        # The approvals do not wake the dispatcher, which would send at the real time: the
        # demo sends on its own simulated clock instead (as a worker that has not ticked yet
        # leaves a campaign: approved, partly sent).
        product = self._product()
        finished = self._once(FINISHED, lambda: self._finished(product))
        running = self._once(RUNNING, self._running)
        self._once(PENDING, lambda: self._pending(product))
        self._once(DRAFT, self._draft)
        made = Campaign.objects.filter(name__in=(FINISHED, RUNNING, PENDING, DRAFT))
        self._report(finished, running, made.count() - before)

    # -- the catalogue ---------------------------------------------------------------------------

    def _templates(self) -> dict[str, MessageTemplate]:
        templates = {}
        for name, (channel, subject, body) in TEMPLATES.items():
            template = MessageTemplate.objects.filter(name=name).first()
            if template is None:
                assert not template_errors(body) and not template_errors(subject), name
                template = message_template_save(
                    template=MessageTemplate(
                        name=name, channel=channel, subject=subject, body=body
                    ),
                    user=self.owner,
                )
            templates[name] = template
        return templates

    def _gifts(self) -> dict[str, Gift]:
        gifts = {}
        for code, name, cost, stock in GIFTS:
            gifts[code], _new = Gift.objects.get_or_create(
                code=code, defaults={"name": name, "unit_cost": Decimal(cost), "stock": stock}
            )
        return gifts

    def _once(self, name: str, make) -> Campaign | None:
        """The campaign `name`, made by `make` in one transaction unless it exists."""
        existing = Campaign.objects.filter(name=name).first()
        if existing is not None:
            return existing
        with transaction.atomic():
            return make()

    def _product(self) -> Product | None:
        """An open-ended fund on sale since before the finished campaign, of the kind of
        suitability that most of the owner's customers have (one count per kind of fund)."""
        start = self.day - datetime.timedelta(days=45)
        funds = Product.objects.filter(
            kind=ProductKind.PUBLIC_FUND,
            status=ProductStatus.ON_SALE,
            risk_level__in=("R2", "R3"),
            sale_starts_on__lte=start,
            sale_ends_on__isnull=True,
            minimum_investment__lte=1000,
            professional_only=False,
        ).order_by("code")
        customers = scope_for_user(
            self.owner,
            Customer.objects.filter(status=CustomerStatus.NORMAL, marketing_consent=True),
        )
        kinds: dict[tuple, Product] = {}
        for fund in funds:
            kinds.setdefault((fund.risk_level, fund.horizon, fund.variety), fund)
        best, most = None, 0
        for fund in kinds.values():
            count = offerable_customers(fund, customers, today=start).count()
            if count > most:
                best, most = fund, count
        return best

    def _plan(self, *, name, goal, channels, targets=(), product=None, **fields) -> Campaign:
        campaign = campaign_plan_save(
            user=self.owner,
            plan={"name": name, "goal": goal, "product": product, **fields},
            channels=channels,
        )
        for segment in Segment.objects.filter(name__in=targets).order_by("pk"):
            campaign_target_add(campaign=campaign, user=self.owner, segment=segment)
        if product is not None:
            campaign_target_add(campaign=campaign, user=self.owner, product=product)
        return campaign

    # -- the finished campaign -------------------------------------------------------------------

    def _finished(self, product: Product | None) -> Campaign | None:
        """The product campaign of six weeks ago: sent on its first morning, worked for two
        weeks, ended; its recipients' 30-day conversion windows (from their contact) end
        15 days before the demo's latest business day, so its results are final."""
        if product is None:
            return None
        rng = random.Random(self.seed)
        # A business day of the counter's (never a holiday) about 45 days back.
        start_day = DailyPosition.objects.filter(
            business_date__lte=self.day - datetime.timedelta(days=45)
        ).aggregate(day=Max("business_date"))["day"] or self.day - datetime.timedelta(days=45)
        start = local(start_day, 10)
        campaign = self._plan(
            name=FINISHED,
            goal=f"向适配客户推介{product.name}，以对照组衡量短信与电话回访带来的认购。",
            product=product,
            targets=FUND_SEGMENTS,
            starts_at=start,
            ends_on=start_day + datetime.timedelta(days=14),
            budget=Decimal("30000"),
            holdout_percent=HOLDOUT,
            inflow_threshold=INFLOW_THRESHOLD,
            channels={
                SMS: {"template": self.templates[FUND_SMS]},
                CALL: {"script": f"介绍{product.name}的风险等级与费率，了解客户的配置意向。"},
            },
        )
        campaign = campaign_submit(campaign=campaign, user=self.owner)
        campaign = campaign_approve(
            campaign=campaign,
            user=self.approver,
            now=local(start_day - datetime.timedelta(1), 15),
            dispatch=False,
        )
        clock = SimClock(start)
        channel_send(channel=SMS, now_fn=clock, sleep_fn=clock.sleep, deadline_seconds=3600)
        self._receipts(rng, campaign, delivered=0.95, failed=0.035)
        self._replies(rng, campaign, interested=0.03, opt_outs=2)
        called = self._calls(rng, campaign, start_day)
        self._gifts_given(campaign, called)
        for kind, amount, days, note in (
            (ExpenseKind.VENUE, "2800", 7, "投资者沙龙场地租赁"),
            (ExpenseKind.MATERIALS, "600", 2, "产品宣传折页印刷"),
        ):
            expense_record(
                campaign=campaign,
                kind=kind,
                amount=Decimal(amount),
                spent_on=start_day + datetime.timedelta(days=days),
                note=note,
                user=self.owner,
            )
        self._sales(rng, campaign, product)
        campaigns_finish(now=local(campaign.ends_on + datetime.timedelta(days=1), 0, 5))
        campaign_conversions_mark(today=self.day, campaign=campaign)
        campaign.refresh_from_db()
        return campaign

    def _receipts(self, rng, campaign: Campaign, *, delivered: float, failed: float) -> None:
        """The gateway's receipts of the campaign's sent SMS: most delivered, a few failed
        with the operator's reason, the rest not reported (yet)."""
        items = []
        sent = Send.objects.filter(campaign=campaign, channel=SMS, status=SendStatus.SENT)
        for provider_id, sent_at in sent.order_by("pk").values_list("provider_id", "sent_at"):
            roll = rng.random()
            at: datetime.datetime = sent_at + datetime.timedelta(seconds=rng.randint(3, 900))
            if roll < delivered:
                items.append(ReceiptItem(provider_id, SendStatus.DELIVERED.value, "", at))
            elif roll < delivered + failed:
                items.append(
                    ReceiptItem(provider_id, SendStatus.FAILED.value, rng.choice(FAILURES), at)
                )
        for first in range(0, len(items), 1000):
            receipts_record(items[first : first + 1000])

    def _replies(self, rng, campaign: Campaign, *, interested: float, opt_outs: int) -> None:
        """A few customers answer: some interested, `opt_outs` of them opting out (TD)."""
        delivered = list(
            Send.objects.filter(campaign=campaign, channel=SMS, status=SendStatus.DELIVERED)
            .order_by("pk")
            .values_list("address", "delivered_at")
        )
        if not delivered:
            return
        count = min(len(delivered), max(1, round(len(delivered) * interested)) + opt_outs)
        chosen = rng.sample(delivered, count)
        items = [
            ReplyItem(
                provider_id=f"demo-{campaign.pk}-reply-{number}",
                mobile=mobile,
                text=OPT_OUTS[number % len(OPT_OUTS)]
                if number < opt_outs
                else rng.choice(INTERESTED),
                replied_at=at + datetime.timedelta(minutes=rng.randint(2, 240)),
            )
            for number, (mobile, at) in enumerate(chosen)
        ]
        replies_record(items)

    def _calls(self, rng, campaign: Campaign, start_day: datetime.date, *, limit=CALLS_MAX):
        """Part of the call list worked by the managers (their own login where they have
        one, the campaign's owner for them otherwise) over the campaign's first days."""
        entries = list(
            Send.objects.filter(campaign=campaign, channel=CALL, status=SendStatus.QUEUED)
            .select_related("assignee__user", "customer")
            .order_by("pk")
        )
        chosen = sorted(
            rng.sample(entries, min(limit, len(entries) * 35 // 100)), key=lambda s: s.pk
        )
        outcomes, weights = zip(*CALL_OUTCOMES, strict=True)
        interested = []
        for send in chosen:
            outcome = rng.choices(outcomes, weights)[0]
            day = start_day + datetime.timedelta(days=rng.randint(1, 10))
            user = send.assignee.user if send.assignee and send.assignee.user else self.owner
            call_log(
                send=send,
                outcome=outcome,
                note="",
                user=user,
                at=local(day, rng.randint(9, 16), rng.randint(0, 59)),
            )
            if outcome == CallOutcome.INTERESTED:
                interested.append((send, user, day))
        return interested

    def _gifts_given(self, campaign: Campaign, called) -> None:
        """A thermos for the customers whose call went well, handed over the next days."""
        for send, user, day in called[:GIFTS_MAX]:
            gift_give(
                gift=self.gifts["thermos"],
                customer=send.customer,
                quantity=1,
                user=user,
                campaign=campaign,
                given_on=day + datetime.timedelta(days=3),
                note="电话回访后面谈赠送",
            )

    def _sales(self, rng, campaign: Campaign, product: Product) -> int:
        """Purchases within the conversion window: CONTACT_CONVERSION of the contacted
        group, HOLDOUT_CONVERSION of the holdout, each backed by its suitability check."""
        recipients = list(
            Recipient.objects.filter(campaign=campaign)
            .select_related("customer__manager__user")
            .order_by("pk")
        )
        first_send = Send.objects.filter(campaign=campaign, sent_at__isnull=False).aggregate(
            at=Min("sent_at")
        )["at"]
        group_day = timezone.localdate(first_send or campaign.starts_at)
        permitted = permitted_levels()
        made = 0
        for group, share in (
            (RecipientGroup.CONTACT, CONTACT_CONVERSION),
            (RecipientGroup.HOLDOUT, HOLDOUT_CONVERSION),
        ):
            members = [r for r in recipients if r.group == group]
            # At least one buyer in a group that has members, so that both rates show; a
            # customer the product no longer suits on the day is passed over for the next.
            wanted = max(1, round(len(members) * share)) if members else 0
            bought = 0
            for recipient in rng.sample(members, len(members)):
                if bought >= wanted:
                    break
                start = (
                    timezone.localdate(recipient.contacted_at)
                    if recipient.contacted_at
                    else group_day
                )
                sold_on = min(
                    start + datetime.timedelta(days=rng.randint(1, campaign.conversion_days - 5)),
                    self.day,
                )
                amount = max(product.minimum_investment, Decimal(rng.randint(2, 40) * 5000))
                customer = recipient.customer
                verdict = check(
                    Profile.of(customer), product, permitted=permitted, today=sold_on, amount=amount
                )
                if not verdict.suitable:
                    continue
                manager = customer.manager
                actor = manager.user if manager and manager.user else self.owner
                purpose = (
                    CheckPurpose.RECOMMENDATION
                    if group == RecipientGroup.CONTACT
                    else CheckPurpose.CUSTOMER_REQUEST
                )
                record, _verdict = suitability_check_record(
                    customer=customer,
                    product=product,
                    actor=actor,
                    purpose=purpose,
                    amount=amount,
                    today=sold_on,
                )
                sale_record(
                    check=record,
                    amount=amount,
                    sold_on=sold_on,
                    channel=rng.choice(SaleChannel.values),
                    actor=actor,
                    staff=manager,
                    external_ref=f"DEMO-C{campaign.pk}-{recipient.pk}",
                )
                bought += 1
                made += 1
        return made

    # -- the running campaign --------------------------------------------------------------------

    def _running(self) -> Campaign | None:
        """A strategy-meeting invitation to the demo staff's customers (an uploaded list),
        started at the latest 10:00 that has passed: part of its SMS sent, the rest queued,
        its invitations and calls on the managers' lists, a few already logged."""
        staff = [s for s in (staff_for_user(user) for user in self.staff) if s is not None]
        numbers = list(
            Customer.objects.filter(manager__in=staff)
            .order_by("cust_no")
            .values_list("cust_no", flat=True)
        )
        if not numbers:
            return None
        rng = random.Random(self.seed + 1)
        now = timezone.localtime()
        start = local(now.date(), 10)
        if start > now:
            start -= datetime.timedelta(days=1)
        start_day = timezone.localdate(start)
        meeting = local(start_day + datetime.timedelta(days=10), 14, 30)
        campaign = self._plan(
            name=RUNNING,
            goal="邀请客户参加年度投资策略会，会后由客户经理回访资产配置需求。",
            starts_at=start,
            ends_on=start_day + datetime.timedelta(days=14),
            budget=Decimal("15000"),
            holdout_percent=Decimal("5.0"),
            channels={
                SMS: {"template": self.templates[MEETING_SMS]},
                EVENT: {
                    "event_name": "2027年度投资策略会",
                    "event_at": meeting,
                    "venue": "营业部三楼多功能厅",
                    "script": "确认客户是否出席，并登记同行人数。",
                },
                CALL: {"script": "会前电话提醒，了解客户关心的市场话题。"},
            },
        )
        rows = io.StringIO()
        writer = csv.writer(rows)
        writer.writerow(["客户号"])
        writer.writerows([number] for number in numbers)
        campaign_upload(
            campaign=campaign,
            file=ContentFile(rows.getvalue().encode("utf-8"), name="策略会邀约名单.csv"),
            user=self.owner,
        )
        campaign = campaign_submit(campaign=campaign, user=self.owner)
        campaign = campaign_approve(
            campaign=campaign,
            user=self.approver,
            now=start - datetime.timedelta(minutes=30),
            dispatch=False,
        )
        clock = SimClock(start)
        queued = Send.objects.filter(campaign=campaign, channel=SMS, status=SendStatus.QUEUED)
        # Each call with a deadline that has passed after its first batch sends one batch.
        size = max(1, min(settings.CAMPAIGN_BATCH_SIZE, int(settings.CAMPAIGN_SMS_RATE)))
        for _batch in range(max(1, round(queued.count() * RUNNING_SENT_SHARE / size))):
            channel_send(channel=SMS, now_fn=clock, sleep_fn=clock.sleep, deadline_seconds=1e-6)
        self._receipts(rng, campaign, delivered=0.85, failed=0.05)
        self._replies(rng, campaign, interested=0.02, opt_outs=0)
        for send in (
            Send.objects.filter(
                campaign=campaign, channel__in=(CALL, EVENT), status=SendStatus.QUEUED
            )
            .filter(assignee__user__in=self.staff)
            .select_related("assignee__user")
            .order_by("pk")[:6]
        ):
            outcome = (
                rng.choice((CallOutcome.INTERESTED, CallOutcome.CALL_BACK, CallOutcome.NO_ANSWER))
                if send.channel == CALL
                else rng.choice((CallOutcome.ACCEPTED, CallOutcome.DECLINED))
            )
            at = min(clock() + datetime.timedelta(minutes=rng.randint(20, 90)), timezone.now())
            call_log(send=send, outcome=outcome, note="", user=send.assignee.user, at=at)
        campaign.refresh_from_db()
        return campaign

    # -- awaiting approval, and a draft ----------------------------------------------------------

    def _pending(self, product: Product | None) -> Campaign:
        start_day = self.today + datetime.timedelta(days=7)
        campaign = self._plan(
            name=PENDING,
            goal="年末为高净值客户提供资产配置建议，推荐适配的稳健型基金。",
            product=product,
            targets=("高净值客户",),
            starts_at=local(start_day, 10),
            ends_on=start_day + datetime.timedelta(days=30),
            budget=Decimal("8000"),
            channels={
                SMS: {"template": self.templates[FUND_SMS]},
                EMAIL: {"template": self.templates[ALLOCATION_EMAIL]},
            },
        )
        if not campaign.targets.exists():
            return campaign  # neither a segment nor a product: it stays a draft
        return campaign_submit(campaign=campaign, user=self.owner)

    def _draft(self) -> Campaign:
        start_day = self.today + datetime.timedelta(days=30)
        return self._plan(
            name=DRAFT,
            goal="春节前向重点客户赠送财经日历，并邀请参加新春茶话会。",
            targets=("高净值久未联系",),
            starts_at=local(start_day, 10),
            ends_on=start_day + datetime.timedelta(days=20),
            budget=Decimal("20000"),
            channels={
                GIFT: {"gift": self.gifts["calendar"], "script": "当面赠送财经日历，拜年问候。"},
                EVENT: {
                    "event_name": "新春茶话会",
                    "event_at": local(start_day + datetime.timedelta(days=7), 15),
                    "venue": "营业部贵宾室",
                },
            },
        )

    # -- the summary -----------------------------------------------------------------------------

    def _report(self, finished: Campaign | None, running: Campaign | None, created: int) -> None:
        recipients = Recipient.objects.filter(campaign=finished)
        groups = _counts(recipients, "group")
        converted = _counts(recipients.filter(converted_at__isnull=False), "group")
        sms = _counts(Send.objects.filter(campaign=running, channel=SMS), "status")
        self.stdout.write(
            gettext(
                "Demo campaigns: %(created)s new; finished “%(finished)s”: %(contacted)s "
                "contacted (%(converted)s converted), %(holdout)s in the holdout "
                "(%(holdout_converted)s converted); running “%(running)s”: %(sent)s of "
                "%(messages)s messages sent, %(delivered)s delivered, %(queued)s queued."
            )
            % {
                "created": created,
                "finished": finished or "-",
                "contacted": groups.get(RecipientGroup.CONTACT, 0),
                "converted": converted.get(RecipientGroup.CONTACT, 0),
                "holdout": groups.get(RecipientGroup.HOLDOUT, 0),
                "holdout_converted": converted.get(RecipientGroup.HOLDOUT, 0),
                "running": running or "-",
                "sent": sum(
                    sms.get(s, 0)
                    for s in (SendStatus.SENT, SendStatus.DELIVERED, SendStatus.FAILED)
                ),
                "messages": sum(sms.values()),
                "delivered": sms.get(SendStatus.DELIVERED, 0),
                "queued": sms.get(SendStatus.QUEUED, 0),
            }
        )
