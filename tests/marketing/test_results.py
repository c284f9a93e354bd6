"""A campaign's evaluation (marketing/services/results.py) on a fixture whose figures are
worked out by hand below: reach, delivery, response, conversion and its attribution window,
the lift against the holdout with its interval, net inflow lift, cost per conversion, ROI."""

import datetime
import math
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.models import CustomerDay
from crm.scoping import scope_for_user
from customers.models import Customer
from marketing.models import (
    Campaign,
    CampaignExpense,
    CampaignStatus,
    Gift,
    GiftGiven,
    InboundReply,
    Recipient,
    RecipientGroup,
    Send,
    SendStatus,
)
from marketing.services.results import (
    campaign_conversions_mark,
    campaign_results,
    proportion_difference,
    t_quantile_975,
    welch_difference,
)
from products.models import (
    CheckPurpose,
    CheckResult,
    Product,
    ProductSale,
    SaleChannel,
    SuitabilityCheck,
)
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 2)
# The first send, 10:00 in Shanghai: every window of the fixture starts on START and ends on
# START + 30 days (2026-04-01), both included.
SENT_AT = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


def product_make(code: str = "RES-F1") -> Product:
    product, _ = Product.objects.get_or_create(
        code=code,
        defaults={
            "name": f"结果基金{code}",
            "kind": "public_fund",
            "risk_level": "R1",
            "horizon": "short",
            "variety": "fund",
            "status": "on_sale",
        },
    )
    return product


def sale_make(customer: Customer, product: Product, sold_on: datetime.date) -> ProductSale:
    check = SuitabilityCheck.objects.create(
        customer=customer,
        product=product,
        purpose=CheckPurpose.CUSTOMER_REQUEST,
        result=CheckResult.SUITABLE,
        product_risk=product.risk_level,
    )
    return ProductSale.objects.create(
        customer=customer,
        product=product,
        amount=Decimal("10000"),
        sold_on=sold_on,
        channel=SaleChannel.BRANCH,
        suitability_check=check,
    )


def metrics_make(customer: Customer, on: datetime.date, *, inflow=0, contribution=0) -> None:
    CustomerDay.objects.create(
        business_date=on,
        customer=customer,
        branch_id=customer.branch_id,
        manager_id=customer.manager_id,
        net_inflow=Decimal(inflow),
        contribution=Decimal(contribution),
    )


def campaign_make(org, *, name="开门红", product=None, budget=Decimal("1000")) -> Campaign:
    return Campaign.objects.create(
        name=name,
        goal="推广",
        product=product,
        owner=org.head_office,
        starts_at=SENT_AT,
        ends_on=day(14),
        budget=budget,
        status=CampaignStatus.RUNNING,
        conversion_days=30,
        inflow_threshold=Decimal("50000"),
        created_by=org.head_office.user,
    )


def recipient_make(campaign, customer, group, *, status=None, segments=2, sent_at=SENT_AT):
    recipient = Recipient.objects.create(
        campaign=campaign, customer=customer, group=group, added_at=SENT_AT
    )
    if status is not None:
        Send.objects.create(
            campaign=campaign,
            recipient=recipient,
            customer=customer,
            channel="sms",
            address=f"139{customer.pk:08d}",
            status=status,
            due_at=SENT_AT,
            sent_at=sent_at,
            segments=segments,
        )
    return recipient


def fixture_make(org, *, manager_of=lambda n: None):
    """40 contacted and 10 holdout, as the comments say; `manager_of(n)` serves customer n."""
    product = product_make()
    campaign = campaign_make(org, product=product)
    customers = [
        CustomerFactory(
            cust_no=f"R{n:04d}",
            branch=org.branch_a,
            manager=manager_of(n),
        )
        for n in range(50)
    ]
    contacted, holdout = customers[:40], customers[40:]
    # SMS to all 40: 0-31 delivered, 32-37 sent without a receipt yet, 38-39 failed (never
    # reached). Sent 40, delivered 32; reached 38; billed 38 x 2 segments = 76.
    for n, customer in enumerate(contacted):
        status = (
            SendStatus.DELIVERED if n < 32 else SendStatus.SENT if n < 38 else SendStatus.FAILED
        )
        recipient_make(campaign, customer, RecipientGroup.CONTACT, status=status)
    for customer in holdout:
        recipient_make(campaign, customer, RecipientGroup.HOLDOUT)
    # Replies: 0-4 answered (5 responses), 5 replied TD (an opt-out, no response).
    for n in range(6):
        send = Send.objects.get(customer=contacted[n])
        InboundReply.objects.create(
            provider_id=f"UP{n}",
            mobile=send.address,
            text="TD" if n == 5 else "好的",
            replied_at=SENT_AT,
            customer=contacted[n],
            send=send,
            opt_out=n == 5,
        )
    # Converted contacted (10): 0-5 bought the product within the window (5 on its last day),
    # 6-9 brought in 60,000 each (above the 50,000 threshold); each of the 10 contributed 150.
    for n in range(6):
        sale_make(contacted[n], product, day(30 if n == 5 else 5))
    for n in range(6, 10):
        metrics_make(contacted[n], day(3), inflow=60000)
    for n in range(10):
        metrics_make(contacted[n], day(4), contribution=150)
    # Not converted: 10 bought the product a day after the window; 11 brought in exactly
    # 50,000 (not above); 12 bought another product; 13 contributed 999 without converting.
    sale_make(contacted[10], product, day(31))
    metrics_make(contacted[11], day(3), inflow=50000)
    sale_make(contacted[12], product_make("RES-OTHER"), day(5))
    metrics_make(contacted[13], day(4), contribution=999)
    # Holdout: 40 bought on day 10 (converted), 41 on day 31 (not), 42 brought in 20,000.
    sale_make(holdout[0], product, day(10))
    sale_make(holdout[1], product, day(31))
    metrics_make(holdout[2], day(3), inflow=20000)
    # Costs: 76 segments x 0.05 = 3.80; two gifts at 50.00 = 100.00; a venue 396.20.
    gift = Gift.objects.create(code="tea", name="茶叶", unit_cost=Decimal("50.00"), stock=10)
    GiftGiven.objects.create(
        gift=gift,
        customer=contacted[0],
        campaign=campaign,
        quantity=2,
        unit_cost=Decimal("50.00"),
        given_on=day(1),
    )
    CampaignExpense.objects.create(
        campaign=campaign,
        kind="venue",
        amount=Decimal("396.20"),
        spent_on=day(1),
        recorded_by=org.head_office.user,
    )
    return campaign, contacted, holdout


@pytest.fixture
def settings_cost(settings):
    settings.CAMPAIGN_SMS_SEGMENT_COST = "0.05"
    return settings


def test_it_computes_every_figure_of_the_hand_worked_fixture(org, settings_cost):
    campaign, _contacted, _holdout = fixture_make(org)
    results = campaign_results(campaign, customers=Customer.objects.all(), today=day(40))
    # Reach 38 (40 less the two failed); delivery 32 / 40 = 0.8; response 5 / 38.
    assert results.reach == 38
    assert (results.sent, results.delivered, results.failed) == (40, 32, 2)
    assert results.delivery_rate == pytest.approx(0.8)
    assert results.response_rate == pytest.approx(5 / 38)
    # Conversion: contacted 10 / 40 = 0.25, holdout 1 / 10 = 0.1, lift 0.15, relative 1.5.
    assert (results.contacted.recipients, results.contacted.converted) == (40, 10)
    assert (results.holdout.recipients, results.holdout.converted) == (10, 1)
    assert results.conversion_rate == pytest.approx(0.25)
    assert results.holdout_conversion_rate == pytest.approx(0.1)
    assert results.lift == pytest.approx(0.15)
    assert results.relative_lift == pytest.approx(1.5)
    # SE = √(0.25·0.75/40 + 0.1·0.9/10) = √(0.0046875 + 0.009) = √0.0136875 = 0.1169936;
    # x 1.959964 = 0.2293034 → (0.15 - 0.2293034, 0.15 + 0.2293034) = (-0.0793034, 0.3793034).
    assert results.lift_interval.low == pytest.approx(-0.0793034, abs=1e-6)
    assert results.lift_interval.high == pytest.approx(0.3793034, abs=1e-6)
    # Net inflow per customer: contacted (4 x 60,000 + 50,000) / 40 = 7,250; holdout
    # 20,000 / 10 = 2,000; lift 5,250.
    assert results.contacted.inflow_per_customer == Decimal("7250.00")
    assert results.holdout.inflow_per_customer == Decimal("2000.00")
    assert results.inflow_lift == pytest.approx(5250)
    # Cost 3.80 + 100.00 + 396.20 = 500.00 against the budget of 1,000; per conversion
    # 500 / 10 = 50.00; ROI (10 x 150 - 500) / 500 = 2.0.
    assert results.cost.sms_segments == 76
    assert (results.cost.sms, results.cost.gifts, results.cost.expenses) == (
        Decimal("3.80"),
        Decimal("100.00"),
        Decimal("396.20"),
    )
    assert results.cost.total == Decimal("500.00")
    assert results.cost.remaining == Decimal("500.00")
    assert results.cost_per_conversion == Decimal("50.00")
    assert results.roi == pytest.approx(2.0)


def test_it_puts_welch_interval_on_the_inflow_lift(org, settings_cost):
    campaign, _c, _h = fixture_make(org)
    results = campaign_results(campaign, customers=Customer.objects.all(), today=day(40))
    # Contacted: Σx = 290,000, Σx² = 4 x 3.6e9 + 2.5e9 = 1.69e10, n = 40:
    #   s² = (1.69e10 - 40 x 7,250²) / 39 = 1.47975e10 / 39 = 379,423,076.92; s²/n = 9,485,576.92.
    # Holdout: Σx = 20,000, Σx² = 4e8, n = 10: s² = (4e8 - 10 x 2,000²) / 9 = 4e7; s²/n = 4e6.
    # SE = √13,485,576.92 = 3,672.27; df = 13,485,576.92² / (9,485,576.92²/39 + 4e6²/9)
    #    = 1.818608e14 / (2.307078e12 + 1.777778e12) = 44.52; t(0.975, 44.52) = 2.0145;
    # margin = 2.0145 x 3,672.27 = 7,397.8 → (-2,147.8, 12,647.8).
    interval = results.inflow_lift_interval
    assert interval.low == pytest.approx(-2147.8, abs=2)
    assert interval.high == pytest.approx(12647.8, abs=2)


def test_it_counts_the_holdout_by_the_same_window_from_the_first_send(org, settings_cost):
    campaign, contacted, holdout = fixture_make(org)
    # A later send does not move the holdout's start: the campaign's first send does.
    Send.objects.filter(customer=contacted[39]).update(sent_at=SENT_AT + datetime.timedelta(days=9))
    sale_make(holdout[3], campaign.product, day(30))  # the window's last day: counts
    sale_make(holdout[4], campaign.product, day(-1))  # before the campaign: does not
    results = campaign_results(campaign, customers=Customer.objects.all(), today=day(40))
    assert results.holdout.converted == 2


def test_it_watches_a_late_reached_recipient_from_the_group_day_like_the_holdout(
    org, settings_cost
):
    campaign, contacted, holdout = fixture_make(org)
    # Recipients 20-22 were reached on day 10, yet their window is the group's (day 0 …
    # day 30), the holdout's: 20's purchase on day 35 is outside it, 21's and 22's on day 2
    # (before their own contact) inside it. Contacted 10 + 2 = 12 of 40.
    Send.objects.filter(customer__in=contacted[20:23]).update(
        sent_at=SENT_AT + datetime.timedelta(days=10)
    )
    sale_make(contacted[20], campaign.product, day(35))
    sale_make(contacted[21], campaign.product, day(2))
    sale_make(contacted[22], campaign.product, day(2))
    # The holdout by the same window: 43 on day 2 counts, 44 on day 35 does not: 2 of 10.
    sale_make(holdout[3], campaign.product, day(2))
    sale_make(holdout[4], campaign.product, day(35))
    results = campaign_results(campaign, customers=Customer.objects.all(), today=day(50))
    assert (results.contacted.converted, results.holdout.converted) == (12, 2)
    # Lift 12/40 - 2/10 = 0.3 - 0.2 = 0.1.
    assert results.lift == pytest.approx(0.1)


def test_it_shows_a_viewer_the_results_of_their_own_customers_only(org, settings_cost):
    # Even-numbered customers are the broker's, the others the branch's customer manager's.
    campaign, _c, _h = fixture_make(
        org, manager_of=lambda n: org.broker if n % 2 == 0 else org.manager
    )
    mine = scope_for_user(org.broker.user, Customer.objects.all())
    results = campaign_results(campaign, customers=mine, today=day(40))
    # Contacted 0, 2, …, 38 (20): converted 0, 2, 4 (bought), 6, 8 (inflow) = 5.
    assert (results.contacted.recipients, results.contacted.converted) == (20, 5)
    # Holdout 40, 42, 44, 46, 48: 40 converted.
    assert (results.holdout.recipients, results.holdout.converted) == (5, 1)
    # Reach: 0-36 even (19) sent or delivered; 38 failed.
    assert results.reach == 19
    # Their customers' messages (19 billed x 2 segments) and gifts (customer 0's) only; the
    # venue and the budget are the whole campaign's.
    assert results.cost.whole is False
    assert results.cost.budget is None
    assert results.cost.expenses == Decimal("0.00")
    assert results.cost.sms == Decimal("1.90")
    assert results.cost.gifts == Decimal("100.00")


def test_it_marks_the_converted_recipients_once(org, settings_cost):
    _campaign, contacted, holdout = fixture_make(org)
    assert campaign_conversions_mark(today=day(40)) == 11
    converted = set(
        Recipient.objects.filter(converted_at__isnull=False).values_list("customer_id", flat=True)
    )
    assert converted == {c.pk for c in contacted[:10]} | {holdout[0].pk}
    assert campaign_conversions_mark(today=day(41)) == 0


def test_it_shows_nothing_started_before_any_send(org, settings_cost):
    campaign = campaign_make(org)
    recipient_make(campaign, CustomerFactory(branch=org.branch_a), RecipientGroup.CONTACT)
    results = campaign_results(campaign, customers=Customer.objects.all(), today=day(0))
    assert not results.started
    assert results.lift is None or results.holdout.recipients == 0
    assert results.roi is None


def test_it_computes_results_in_a_bounded_number_of_queries(
    org, settings_cost, django_assert_max_num_queries
):
    campaign, _c, _h = fixture_make(org)
    with django_assert_max_num_queries(7):
        campaign_results(campaign, customers=Customer.objects.all(), today=day(40))


def test_the_interval_formulas_match_their_textbook_values():
    difference, interval = proportion_difference(10, 40, 1, 10)
    assert difference == pytest.approx(0.15)
    assert interval.high - difference == pytest.approx(1.959964 * math.sqrt(0.0136875), rel=1e-6)
    # Student's t 97.5 % quantiles: 2.2281 (10 df), 2.0423 (30), 1.9840 (100).
    assert t_quantile_975(10) == pytest.approx(2.2281, abs=2e-3)
    assert t_quantile_975(30) == pytest.approx(2.0423, abs=1e-3)
    assert t_quantile_975(100) == pytest.approx(1.9840, abs=1e-4)
    assert welch_difference(10, 100, 1, 0, 0, 5)[1] is None  # one in a group: no interval
    assert proportion_difference(1, 0, 1, 10) is None


def test_its_charts_are_figures_plotly_validates(org, settings_cost):
    import plotly.graph_objects as go

    from marketing.charts_campaigns import (
        conversion_groups_figure,
        daily_sends_figure,
        results_funnel_figure,
    )

    campaign, _c, _h = fixture_make(org)
    results = campaign_results(campaign, customers=Customer.objects.all(), today=day(40))
    funnel = results_funnel_figure(results)
    assert funnel["data"][0]["x"] == [40, 38, 32, 5, 10]
    groups = conversion_groups_figure(results)
    assert groups["data"][0]["y"] == pytest.approx([25.0, 10.0])
    # The holdout's 1 / 10: 0.1 +- 1.96 x sqrt(0.1 x 0.9 / 10) = 0.1 +- 0.186, cut at 0.
    assert groups["data"][0]["error_y"]["arrayminus"][1] == pytest.approx(10.0)
    daily = daily_sends_figure([(START, 40, 0), (day(1), 0, 32)])
    for figure in (funnel, groups, daily):
        go.Figure(figure)  # raises on a property plotly does not know


def test_it_says_whether_every_conversion_window_has_closed(org, settings_cost):
    campaign, _c, _h = fixture_make(org)
    # Every window starts on the group day (day 0, the first send) and ends 30 days later,
    # however late the campaign sends (until day 14): closed from day 31.
    open_ = campaign_results(campaign, customers=Customer.objects.all(), today=day(30))
    closed = campaign_results(campaign, customers=Customer.objects.all(), today=day(31))
    assert (open_.windows_closed, closed.windows_closed) == (False, True)


@pytest.mark.parametrize(
    "df, quantile",
    [(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (10, 2.228), (30, 2.042)],
)
def test_the_t_quantile_is_exact_for_few_degrees_of_freedom(df, quantile):
    assert t_quantile_975(df) == pytest.approx(quantile, abs=1e-3)


def test_the_t_quantile_interpolates_between_whole_degrees_of_freedom():
    # Linear in 1/df between the table's whole degrees: 1.5 df lies (1 - 2/3) / (1 - 1/2) =
    # 2/3 of the way from 1 (12.706) to 2 (4.303): 12.706 - 2/3 x 8.403 = 7.104.
    assert t_quantile_975(1.5) == pytest.approx(7.104, abs=1e-3)
    # 2.25 df: (1/2 - 4/9) / (1/2 - 1/3) = 1/3 of the way from 4.303 to 3.182: 3.9293.
    assert t_quantile_975(2.25) == pytest.approx(3.9293, abs=1e-3)
    # Above 30 the expansion: 30.5 df lies between 2.0423 (30) and 2.0395 (31).
    assert 2.0395 < t_quantile_975(30.5) < 2.0423


@pytest.mark.parametrize("x1, x0", [(0, 0), (40, 10)])
def test_a_difference_of_two_proportions_at_0_or_100_percent_has_no_interval(x1, x0):
    difference, interval = proportion_difference(x1, 40, x0, 10)
    assert difference == 0
    assert interval is None


def test_an_inflow_difference_without_any_spread_has_no_interval():
    # Two in each group, every one at 100: a difference of 0 and nothing to say how sure.
    difference, interval = welch_difference(200, 20000, 2, 200, 20000, 2)
    assert (difference, interval) == (0, None)
