"""The message templates' pages (marketing/views/message_templates.py): for campaign planners
only, merge fields refused on save, and the preview of a sample customer in the viewer's
scope, never of anybody else's."""

import pytest

from crm.models import AuditEntry
from marketing.models import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    MessageTemplate,
)
from tests.marketing.test_messages import OPT_OUT, SIGNATURE, campaign_make, template_make
from tests.products.data import product_make

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LIST = "/marketing/templates/"
NEW = "/marketing/templates/new/"


@pytest.fixture(autouse=True)
def _wording(settings):
    settings.CAMPAIGN_SMS_SIGNATURE = SIGNATURE
    settings.CAMPAIGN_OPT_OUT_TEXT = OPT_OUT


@pytest.fixture
def planner(client, org):
    client.force_login(org.branch_manager.user)
    return client


@pytest.fixture
def template(db):
    return template_make(body="{name}您好，您的客户经理{manager}为您推荐{product}")


def preview(client, template, query=""):
    return client.get(f"/marketing/templates/{template.pk}/preview/{query}", **EN)


def test_a_broker_is_refused_every_template_page(client, org, template):
    client.force_login(org.broker.user)
    urls = [LIST, NEW, f"/marketing/templates/{template.pk}/edit/"]
    urls.append(f"/marketing/templates/{template.pk}/preview/?customer=A0001")
    for url in urls:
        assert client.get(url, **EN).status_code == 403, url
        assert client.post(url, {"name": "x", "channel": "sms", "body": "x"}).status_code in (
            403,
            405,
        ), url
    assert MessageTemplate.objects.get() == template
    assert template.name == MessageTemplate.objects.get().name


def test_the_list_shows_channel_segments_and_campaigns_in_a_bounded_number_of_queries(
    planner, org, template, django_assert_max_num_queries
):
    for number in range(3):
        campaign = campaign_make(org.branch_manager, name=f"活动{number}")
        CampaignMessage.objects.create(
            campaign=campaign, channel=CampaignChannel.SMS, template=template
        )
    template_make(name="长短信", body="中" * 80)
    template_make(name="邮件", channel=CampaignChannel.EMAIL, subject="主题", body="正文")
    with django_assert_max_num_queries(8):
        response = planner.get(LIST, **EN)
    assert response.status_code == 200
    rows = {row.name: (row, segments) for row, segments in response.context["rows"]}
    assert rows[template.name][0].used_by == 3
    assert rows[template.name][1] == 1
    assert rows["长短信"] == (rows["长短信"][0], 2)
    assert rows["长短信"][0].used_by == 0
    assert rows["邮件"][1] is None


def test_a_planner_creates_a_template_and_lands_on_its_preview(planner, org):
    response = planner.post(NEW, {"name": "开户礼", "channel": "sms", "body": "{name}您好"})
    created = MessageTemplate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/marketing/templates/{created.pk}/preview/"
    assert created.created_by == org.branch_manager.user


def test_an_unknown_field_is_refused_on_save_and_nothing_is_written(planner, template):
    response = planner.post(NEW, {"name": "错字", "channel": "sms", "body": "{nmae}您好"}, **EN)
    assert response.status_code == 200
    assert "Unknown merge field {nmae}." in response.content.decode()
    edit = f"/marketing/templates/{template.pk}/edit/"
    response = planner.post(
        edit, {"name": template.name, "channel": "sms", "body": "{name.__class__}"}, **EN
    )
    assert response.status_code == 200
    assert "{name.__class__}" in response.content.decode()
    assert MessageTemplate.objects.get().body == template.body


def test_the_edit_page_counts_the_sms_for_the_sample_customer(planner, org, template):
    response = planner.get(f"/marketing/templates/{template.pk}/edit/", **EN)
    assert response.status_code == 200
    characters, segments = response.context["form"].sms_length()
    assert segments == 1
    assert f"{characters} characters, 1 billed segment" in response.content.decode()


def test_the_preview_shows_the_first_customer_in_scope_signed_with_the_opt_out(
    planner, org, template, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = preview(planner, template)
    text = response.content.decode()
    assert response.status_code == 200
    customer = org.broker_customer  # A0001, the first number of branch A
    assert response.context["sample"].customer == customer
    rendered = response.context["preview"]["text"]
    assert rendered.startswith(f"{SIGNATURE}{customer.name}您好，您的客户经理{org.broker.name}")
    assert rendered.endswith(OPT_OUT)
    assert SIGNATURE in text and OPT_OUT in text
    assert f"{len(rendered)} characters, 1 billed segment" in text


def test_the_preview_fills_the_product_of_the_latest_campaign_using_the_template(
    planner, org, template
):
    campaign = campaign_make(org.branch_manager, product=product_make(code="WM9", name="稳健九号"))
    CampaignMessage.objects.create(
        campaign=campaign, channel=CampaignChannel.SMS, template=template
    )
    response = preview(planner, template, f"?customer={org.teammate_customer.cust_no}")
    assert "推荐稳健九号" in response.context["preview"]["text"]
    assert org.teammate_customer.name in response.content.decode()


def test_the_preview_of_a_customer_out_of_scope_is_a_message_and_none_of_theirs(
    planner, org, template
):
    outsider = org.other_customer  # branch B: not the branch manager's
    answered = preview(planner, template, f"?customer={outsider.cust_no}")
    unknown = preview(planner, template, "?customer=Z9999")
    assert answered.status_code == unknown.status_code == 200
    assert outsider.name not in answered.content.decode()
    assert org.broker_customer.name not in answered.content.decode()
    assert answered.context["sample"].customer is None
    assert "No customer numbered B0001 among the customers you see." in answered.content.decode()
    # The same answer as for a number nobody has: nothing tells that it exists.
    assert answered.context["sample"].problem.replace("B0001", "Z9999") == (
        unknown.context["sample"].problem
    )


def test_head_office_previews_any_customer(client, org, template):
    client.force_login(org.head_office.user)
    response = preview(client, template, f"?customer={org.other_customer.cust_no}")
    assert response.context["sample"].customer == org.other_customer
    assert org.other_customer.name in response.content.decode()


@pytest.mark.parametrize(
    "query", ["?customer=%00", "?customer=" + "9" * 1000, "?customer=%E2%80%AE😀", "?customer="]
)
def test_bad_input_to_the_preview_is_a_message_never_a_500(planner, template, query):
    response = preview(planner, template, query)
    assert response.status_code == 200


def test_a_broken_template_saved_behind_the_form_previews_as_its_errors(planner):
    broken = template_make(body="{nmae}")
    response = preview(planner, broken)
    assert response.status_code == 200
    assert "Unknown merge field {nmae}." in response.content.decode()


def test_an_email_preview_shows_subject_text_and_the_opt_out_footer(planner, org):
    email = template_make(
        name="月报", channel=CampaignChannel.EMAIL, subject="{name}的月报", body="尊敬的{name}："
    )
    response = preview(planner, email)
    shown = response.context["preview"]
    assert shown["subject"] == f"{org.broker_customer.name}的月报"
    assert shown["footer"] == OPT_OUT
    assert OPT_OUT in response.content.decode()


def test_a_template_that_does_not_exist_is_a_404(planner):
    assert planner.get("/marketing/templates/999999/preview/").status_code == 404
    assert planner.get("/marketing/templates/999999/edit/").status_code == 404


def test_a_new_text_sends_the_campaigns_using_it_back_for_approval(planner, org, template):
    approved = campaign_make(org.branch_manager, name="已批准")
    finished = campaign_make(org.branch_manager, name="已结束")
    Campaign.objects.filter(pk=approved.pk).update(
        status=CampaignStatus.APPROVED, approved_version=1
    )
    Campaign.objects.filter(pk=finished.pk).update(status=CampaignStatus.FINISHED)
    for campaign in (approved, finished):
        CampaignMessage.objects.create(
            campaign=campaign, channel=CampaignChannel.SMS, template=template
        )
    edit = f"/marketing/templates/{template.pk}/edit/"
    assert "已批准" in planner.get(edit, **EN).content.decode()
    # A new name changes nothing the campaigns send.
    planner.post(edit, {"name": "改名", "channel": "sms", "body": template.body})
    approved.refresh_from_db()
    assert (approved.status, approved.version) == (CampaignStatus.APPROVED, 1)
    response = planner.post(edit, {"name": "改名", "channel": "sms", "body": "{name}，新文案"})
    assert response.status_code == 302
    approved.refresh_from_db()
    finished.refresh_from_db()
    assert (approved.status, approved.version) == (CampaignStatus.PENDING, 2)
    assert not approved.is_approved
    assert (finished.status, finished.version) == (CampaignStatus.FINISHED, 1)
    assert AuditEntry.objects.filter(action="campaign.change").count() == 1


def running_for_head_office(org, template, name="总部活动"):
    """A running, approved campaign of head office's whose SMS uses the template."""
    campaign = campaign_make(org.head_office, name=name)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.RUNNING, approved_version=1
    )
    CampaignMessage.objects.create(
        campaign=campaign, channel=CampaignChannel.SMS, template=template
    )
    return campaign


def test_a_branch_manager_may_not_change_a_template_head_offices_running_campaign_uses(
    planner, org, template
):
    campaign = running_for_head_office(org, template)
    body = template.body
    edit = f"/marketing/templates/{template.pk}/edit/"
    response = planner.post(
        edit, {"name": template.name, "channel": "sms", "body": "{name}，新"}, **EN
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "总部活动" in page
    assert "new template" in page
    template.refresh_from_db()
    campaign.refresh_from_db()
    assert template.body == body
    assert (campaign.status, campaign.version) == (CampaignStatus.RUNNING, 1)
    assert campaign.is_approved
    assert not AuditEntry.objects.filter(action="campaign.change").exists()


def test_head_office_changing_that_template_sends_the_campaign_back_for_approval(
    client, org, template
):
    campaign = running_for_head_office(org, template)
    client.force_login(org.head_office.user)
    edit = f"/marketing/templates/{template.pk}/edit/"
    response = client.post(edit, {"name": template.name, "channel": "sms", "body": "{name}，新"})
    assert response.status_code == 302
    template.refresh_from_db()
    campaign.refresh_from_db()
    assert template.body == "{name}，新"
    assert (campaign.status, campaign.version) == (CampaignStatus.PENDING, 2)
