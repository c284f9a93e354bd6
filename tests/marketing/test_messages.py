"""Message templates (marketing/messages.py, marketing/forms/templates.py, the admin): merge
fields checked on save, rendering without attribute access, the SMS always signed and
ending with the opt-out wording, billed segments at their boundaries, and the values of
many sends read in a bounded number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from marketing import messages
from marketing.forms.templates import MessageTemplateForm
from marketing.models import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    MessageTemplate,
    Recipient,
    RecipientGroup,
    Send,
)
from tests.customers.factories import CustomerFactory
from tests.products.data import product_make

SIGNATURE = "【示范证券】"
OPT_OUT = "回复TD退订"


@pytest.fixture(autouse=True)
def _wording(settings):
    """The shipped wording, and English messages (the tests compare them)."""
    settings.CAMPAIGN_SMS_SIGNATURE = SIGNATURE
    settings.CAMPAIGN_OPT_OUT_TEXT = OPT_OUT
    with translation.override("en"):
        yield


def template_make(name="新品提醒", channel=CampaignChannel.SMS, body="{name}您好", **fields):
    return MessageTemplate.objects.create(name=name, channel=channel, body=body, **fields)


def campaign_make(owner, *, name="春季理财", product=None) -> Campaign:
    return Campaign.objects.create(
        name=name,
        goal="推广",
        product=product,
        owner=owner,
        starts_at=timezone.now(),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        created_by=owner.user,
    )


def sends_make(campaign, customers, channel=CampaignChannel.SMS) -> list[Send]:
    now = timezone.now()
    sends = []
    for customer in customers:
        recipient = Recipient.objects.create(
            campaign=campaign, customer=customer, group=RecipientGroup.CONTACT, added_at=now
        )
        sends.append(
            Send.objects.create(
                campaign=campaign,
                recipient=recipient,
                customer=customer,
                channel=channel,
                due_at=now,
            )
        )
    return sends


# -- checking merge fields ----------------------------------------------------------------------


def test_it_accepts_every_known_field_and_doubled_braces():
    text = "".join(f"{{{code}}}" for code in messages.MERGE_FIELDS) + " {{literal}}"
    assert messages.template_errors(text) == []


def test_it_names_an_unknown_field():
    assert messages.template_errors("{nmae}您好") == ["Unknown merge field {nmae}."]


@pytest.mark.parametrize(
    "field", ["{name.__class__}", "{name[0]}", "{name!r}", "{name:>20}", "{0}", "{}"]
)
def test_it_refuses_attribute_index_conversion_format_and_positional_fields(field):
    errors = messages.template_errors(f"您好{field}")
    assert len(errors) == 1
    assert field in errors[0]


@pytest.mark.parametrize("text", ["{name", "name}", "{name}}", "{{name}"])
def test_it_refuses_unbalanced_braces(text):
    assert messages.template_errors(text) != []


def test_rendering_refuses_an_attribute_access_and_reads_no_attribute():
    with pytest.raises(messages.TemplateError):
        messages.render("{name.__class__.__mro__}", {"name": "张三"})


def test_rendering_fills_fields_and_leaves_braces_in_values_alone():
    text = messages.render("{{ok}} {name}：{manager}", {"name": "{manager}", "manager": "李"})
    assert text == "{ok} {manager}：李"


# -- the SMS --------------------------------------------------------------------------------------


def test_an_sms_is_signed_and_ends_with_the_opt_out_wording():
    assert messages.sms_text("{name}您好", {"name": "张三"}) == f"{SIGNATURE}张三您好{OPT_OUT}"


def test_the_opt_out_wording_is_not_added_twice_when_the_body_ends_with_it():
    text = messages.sms_text(f"{{name}}您好，{OPT_OUT}  ", {"name": "张三"})
    assert text == f"{SIGNATURE}张三您好，{OPT_OUT}"
    assert text.count(OPT_OUT) == 1


def test_a_template_cannot_remove_the_opt_out_wording(settings):
    # A body that tries to end elsewhere, to be empty, or to hide the wording in a field.
    for body in ("", "   ", f"{OPT_OUT}之后还有字", "{name}"):
        text = messages.sms_text(body, {"name": OPT_OUT[:-1]})
        assert text.startswith(SIGNATURE)
        assert text.endswith(OPT_OUT), body
    settings.CAMPAIGN_OPT_OUT_TEXT = "Reply STOP to opt out"
    assert (
        messages.sms_text("Hi {name}", {"name": "Li"}) == f"{SIGNATURE}Hi Li Reply STOP to opt out"
    )


def test_the_signature_is_not_doubled_when_the_body_starts_with_it():
    assert messages.sms_text(f"{SIGNATURE}您好", {}) == f"{SIGNATURE}您好{OPT_OUT}"


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("中" * 70, 1),
        ("中" * 71, 2),
        ("中" * 134, 2),
        ("中" * 135, 3),
        ("a" * 69 + "中", 1),  # one Chinese character makes the whole SMS UCS-2
        ("a" * 70 + "中", 2),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 159 + "€", 2),  # an extension character takes two septets
        ("😀" * 35, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_it_counts_billed_segments(text, segments):
    assert messages.sms_segments(text) == segments


def test_the_segments_count_the_signature_and_the_wording():
    body = "中" * (70 - len(SIGNATURE) - len(OPT_OUT))
    assert messages.sms_segments(messages.sms_text(body, {})) == 1
    assert messages.sms_segments(messages.sms_text(body + "中", {})) == 2


# -- a campaign's message for a send --------------------------------------------------------------


@pytest.fixture
def campaign(org):
    product = product_make(code="WM01", risk="R2", name="稳健一号")
    return campaign_make(org.branch_manager, product=product)


def test_merge_values_fill_every_field_for_each_send(org, campaign):
    CampaignMessage.objects.create(
        campaign=campaign,
        channel=CampaignChannel.EVENT,
        event_name="投资策略会",
        event_at=timezone.make_aware(datetime.datetime(2026, 3, 5, 14, 30)),
        venue="杭州营业部三楼",
    )
    [send] = sends_make(campaign, [org.broker_customer])
    values = messages.merge_values([send])[send.pk]
    customer = org.broker_customer
    assert values == {
        "name": customer.name,
        "manager": org.broker.name,
        "branch": org.branch_a.name,
        "product": "稳健一号",
        "product_code": "WM01",
        "product_risk": "R2 medium-low risk",
        "event": "投资策略会",
        "event_time": "2026-03-05 14:30",
        "venue": "杭州营业部三楼",
        "cust_no_tail": customer.cust_no[-4:],
    }
    assert set(values) == set(messages.MERGE_FIELDS)


def test_merge_values_read_fifty_sends_in_two_queries(org, campaign):
    customers = [
        CustomerFactory(branch=org.branch_a, manager=org.broker if n % 2 else None)
        for n in range(50)
    ]
    sends = sends_make(campaign, customers)
    with CaptureQueriesContext(connection) as queries:
        values = messages.merge_values(Send.objects.filter(campaign=campaign))
    # The rows with their customers, managers, branches and products; the events.
    assert len(queries) == 2
    assert len(values) == 50
    assert values[sends[0].pk]["manager"] == ""
    assert values[sends[1].pk]["manager"] == org.broker.name
    with CaptureQueriesContext(connection) as queries:
        assert messages.merge_values(sends) == values
    assert len(queries) == 2


def test_render_send_signs_an_sms_and_counts_its_segments(org, campaign):
    template = template_make(body="{name}您好，{product}（{product_risk}）今日发售")
    message = CampaignMessage.objects.create(
        campaign=campaign, channel=CampaignChannel.SMS, template=template
    )
    [send] = sends_make(campaign, [org.broker_customer])
    subject, text, segments = messages.render_send(message, messages.merge_values([send])[send.pk])
    assert subject == ""
    name = org.broker_customer.name
    assert text == f"{SIGNATURE}{name}您好，稳健一号（R2 medium-low risk）今日发售{OPT_OUT}"
    assert segments == messages.sms_segments(text) == 1


def test_render_send_gives_an_email_its_subject_and_the_opt_out_footer(org, campaign):
    template = template_make(
        channel=CampaignChannel.EMAIL, subject="{name}，{product}来了", body="尊敬的{name}：\n新品"
    )
    message = CampaignMessage.objects.create(
        campaign=campaign, channel=CampaignChannel.EMAIL, template=template
    )
    [send] = sends_make(campaign, [org.broker_customer], channel=CampaignChannel.EMAIL)
    subject, text, segments = messages.render_send(message, messages.merge_values([send])[send.pk])
    name = org.broker_customer.name
    assert subject == f"{name}，稳健一号来了"
    assert text.startswith(f"尊敬的{name}：\n新品")
    assert text.rstrip().endswith(OPT_OUT)
    assert segments == 0


def test_render_send_sends_an_invitation_as_an_sms_with_its_event(org, campaign):
    template = template_make(body="{name}，诚邀参加{event}，{event_time}，{venue}")
    message = CampaignMessage.objects.create(
        campaign=campaign,
        channel=CampaignChannel.EVENT,
        template=template,
        event_name="策略会",
        event_at=timezone.make_aware(datetime.datetime(2026, 3, 5, 9, 0)),
        venue="三楼",
    )
    [send] = sends_make(campaign, [org.broker_customer], channel=CampaignChannel.EVENT)
    _subject, text, segments = messages.render_send(message, messages.merge_values([send])[send.pk])
    assert (
        text
        == f"{SIGNATURE}{org.broker_customer.name}，诚邀参加策略会，2026-03-05 09:00，三楼{OPT_OUT}"
    )
    assert segments == 1


def test_a_call_script_with_broken_braces_is_read_as_written(org, campaign):
    message = CampaignMessage.objects.create(
        campaign=campaign, channel=CampaignChannel.CALL, script="问候{name}，介绍{产品"
    )
    assert messages.render_send(message, {"name": "张三"}) == ("", "问候{name}，介绍{产品", 0)


# -- the form and the admin -----------------------------------------------------------------------


def form_data(**fields):
    return {"name": "提醒", "channel": CampaignChannel.SMS, "subject": "", "body": "您好", **fields}


def test_the_form_refuses_an_unknown_field_in_the_text_and_in_the_subject(db):
    form = MessageTemplateForm(data=form_data(body="{nmae}您好"))
    assert not form.is_valid()
    assert form.errors["body"] == ["Unknown merge field {nmae}."]
    form = MessageTemplateForm(
        data=form_data(channel=CampaignChannel.EMAIL, subject="{name.__class__}")
    )
    assert not form.is_valid()
    assert "{name.__class__}" in form.errors["subject"][0]
    assert not MessageTemplate.objects.exists()


def test_the_form_wants_a_subject_for_an_email_and_drops_one_from_an_sms(db):
    form = MessageTemplateForm(data=form_data(channel=CampaignChannel.EMAIL))
    assert not form.is_valid()
    assert "subject" in form.errors
    form = MessageTemplateForm(data=form_data(subject="主题"))
    assert form.is_valid(), form.errors
    assert form.save().subject == ""


def test_the_form_counts_the_sms_for_its_sample_customer(db):
    body = "中" * (70 - len(SIGNATURE) - len(OPT_OUT) - 2) + "{name}"
    form = MessageTemplateForm(data=form_data(body=body), sample={"name": "张三"})
    assert form.is_valid()
    assert form.sms_length() == (70, 1)
    form = MessageTemplateForm(data=form_data(body=body), sample={"name": "欧阳娜娜"})
    assert form.is_valid()
    assert form.sms_length() == (72, 2)


@pytest.fixture
def admin_site(client, org):
    user = org.admin.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_the_admin_refuses_an_unknown_field_on_save(admin_site, org):
    response = admin_site.post(
        "/admin/marketing/messagetemplate/add/",
        form_data(body="{nmae}您好"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Unknown merge field {nmae}." in response.content.decode()
    assert not MessageTemplate.objects.exists()
    response = admin_site.post(
        "/admin/marketing/messagetemplate/add/", form_data(body="{name}您好")
    )
    assert response.status_code == 302
    template = MessageTemplate.objects.get()
    assert template.created_by == org.admin.user
    # A change of its text in the admin sends the approved campaign using it back too.
    campaign = campaign_make(org.branch_manager)
    Campaign.objects.filter(pk=campaign.pk).update(status="approved", approved_version=1)
    CampaignMessage.objects.create(
        campaign=campaign, channel=CampaignChannel.SMS, template=template
    )
    response = admin_site.post(
        f"/admin/marketing/messagetemplate/{template.pk}/change/",
        form_data(body="{name}，新文案"),
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.status, campaign.version) == ("pending", 2)


def test_the_admin_shows_campaigns_and_opt_outs_read_only(admin_site, org):
    from marketing.models import MarketingOptOut, OptOutSource

    campaign = campaign_make(org.branch_manager)
    CampaignMessage.objects.create(campaign=campaign, channel=CampaignChannel.CALL, script="问候")
    opt_out = MarketingOptOut.objects.create(
        customer=org.broker_customer, at=timezone.now(), source=OptOutSource.REPLY, proof="TD"
    )
    for url in (
        "/admin/marketing/campaign/",
        f"/admin/marketing/campaign/{campaign.pk}/change/",
        "/admin/marketing/marketingoptout/",
        f"/admin/marketing/marketingoptout/{opt_out.pk}/change/",
    ):
        assert admin_site.get(url).status_code == 200, url
    response = admin_site.post(
        f"/admin/marketing/marketingoptout/{opt_out.pk}/change/", {"proof": "changed"}
    )
    assert response.status_code == 403
    assert admin_site.get("/admin/marketing/campaign/add/").status_code == 403
    opt_out.refresh_from_db()
    assert opt_out.proof == "TD"


def test_the_admin_refuses_a_branch_manager_a_template_head_offices_campaign_uses(client, org):
    from django.contrib.auth.models import Permission

    user = org.branch_manager.user
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="change_messagetemplate"))
    client.force_login(user)
    template = template_make()
    campaign = campaign_make(org.head_office, name="总部活动")
    Campaign.objects.filter(pk=campaign.pk).update(status="running", approved_version=1)
    CampaignMessage.objects.create(
        campaign=campaign, channel=CampaignChannel.SMS, template=template
    )
    response = client.post(
        f"/admin/marketing/messagetemplate/{template.pk}/change/",
        form_data(name=template.name, body="{name}，新"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "总部活动" in response.content.decode()
    template.refresh_from_db()
    campaign.refresh_from_db()
    assert template.body == "{name}您好"
    assert (campaign.status, campaign.version) == ("running", 1)
