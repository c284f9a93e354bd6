"""The campaign pages (marketing/views/campaigns.py): the list, the plan's form, the campaign's
page with its actions and live progress, its recipients and their CSV, for each role of the
cast, each page scoped to what the viewer sees and bounded in queries."""

import datetime

import pytest
from django.utils import timezone

from crm.models import AuditEntry
from customers.models import Customer
from marketing.models import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    Gift,
    MessageTemplate,
    Segment,
    SegmentKind,
    Send,
    SendStatus,
)
from marketing.services.campaigns import campaign_target_add
from marketing.services.segments import membership_write
from tests.marketing.campaign_pages_data import campaign_make, cast_customers

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {**EN, "HTTP_HX_REQUEST": "true"}
ROLES = (
    "broker",
    "teammate",
    "team_lead",
    "manager",
    "branch_manager",
    "other_broker",
    "head_office",
    "admin",
)
PLANNERS = ("branch_manager", "head_office", "admin")


def get(client, staff, url, **headers):
    client.force_login(staff.user)
    return client.get(url, **{**EN, **headers})


def moment(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def plan(**changes) -> dict:
    starts = timezone.now() + datetime.timedelta(days=1)
    data = {
        "name": "春季稳健理财",
        "goal": "向稳健型客户推荐新产品",
        "starts_at": moment(starts),
        "ends_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "budget": "5000",
        "require_consent": "on",
        "exclude_other_campaigns": "on",
        "apply_frequency_cap": "on",
        "holdout_percent": "5",
        "conversion_days": "30",
        "inflow_threshold": "50000",
        "call_script": "您好，我是您的客户经理",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


# -- the list -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lists_the_campaigns_every_role_of_the_cast_sees(client, org, role):
    campaign = campaign_make(org, customers=cast_customers(org), name="全员活动")
    staff = getattr(org, role)
    response = get(client, staff, "/marketing/campaigns/")
    assert response.status_code == 200
    assert campaign.name in response.content.decode()
    assert ("New campaign" in response.content.decode()) == (role in PLANNERS)


def test_a_broker_does_not_see_a_campaign_without_a_customer_of_theirs(client, org):
    campaign_make(org, customers=[org.other_customer], name="上海活动", owner=org.head_office)
    body = get(client, org.broker, "/marketing/campaigns/").content.decode()
    assert "上海活动" not in body
    assert get(client, org.other_broker, "/marketing/campaigns/").status_code == 200
    assert "上海活动" in get(client, org.other_broker, "/marketing/campaigns/").content.decode()


def test_a_branch_manager_sees_company_wide_campaigns_and_not_other_branches(client, org):
    company = campaign_make(org, owner=org.head_office, name="全公司活动")
    other = campaign_make(org, owner=org.head_office, name="上海专属活动")
    other.branches.set([org.branch_b])
    body = get(client, org.branch_manager, "/marketing/campaigns/").content.decode()
    assert company.name in body
    assert other.name not in body
    assert get(client, org.branch_manager, f"/marketing/campaigns/{other.pk}/").status_code == 404


def test_it_filters_the_list_by_status_and_says_a_bad_status_is_not_valid(client, org):
    campaign_make(org, name="进行中", status=CampaignStatus.RUNNING)
    campaign_make(org, name="草稿中", status=CampaignStatus.DRAFT)
    body = get(client, org.head_office, "/marketing/campaigns/?status=draft").content.decode()
    assert "草稿中" in body and "进行中" not in body
    response = get(client, org.head_office, "/marketing/campaigns/?status=nonsense&page=x")
    assert response.status_code == 200
    assert "These filters are not valid" in response.content.decode()


def test_the_list_counts_the_sends_the_viewer_sees(client, org):
    campaign = campaign_make(org, customers=cast_customers(org), channels=(CampaignChannel.SMS,))
    response = get(client, org.broker, "/marketing/campaigns/")
    [(row, sends)] = response.context["rows"]
    assert row == campaign
    assert sends["total"] == 1
    response = get(client, org.head_office, "/marketing/campaigns/")
    assert response.context["rows"][0][1]["total"] == len(cast_customers(org))


def test_the_list_reads_a_bounded_number_of_queries(client, org, django_assert_max_num_queries):
    for number in range(12):
        campaign_make(org, customers=cast_customers(org), name=f"活动{number}")
    client.force_login(org.broker.user)
    with django_assert_max_num_queries(10):
        assert client.get("/marketing/campaigns/", **EN).status_code == 200


# -- the plan -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["broker", "team_lead", "manager"])
def test_it_refuses_the_new_campaign_page_to_who_does_not_plan(client, org, role):
    staff = getattr(org, role)
    assert get(client, staff, "/marketing/campaigns/new/").status_code == 403
    client.force_login(staff.user)
    assert client.post("/marketing/campaigns/new/", plan(), **EN).status_code == 403
    assert not Campaign.objects.exists()


def test_a_branch_manager_creates_a_draft_with_its_channels(client, org):
    sms = MessageTemplate.objects.create(name="春季短信", channel="sms", body="{name}您好")
    gift = Gift.objects.create(code="cup", name="保温杯", unit_cost="30", stock=10)
    client.force_login(org.branch_manager.user)
    data = plan(
        owner=org.branch_manager.pk,
        branches=org.branch_a.pk,
        sms_template=sms.pk,
        gift=gift.pk,
        event_name="客户答谢会",
        event_at=moment(timezone.now() + datetime.timedelta(days=7)),
        venue="杭州营业部",
    )
    response = client.post("/marketing/campaigns/new/", data, **EN)
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/marketing/campaigns/{campaign.pk}/"
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.owner == org.branch_manager
    assert list(campaign.branches.all()) == [org.branch_a]
    channels = dict(campaign.messages.values_list("channel", "pk"))
    assert set(channels) == {"sms", "call", "event", "gift"}
    assert CampaignMessage.objects.get(campaign=campaign, channel="sms").template == sms
    assert CampaignMessage.objects.get(campaign=campaign, channel="event").venue == "杭州营业部"


def test_a_branch_manager_is_offered_only_their_branch(client, org):
    response = get(client, org.branch_manager, "/marketing/campaigns/new/")
    form = response.context["form"]
    assert list(form.fields["branches"].queryset) == [org.branch_a]
    assert org.head_office not in form.fields["owner"].queryset
    assert form.initial["owner"] == org.branch_manager.pk


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"ends_on": "2020-01-01"}, "cannot end before"),
        ({"event_name": "答谢会"}, "An event needs its time."),
        ({"holdout_percent": "80"}, "less than or equal to 50"),
        ({"starts_at": "not a time"}, "Enter a valid date/time."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_values_are_said_as_messages_and_nothing_is_written(client, org, changes, said):
    client.force_login(org.head_office.user)
    response = client.post("/marketing/campaigns/new/", plan(**changes), **EN)
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert any(said in message for message in shown), shown
    assert not Campaign.objects.exists()


def test_a_name_already_taken_is_said_on_the_form(client, org):
    campaign_make(org, name="春季稳健理财")
    client.force_login(org.head_office.user)
    response = client.post("/marketing/campaigns/new/", plan(), **EN)
    assert response.status_code == 200
    assert Campaign.objects.count() == 1
    assert "already exists" in response.content.decode()


def test_editing_an_approved_campaign_warns_and_sends_it_back_for_approval(client, org):
    campaign = campaign_make(org, status=CampaignStatus.APPROVED)
    response = get(client, org.branch_manager, f"/marketing/campaigns/{campaign.pk}/edit/")
    assert response.status_code == 200
    assert "sends it back for approval" in response.content.decode()
    data = plan(name=campaign.name, owner=org.branch_manager.pk, budget="9000")
    response = client.post(f"/marketing/campaigns/{campaign.pk}/edit/", data, follow=True, **EN)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PENDING
    assert campaign.version == 2
    assert "waits for approval again" in response.content.decode()


def test_editing_the_channels_alone_raises_the_version(client, org):
    campaign = campaign_make(org, status=CampaignStatus.APPROVED, channels=(CampaignChannel.CALL,))
    client.force_login(org.head_office.user)
    form = get(client, org.head_office, f"/marketing/campaigns/{campaign.pk}/edit/").context["form"]
    data = {
        name: form[name].value() for name in form.fields if form[name].value() not in (None, "")
    }
    data.update(
        starts_at=moment(campaign.starts_at),
        ends_on=campaign.ends_on.isoformat(),
        owner=campaign.owner_id,
        call_script="新的话术",
        require_consent="on",
        exclude_other_campaigns="on",
        apply_frequency_cap="on",
    )
    data.pop("branches", None)
    starts_at = campaign.starts_at
    client.post(f"/marketing/campaigns/{campaign.pk}/edit/", data, **EN)
    campaign.refresh_from_db()
    assert campaign.starts_at == starts_at  # to the second: the plan itself did not change
    assert campaign.messages.get().script == "新的话术"
    assert campaign.version == 2
    assert campaign.status == CampaignStatus.PENDING


def test_a_branch_manager_may_not_edit_a_head_office_campaign(client, org):
    campaign = campaign_make(org, owner=org.head_office)
    assert (
        get(client, org.branch_manager, f"/marketing/campaigns/{campaign.pk}/edit/").status_code
        == 403
    )


# -- the campaign's page ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_campaign_page_opens_for_every_role_that_sees_it(client, org, role):
    campaign = campaign_make(org, customers=cast_customers(org))
    response = get(client, getattr(org, role), f"/marketing/campaigns/{campaign.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert campaign.goal in body
    assert f"/marketing/campaigns/{campaign.pk}/recipients/" in body


def test_only_planners_and_approvers_see_the_frozen_targeting(client, org):
    campaign = campaign_make(org, customers=cast_customers(org))
    head = get(client, org.head_office, f"/marketing/campaigns/{campaign.pk}/").content.decode()
    broker = get(client, org.broker, f"/marketing/campaigns/{campaign.pk}/").content.decode()
    assert "No marketing consent" in head
    assert "No marketing consent" not in broker


def test_the_approve_button_is_for_an_approver_who_did_not_create_it(client, org):
    campaign = campaign_make(org, status=CampaignStatus.PENDING, owner=org.head_office)
    page = f"/marketing/campaigns/{campaign.pk}/"
    assert "Approve version 1" not in get(client, org.head_office, page).content.decode()
    assert "Approve version 1" in get(client, org.admin, page).content.decode()
    assert "Approve version 1" not in get(client, org.branch_manager, page).content.decode()


def test_the_pause_button_is_for_the_campaigns_planners_only(client, org):
    campaign = campaign_make(org, customers=cast_customers(org))
    page = f"/marketing/campaigns/{campaign.pk}/"
    assert "Pause sending" in get(client, org.branch_manager, page).content.decode()
    assert "Pause sending" not in get(client, org.broker, page).content.decode()
    campaign.status = CampaignStatus.PAUSED
    campaign.save()
    body = get(client, org.head_office, page).content.decode()
    assert "Resume sending" in body and "Pause sending" not in body


def test_the_progress_fragment_counts_only_the_viewers_customers(client, org):
    campaign = campaign_make(org, customers=cast_customers(org), channels=(CampaignChannel.SMS,))
    Send.objects.filter(customer=org.broker_customer).update(status=SendStatus.DELIVERED)
    Send.objects.filter(customer=org.other_customer).update(status=SendStatus.FAILED)
    url = f"/marketing/campaigns/{campaign.pk}/progress/"
    broker = get(client, org.broker, url, HTTP_HX_REQUEST="true").context["progress"]
    assert (broker.total, broker.delivered, broker.failed, broker.remaining) == (1, 1, 0, 0)
    head = get(client, org.head_office, url, HTTP_HX_REQUEST="true").context["progress"]
    assert (head.total, head.delivered, head.failed, head.remaining) == (6, 1, 1, 4)
    assert head.gone_out == 1


def test_the_progress_polls_while_the_campaign_sends_and_stops_after(client, org):
    campaign = campaign_make(org, customers=cast_customers(org))
    url = f"/marketing/campaigns/{campaign.pk}/progress/"
    assert 'hx-trigger="every' in get(client, org.head_office, url).content.decode()
    assert (
        'hx-get="' + url in get(client, org.head_office, url[: -len("progress/")]).content.decode()
    )
    campaign.status = CampaignStatus.FINISHED
    campaign.save()
    assert 'hx-trigger="every' not in get(client, org.head_office, url).content.decode()
    # The page still polling learns that the campaign stopped: it reloads, and polls no more.
    assert get(client, org.head_office, url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"


def test_the_campaign_page_reads_a_bounded_number_of_queries(
    client, org, django_assert_max_num_queries
):
    campaign = campaign_make(
        org,
        customers=cast_customers(org),
        channels=(CampaignChannel.SMS, CampaignChannel.CALL, CampaignChannel.EVENT),
    )
    client.force_login(org.branch_manager.user)
    with django_assert_max_num_queries(14):
        assert client.get(f"/marketing/campaigns/{campaign.pk}/", **EN).status_code == 200


def test_an_unknown_campaign_is_a_404(client, org):
    assert get(client, org.head_office, "/marketing/campaigns/999999/").status_code == 404


# -- recipients ---------------------------------------------------------------------------------


def test_a_broker_sees_only_their_own_recipients(client, org):
    campaign = campaign_make(org, customers=cast_customers(org))
    response = get(client, org.broker, f"/marketing/campaigns/{campaign.pk}/recipients/")
    body = response.content.decode()
    assert org.broker_customer.cust_no in body
    assert org.teammate_customer.cust_no not in body
    assert response.context["paginator"].count == 1
    lead = get(client, org.team_lead, f"/marketing/campaigns/{campaign.pk}/recipients/")
    assert lead.context["paginator"].count == 3


def test_the_recipients_filter_by_group_and_send_status(client, org):
    campaign = campaign_make(
        org,
        customers=[org.broker_customer, org.teammate_customer],
        holdout=[org.lead_customer],
        channels=(CampaignChannel.SMS,),
    )
    Send.objects.filter(customer=org.teammate_customer).update(
        status=SendStatus.FAILED, reason="号码停机"
    )
    url = f"/marketing/campaigns/{campaign.pk}/recipients/"
    holdout = get(client, org.head_office, f"{url}?group=holdout").content.decode()
    assert org.lead_customer.cust_no in holdout and org.broker_customer.cust_no not in holdout
    failed = get(client, org.head_office, f"{url}?status=failed").content.decode()
    assert org.teammate_customer.cust_no in failed and org.broker_customer.cust_no not in failed
    assert "号码停机" in failed
    bad = get(client, org.head_office, f"{url}?status=nonsense&page=99")
    assert bad.status_code == 200
    assert "These filters are not valid" in bad.content.decode()


def test_the_recipients_page_reads_a_bounded_number_of_queries(
    client, org, django_assert_max_num_queries
):
    campaign = campaign_make(
        org, customers=cast_customers(org), channels=(CampaignChannel.SMS, CampaignChannel.CALL)
    )
    client.force_login(org.head_office.user)
    with django_assert_max_num_queries(10):
        response = client.get(f"/marketing/campaigns/{campaign.pk}/recipients/", **EN)
    assert response.status_code == 200
    assert response.context["paginator"].count == 6


def test_the_recipients_csv_is_scoped_safe_and_audited(client, org):
    org.broker_customer.name = "=HYPERLINK(1)"
    org.broker_customer.save()
    campaign = campaign_make(org, customers=cast_customers(org))
    response = get(client, org.broker, f"/marketing/campaigns/{campaign.pk}/recipients.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert len(lines) == 2
    assert "'=HYPERLINK(1)" in lines[1]
    assert org.teammate_customer.cust_no not in text
    entry = AuditEntry.objects.get(action="campaign.recipients_export")
    assert entry.actor == org.broker.user
    assert entry.details["rows"] == 1


def test_a_bad_filter_of_the_csv_is_a_plain_refusal(client, org):
    campaign = campaign_make(org, customers=cast_customers(org))
    url = f"/marketing/campaigns/{campaign.pk}/recipients.csv?group=nobody"
    response = get(client, org.head_office, url)
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="campaign.recipients_export").exists()


# -- navigation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_campaigns_in_the_navigation(client, org, role):
    body = get(client, getattr(org, role), "/marketing/campaigns/").content.decode()
    assert 'href="/marketing/campaigns/" aria-current="page">Campaigns</a>' in body
    assert 'href="/marketing/campaigns/calls/"' in body


# -- through the whole plan ---------------------------------------------------------------------


def test_a_planned_campaign_is_approved_and_its_page_follows_it(client, org, settings):
    """Created on the form, targeted, submitted and approved through the real pages: the
    page then shows the frozen targeting, the sends' progress and the calls on the lists."""
    settings.CAMPAIGN_QUIET_HOURS = "00:00-00:00"
    customers = Customer.objects.filter(pk__in=[org.broker_customer.pk, org.teammate_customer.pk])
    customers.update(marketing_consent=True)
    segment = Segment.objects.create(name="稳健客户", kind=SegmentKind.STATIC)
    membership_write(segment, customers, day=timezone.localdate())
    client.force_login(org.branch_manager.user)
    data = plan(owner=org.branch_manager.pk, holdout_percent="0", name="整体流程")
    client.post("/marketing/campaigns/new/", data, **EN)
    campaign = Campaign.objects.get()
    campaign_target_add(campaign=campaign, user=org.branch_manager.user, segment=segment)
    page = f"/marketing/campaigns/{campaign.pk}/"
    assert "Submit for approval" in client.get(page, **EN).content.decode()
    client.post(f"/marketing/campaigns/{campaign.pk}/submit/", **EN)
    client.force_login(org.head_office.user)
    assert "Approve version" in client.get(page, **EN).content.decode()
    client.post(f"/marketing/campaigns/{campaign.pk}/approve/", **EN)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.APPROVED
    response = client.get(page, **EN)
    assert response.context["progress"].total == 2
    assert response.context["funnel"][0].left == 2
    client.force_login(org.broker.user)
    calls = client.get("/marketing/campaigns/calls/", **EN)
    assert calls.context["paginator"].count == 1
    assert org.broker_customer.cust_no in calls.content.decode()
