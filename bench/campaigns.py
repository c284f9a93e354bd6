"""Benchmark of campaigns on PostgreSQL: targeting with every exclusion, sending to the
stand-in SMS gateway through real Celery workers (one killed mid-send), and the campaign
page while it sends.

Generates two business days of counter exports for 100,000 customers, loads them and
computes their metrics, then adds what the exclusions read (opt-outs, recent contacts, two
other running campaigns whose messages reached part of the customers this week) and a
segment of every customer. Measures: the targeting funnel and the approval (recipients,
holdout, sends) of a product campaign over the segment; a second campaign sent at the
configured rate by a worker that is killed with SIGKILL part-way and a second worker that
finishes (zero duplicates and zero losses at the gateway); the campaign page and its
progress fragment timed while the workers send. bench/README.md explains every figure.

    .venv/bin/python bench/campaigns.py [--quick] [--keep] [--reset] [--requests N]
"""

from __future__ import annotations

import datetime
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal

from common import (
    DATASET_SECONDS,
    OUT,
    ROOT,
    clients_for,
    database_prepare,
    dataset_counts,
    dataset_sizes,
    days_prepare,
    django_setup,
    get,
    login,
    metrics_days,
    options,
    report,
    rounded,
    say,
    say_targets,
    scratch,
    sizes_for,
    static_prepare,
    stats,
    vacuum_analyze,
)

STATIC_ROOT = OUT / "campaigns-static"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_campaigns"
QUICK_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_campaigns_quick"
# The workers' broker: a Redis database of the benchmark's own.
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/9")
FULL = {"customers": 100_000, "days": 2, "trades_per_day": 60_000, "sends": 12_000,
        "requests": 40}  # fmt: skip
QUICK = {"customers": 3_000, "days": 2, "trades_per_day": 4_000, "sends": 600, "requests": 10}
START = datetime.date(2026, 11, 26)  # a Thursday: two business days
SEED = 41
RATE = 200.0  # messages per second the SMS channel is configured to send
KILL_AT = 0.4  # the share of the campaign sent when the first worker is killed
OPTED_OUT_SHARE = 0.02
CONTACTED_SHARE = 0.05
OTHER_CAMPAIGN_SHARE = 0.10  # each of the two other running campaigns reaches this share
GATEWAY_SECRET = "bench-campaigns-secret"  # noqa: S105 -- the stand-in's, on 127.0.0.1
PREFIX = "bench-campaign"
WARMUP = 3
TARGETS = {
    "targeting_seconds_max": 10,
    "send_rate_min": RATE * 0.9,
    "duplicates_max": 0,
    "losses_max": 0,
    "campaign_page_p95_ms_max": 300,
}
LOGINS = {"planner": "bench-campaigns-planner", "head": "bench-campaigns-head"}


def main() -> int:
    args = _parse_args()
    os.environ.setdefault("CELERY_BROKER_URL", BROKER_URL)
    os.environ.setdefault("CAMPAIGN_QUIET_HOURS", "")  # the benchmark may run at night
    django_setup(
        "campaigns.py",
        QUICK_DATABASE_URL if args.quick else DEFAULT_DATABASE_URL,
        "targeting, sending and the campaign page",
        refuse_debug=True,
    )
    sizes = sizes_for(args, full=FULL, quick=QUICK, requests=args.requests)
    created = database_prepare(reset=args.reset)
    out_dir = OUT / f"campaigns-c{sizes['customers']}-d{sizes['days']}-t{sizes['trades_per_day']}"
    with scratch(keep=args.keep, created=created, out_dir=out_dir, also=(STATIC_ROOT,)):
        dataset = _dataset(out_dir, sizes, quick=args.quick)
        users = _users()
        _clear()
        scene = _scene(users)
        dataset["vacuum_seconds"] = vacuum_analyze()
        static_prepare(STATIC_ROOT)
        targeting = _targeting(users, scene)
        sending = _sending(users, scene, sends=sizes["sends"], requests=sizes["requests"])
    figures = _figures(dataset, targeting, sending)
    met = _met(figures)
    say_targets(met, TARGETS)
    report(
        {
            "figures": figures,
            "targeting": targeting,
            "sending": sending,
            "sizes": {
                **dataset_sizes(dataset),
                "sends": sizes["sends"],
                "rate": RATE,
                "requests": sizes["requests"],
                "quick": args.quick,
            },
        },
        targets=TARGETS,
        met=met,
    )
    return 0


def _parse_args():
    parser = options(
        __doc__,
        "3,000 customers, 2 days, 600 messages",
        requests="timed requests of the campaign page and its fragment (default 40, quick 10)",
    )
    return parser.parse_args()


# -- the dataset and the scene -------------------------------------------------------------------


def _dataset(out_dir, sizes: dict, *, quick: bool) -> dict:
    from customers.selectors.lists import latest_business_day

    runs, timings = days_prepare(out_dir, sizes, seed=SEED, start_date=START)
    timings["metrics_seconds"] = None if runs is None else metrics_days(runs)
    return {**dataset_counts(latest_business_day(), quick=quick), **timings}


def _users() -> dict:
    from crm.models import Role

    return {
        "planner": login(LOGINS["planner"], Role.HEAD_OFFICE),
        "head": login(LOGINS["head"], Role.HEAD_OFFICE),
    }


def _clear() -> None:
    """What an earlier run on a kept database left: its campaigns, opt-outs, contacts."""
    from customers.models import Interaction, Task
    from marketing.models import Campaign, MarketingOptOut, Segment

    campaigns = Campaign.objects.filter(name__startswith=PREFIX)
    Task.objects.filter(
        source__in=[f"campaign:{pk}" for pk in campaigns.values_list("pk", flat=True)]
    ).delete()
    campaigns.delete()
    MarketingOptOut.objects.filter(proof__startswith=PREFIX).delete()
    Interaction.objects.filter(content__startswith=PREFIX).delete()
    Segment.objects.filter(name__startswith=PREFIX).delete()


def _scene(users: dict) -> dict:
    """A segment of every customer, an R3 fund on sale, a message template, opt-outs,
    recent contacts and two other running campaigns with this week's messages."""
    from django.db import connection
    from django.utils import timezone

    from crm.selectors import staff_for_user
    from customers.models import Customer, Interaction, InteractionChannel
    from marketing.models import (
        CampaignChannel,
        CampaignMessage,
        CampaignStatus,
        MarketingOptOut,
        MessageTemplate,
        OptOutSource,
        Recipient,
        RecipientGroup,
        Segment,
        SegmentKind,
        Send,
        SendStatus,
    )
    from marketing.services.campaigns import campaign_create
    from marketing.services.segments import membership_write
    from products.models import Product

    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    rng = random.Random(SEED)
    segment = Segment.objects.create(name=f"{PREFIX} everyone", kind=SegmentKind.STATIC)
    membership_write(segment, Customer.objects.all(), day=today)
    product, _ = Product.objects.update_or_create(
        code="BENCH-CAMPAIGN-R3",
        defaults={
            "name": "基准营销平衡基金",
            "kind": "public_fund",
            "risk_level": "R3",
            "horizon": "medium",
            "variety": "fund",
            "status": "on_sale",
            "minimum_investment": Decimal("1000"),
        },
    )
    template, _ = MessageTemplate.objects.update_or_create(
        name=f"{PREFIX} sms",
        defaults={
            "channel": CampaignChannel.SMS,
            "body": "{name}您好，{product}正在发售，详询您的客户经理{manager}。",
        },
    )
    MarketingOptOut.objects.bulk_create(
        MarketingOptOut(customer_id=pk, at=now, source=OptOutSource.REPLY, proof=f"{PREFIX} TD")
        for pk in rng.sample(ids, int(len(ids) * OPTED_OUT_SHARE))
    )
    planner = staff_for_user(users["planner"])
    Interaction.objects.bulk_create(
        Interaction(
            customer_id=pk,
            staff=planner,
            channel=InteractionChannel.PHONE,
            occurred_at=now - datetime.timedelta(days=rng.randint(1, 20)),
            content=f"{PREFIX} call",
        )
        for pk in rng.sample(ids, int(len(ids) * CONTACTED_SHARE))
    )
    others = []
    for number in (1, 2):
        other = campaign_create(
            user=users["planner"],
            name=f"{PREFIX} other {number}",
            goal="A running campaign the measured one excludes.",
            owner=planner,
            starts_at=now - datetime.timedelta(days=3),
            ends_on=today + datetime.timedelta(days=20),
        )
        Campaign = type(other)
        Campaign.objects.filter(pk=other.pk).update(status=CampaignStatus.RUNNING)
        CampaignMessage.objects.create(
            campaign=other, channel=CampaignChannel.SMS, template=template
        )
        reached = rng.sample(ids, int(len(ids) * OTHER_CAMPAIGN_SHARE))
        Recipient.objects.bulk_create(
            Recipient(campaign=other, customer_id=pk, group=RecipientGroup.CONTACT, added_at=now)
            for pk in reached
        )
        recipients = dict(Recipient.objects.filter(campaign=other).values_list("customer_id", "pk"))
        Send.objects.bulk_create(
            Send(
                campaign=other,
                recipient_id=recipients[pk],
                customer_id=pk,
                channel=CampaignChannel.SMS,
                address=f"bench-{number}-{pk}",
                status=SendStatus.DELIVERED,
                due_at=now - datetime.timedelta(days=2),
                sent_at=now - datetime.timedelta(days=2),
                segments=1,
            )
            for pk in reached
        )
        others.append(other.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    say(
        f"scene: {len(ids):,} customers in a segment, opt-outs, contacts, 2 campaigns:"
        f" {seconds:.1f}s"
    )
    return {"segment": segment, "product": product, "template": template, "others": others}


# -- targeting -----------------------------------------------------------------------------------


def _targeting(users: dict, scene: dict) -> dict:
    """The funnel of a product campaign over the segment of every customer with every
    exclusion on, twice (the second with a warm cache, as the target page reads it again),
    then its approval: the funnel frozen, the recipients and holdout written, the sends made."""
    from django.utils import timezone

    from crm.selectors import staff_for_user
    from marketing.models import CampaignChannel, CampaignMessage, CampaignTarget, TargetKind
    from marketing.services.campaigns import campaign_approve, campaign_create, campaign_submit
    from marketing.services.targeting import campaign_funnel

    now = timezone.now()
    campaign = campaign_create(
        user=users["planner"],
        name=f"{PREFIX} targeted",
        goal="Every exclusion over every customer.",
        owner=staff_for_user(users["planner"]),
        product=scene["product"],
        starts_at=now + datetime.timedelta(days=1),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        contact_window_days=30,
    )
    CampaignTarget.objects.create(
        campaign=campaign, kind=TargetKind.SEGMENT, segment=scene["segment"]
    )
    CampaignMessage.objects.create(
        campaign=campaign, channel=CampaignChannel.SMS, template=scene["template"]
    )
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        funnel = campaign_funnel(campaign, now=now)
        timings.append(time.perf_counter() - started)
    steps = {step.code: step.count for step in funnel}
    say("funnel: " + ", ".join(f"{code} {count:,}" for code, count in steps.items()))
    say(f"funnel: {' / '.join(f'{t:.2f}' for t in timings)} s")
    campaign_submit(campaign=campaign, user=users["planner"])
    started = time.perf_counter()
    campaign_approve(campaign=campaign, user=users["head"], now=now)
    approve_seconds = time.perf_counter() - started
    recipients = campaign.recipients.values("group").order_by()
    groups = {row["group"]: 0 for row in recipients}
    for group in groups:
        groups[group] = campaign.recipients.filter(group=group).count()
    say(f"approval: {approve_seconds:.2f}s, recipients {groups}, sends {campaign.sends.count():,}")
    return {
        "funnel": steps,
        "funnel_seconds": [round(t, 3) for t in timings],
        "approve_seconds": round(approve_seconds, 3),
        "recipients": groups,
    }


# -- sending -------------------------------------------------------------------------------------


def _worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _sending(users: dict, scene: dict, *, sends: int, requests: int) -> dict:
    """A campaign of `sends` SMS to distinct mobiles sent by a real worker at RATE through
    the HTTP gateway backend to the stand-in gateway; the worker is killed (SIGKILL) once
    KILL_AT of it is sent, a second worker takes over; the campaign page and its progress
    fragment are timed meanwhile. Counts at the gateway prove no duplicate and no loss."""
    from django.db import connection
    from django.db.models import Max, Min
    from django.utils import timezone

    from crm.selectors import staff_for_user
    from customers.models import Customer
    from marketing.channels.standin import StandinGateway
    from marketing.models import (
        CampaignChannel,
        CampaignMessage,
        CampaignStatus,
        MarketingOptOut,
        Recipient,
        RecipientGroup,
        Send,
        SendStatus,
    )
    from marketing.services.campaigns import campaign_create
    from marketing.services.sending import sends_create
    from marketing.tasks_sending import campaign_dispatch

    gateway = StandinGateway(secret=GATEWAY_SECRET)
    gateway_url = gateway.start()
    now = timezone.now()
    campaign = campaign_create(
        user=users["planner"],
        name=f"{PREFIX} sent",
        goal="Sent at the configured rate across a killed worker.",
        owner=staff_for_user(users["planner"]),
        starts_at=now,
        ends_on=timezone.localdate() + datetime.timedelta(days=5),
        require_consent=False,
        apply_frequency_cap=False,
    )
    CampaignMessage.objects.create(
        campaign=campaign, channel=CampaignChannel.SMS, template=scene["template"]
    )
    # Customers who may be sent to (the opted-out would be skipped at claim time, rightly).
    ids = list(
        Customer.objects.exclude(pk__in=MarketingOptOut.objects.values("customer_id"))
        .order_by("pk")
        .values_list("pk", flat=True)[:sends]
    )
    # Distinct mobiles of the benchmark's own, so that the gateway's count per mobile is exact.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET mobile = '19' || lpad(id::text, 9, '0')"
            " WHERE id = ANY(%s)",
            [ids],
        )
    Recipient.objects.bulk_create(
        Recipient(campaign=campaign, customer_id=pk, group=RecipientGroup.CONTACT, added_at=now)
        for pk in ids
    )
    type(campaign).objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.APPROVED, approved_version=campaign.version
    )
    sends_create(campaign=campaign, now=now)
    total = Send.objects.filter(campaign=campaign).count()
    say(f"sending: {total:,} messages at {RATE:g}/s to {gateway_url}")

    env = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "CELERY_BROKER_URL": BROKER_URL,
        "CAMPAIGN_SMS_BACKEND": "marketing.channels.gateway.GatewayBackend",
        "SMS_GATEWAY_URL": gateway_url,
        "SMS_GATEWAY_ACCOUNT": gateway.account,
        "SMS_GATEWAY_SECRET": GATEWAY_SECRET,
        "CAMPAIGN_SMS_RATE": str(RATE),
        "CAMPAIGN_CLAIM_LEASE_SECONDS": "5",
        "CAMPAIGN_QUIET_HOURS": "",
    }
    log_path = OUT / "campaigns-workers.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    clients = clients_for({"planner": users["planner"]})
    client = clients["planner"]
    urls = [f"/marketing/campaigns/{campaign.pk}/", f"/marketing/campaigns/{campaign.pk}/progress/"]
    for url in urls * WARMUP:
        get(client, url)
    timings: dict[str, list[float]] = {url: [] for url in urls}
    sent = Send.objects.filter(
        campaign=campaign, status__in=(SendStatus.SENT, SendStatus.DELIVERED)
    )

    def time_pages(until) -> None:
        index = 0
        while not until():
            url = urls[index % 2]
            timings[url].append(get(client, url))
            index += 1
            time.sleep(0.05)

    with open(log_path, "w") as log:
        started = time.perf_counter()
        first = _worker(env, log)
        campaign_dispatch.delay()
        time_pages(lambda: sent.count() >= total * KILL_AT or first.poll() is not None)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        killed_at = sent.count()
        say(f"worker 1 killed (SIGKILL) with {killed_at:,} of {total:,} sent")
        second = _worker(env, log)
        deadline = time.perf_counter() + total / RATE * 3 + 120
        unfinished = Send.objects.filter(
            campaign=campaign, status__in=(SendStatus.QUEUED, SendStatus.CLAIMED)
        )
        while unfinished.exists() and time.perf_counter() < deadline:
            campaign_dispatch.delay()  # the beat's minute, sooner
            time_pages(lambda: True)
            for _ in range(20):
                if not unfinished.exists():
                    break
                timings[urls[1]].append(get(client, urls[1]))
                time.sleep(0.2)
        elapsed = time.perf_counter() - started
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            second.kill()
    gateway.stop()
    window = sent.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    per_mobile = gateway.accepted_per_mobile()
    duplicates = sum(count - 1 for count in per_mobile.values() if count > 1)
    # A loss: a message the gateway never took, or a send not recorded as sent.
    addresses = set(Send.objects.filter(campaign=campaign).values_list("address", flat=True))
    unsent = set(
        Send.objects.filter(campaign=campaign)
        .exclude(pk__in=sent.values("pk"))
        .values_list("address", flat=True)
    )
    losses = len((addresses - set(per_mobile)) | unsent)
    span = (window["last"] - window["first"]).total_seconds() if window["first"] else 0.0
    result = {
        "messages": total,
        "sent": sent.count(),
        "accepted_at_gateway": sum(per_mobile.values()),
        "duplicates": duplicates,
        "resubmissions_recognised": gateway.duplicate_submissions,
        "losses": losses,
        "killed_at_sent": killed_at,
        "elapsed_seconds": round(elapsed, 1),
        "send_span_seconds": round(span, 1),
        "worker1_rate": _rate(campaign, until=killed_at),
        "overall_rate": round(total / span, 1) if span else None,
        "pages": {url: {"requests": len(t), **stats(t)} for url, t in timings.items() if t},
    }
    say(
        f"sent {result['sent']:,}/{total:,}; gateway took {result['accepted_at_gateway']:,}"
        f" ({duplicates} duplicates, {losses} lost); worker 1 {result['worker1_rate']}/s;"
        f" overall {result['overall_rate']}/s over {span:.1f}s"
    )
    for url, page in result["pages"].items():
        say(
            f"{url:<40} n={page['requests']:>4}  p50 {page['p50_ms']:>7.1f}"
            f"  p95 {page['p95_ms']:>7.1f} ms"
        )
    return result


def _rate(campaign, *, until: int) -> float | None:
    """Messages per second of the first worker: its first `until` sends over their span."""
    from marketing.models import Send

    times = list(
        Send.objects.filter(campaign=campaign, sent_at__isnull=False)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)[:until]
    )
    if len(times) < 2:
        return None
    span = (times[-1] - times[0]).total_seconds()
    return round((len(times) - 1) / span, 1) if span else None


# -- the figures ---------------------------------------------------------------------------------


def _figures(dataset, targeting, sending) -> dict:
    pages = sending["pages"]
    figures = {
        "targeting_seconds": max(targeting["funnel_seconds"]),
        "approve_seconds": targeting["approve_seconds"],
        "eligible": targeting["recipients"],
        "send_rate": sending["worker1_rate"],
        "overall_rate": sending["overall_rate"],
        "duplicates": sending["duplicates"],
        "losses": sending["losses"],
        "campaign_page_p95_ms": max((page["p95_ms"] for page in pages.values()), default=None),
    }
    figures.update(rounded(dataset, DATASET_SECONDS))
    return figures


def _met(figures: dict) -> dict:
    page = figures["campaign_page_p95_ms"]
    return {
        "targeting_seconds_max": figures["targeting_seconds"] <= TARGETS["targeting_seconds_max"],
        "send_rate_min": figures["send_rate"] is not None
        and figures["send_rate"] >= TARGETS["send_rate_min"],
        "duplicates_max": figures["duplicates"] <= TARGETS["duplicates_max"],
        "losses_max": figures["losses"] <= TARGETS["losses_max"],
        "campaign_page_p95_ms_max": page is not None
        and page <= TARGETS["campaign_page_p95_ms_max"],
    }


if __name__ == "__main__":
    sys.exit(main())
