"""The segment rule editor: its htmx actions draw the inputs that fit each field's kind, keep
what was typed across re-renders, and its save (on the head-office page and in Django admin)
refuses what the engine refuses, with what and where, at the node; saving audits and
evaluates. Only head office and administrators may open it."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import AuditEntry
from customers.models import CustomerFigures
from marketing.forms.segment_editor import (
    EditorAction,
    draft_apply,
    draft_read,
    empty_rule,
    input_name,
)
from marketing.models import Segment, SegmentKind
from products.models import Security

pytestmark = pytest.mark.django_db

EDITOR = "/marketing/segments/editor/"
WORDS = "/marketing/segments/editor/words/"
NEW = "/marketing/segments/new/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en", "HTTP_HX_REQUEST": "true"}


@pytest.fixture
def head(client, org):
    client.force_login(org.head_office.user)
    return client


@pytest.fixture
def admin_client_(client, org):
    user = org.admin.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def condition(field="", op="", value=None, args=None, negated=False) -> dict:
    return {"field": field, "op": op, "value": value, "args": args or {}, "not": negated}


def group(*rules, combine="and", negated=False) -> dict:
    return {"group": combine, "not": negated, "rules": list(rules)}


def post(client, url, draft, **inputs):
    data = {"rule": json.dumps(draft), **inputs}
    return client.post(url, data, **EN)


def names(html: str) -> set[str]:
    return set(re.findall(r'name="([^"]+)"', html))


def input_tag(html: str, name: str) -> str:
    """The opening tag of the (last) input or select named `name`."""
    tags = re.findall(rf'<(?:input|select)[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert tags, f"no input {name}"
    return tags[-1]


def hidden_draft(html: str) -> dict:
    value = re.search(r'<input type="hidden" name="rule" value="([^"]*)"', html).group(1)
    return json.loads(value.replace("&quot;", '"').replace("&amp;", "&").replace("&#x27;", "'"))


# -- actions ------------------------------------------------------------------------------------


def test_it_adds_a_condition_a_group_and_a_segment_reference_to_the_root(head):
    html = post(head, EDITOR, empty_rule(), **{"rule:action": "add-condition r"}).content.decode()
    draft = hidden_draft(html)
    assert draft["rules"] == [condition()]
    html = post(head, EDITOR, draft, **{"rule:action": "add-group r"}).content.decode()
    draft = hidden_draft(html)
    assert draft["rules"][1]["group"] == "or"  # an OR inside the AND, ready for a condition
    assert draft["rules"][1]["rules"] == [condition()]
    html = post(head, EDITOR, draft, **{"rule:action": "add-segment r.1"}).content.decode()
    draft = hidden_draft(html)
    assert draft["rules"][1]["rules"][1] == {"segment": None, "not": False}
    assert input_name((1, 1), "segment") in names(html)
    assert input_name((1, 0), "field") in names(html)


def test_it_removes_a_node_but_never_the_whole_rule():
    draft = group(condition("age", "gte", "60"), group(condition("cash", "gt", "1")))
    removed = draft_apply(draft, EditorAction.parse("remove r.1"))
    assert removed["rules"] == [condition("age", "gte", "60")]
    assert draft_apply(draft, EditorAction.parse("remove r")) == draft
    assert EditorAction.parse("remove x.1") is None
    assert EditorAction.parse("explode r") is None


def test_it_answers_an_action_with_the_editor_and_a_rule_edited_trigger(head):
    response = post(head, EDITOR, empty_rule(), **{"rule:action": "add-condition r"})
    assert response.status_code == 200
    assert response["HX-Trigger-After-Settle"] == "rule-edited"
    assert 'id="segment-editor"' in response.content.decode()


# -- inputs by kind -----------------------------------------------------------------------------


def editor_for(client, node: dict) -> str:
    return post(client, EDITOR, group(node)).content.decode()


def test_a_decimal_field_offers_ordering_operators_and_a_number_input(head):
    html = editor_for(head, condition("total_assets", "gte", "500000"))
    tag = input_tag(html, input_name((0,), "value"))
    assert 'type="number"' in tag and 'step="any"' in tag and 'value="500000"' in tag
    operators = re.search(r'name="rule:r.0:op"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert "≥" in operators and "between" in operators and "contains" not in operators


def test_between_draws_two_inputs_and_a_date_field_date_inputs(head):
    html = editor_for(head, condition("open_date", "between", ["2020-01-01", "2020-12-31"]))
    low, high = input_tag(html, "rule:r.0:low"), input_tag(html, "rule:r.0:high")
    assert 'type="date"' in low and 'value="2020-01-01"' in low
    assert 'type="date"' in high and 'value="2020-12-31"' in high


def test_within_the_last_days_draws_a_days_input(head):
    html = editor_for(head, condition("risk_assessed_on", "last_days", "30"))
    tag = input_tag(html, "rule:r.0:value")
    assert 'type="number"' in tag and 'max="36600"' in tag and 'value="30"' in tag
    assert ">days<" in html


def test_a_choice_field_draws_a_select_and_one_of_a_multiple_select(head):
    html = editor_for(head, condition("risk_level", "eq", "C3"))
    select = re.search(r'<select[^>]*name="rule:r.0:value"[^>]*>(.*?)</select>', html, re.S)
    assert select and '<option value="C3" selected>' in select.group(1)
    html = editor_for(head, condition("risk_level", "in", ["C4", "C5"]))
    tag = input_tag(html, "rule:r.0:values")
    assert "multiple" in tag
    assert '<option value="C4" selected>' in html and '<option value="C5" selected>' in html


def test_one_of_on_a_free_text_field_is_a_comma_list(head):
    html = editor_for(head, condition("holds_security", "in", ["600519", "000001"]))
    assert 'value="600519, 000001"' in input_tag(html, "rule:r.0:value")


def test_a_boolean_field_offers_yes_and_no(head):
    html = editor_for(head, condition("marketing_consent", "eq", "true"))
    select = re.search(r'<select[^>]*name="rule:r.0:value"[^>]*>(.*?)</select>', html, re.S)
    assert '<option value="true" selected>yes</option>' in select.group(1)
    assert '<option value="false">no</option>' in select.group(1)


def test_a_window_field_asks_its_period_and_days_before_the_operator(head):
    html = editor_for(head, condition("net_inflow", "gte", "0", {"window": "days", "days": "30"}))
    window, days = html.index("rule:r.0:arg.window"), html.index("rule:r.0:arg.days")
    assert window < days < html.index("rule:r.0:op")
    html = editor_for(head, condition("net_inflow", "gte", "0", {"window": "month"}))
    assert "rule:r.0:arg.days" not in html  # this month needs no days


def test_a_holding_field_asks_its_security_and_an_industry_field_its_industry(head):
    Security.objects.create(market="SH", sec_code="600519", name="贵州茅台", industry="食品饮料")
    html = editor_for(head, condition("holding_value", "gt", "0", {"security": "600519"}))
    assert 'value="600519"' in input_tag(html, "rule:r.0:arg.security")
    html = editor_for(head, condition("industry_value", "gt", "0", {"industry": "食品饮料"}))
    assert '<option value="食品饮料" selected>' in html


def test_the_field_picker_is_grouped_by_section(head):
    html = editor_for(head, condition())
    assert '<optgroup label="Assets">' in html and '<optgroup label="Holdings">' in html
    assert "rule:r.0:op" not in html  # no operator before a field


# -- values survive -----------------------------------------------------------------------------


def test_typed_values_survive_an_action_elsewhere(head):
    draft = group(condition("total_assets", "gte", ""), condition("age", "gte", ""))
    inputs = {"rule:r.0:value": "500000", "rule:r.1:value": "60", "rule:action": "add-condition r"}
    html = post(head, EDITOR, draft, **inputs).content.decode()
    assert 'value="500000"' in input_tag(html, "rule:r.0:value")
    assert 'value="60"' in input_tag(html, "rule:r.1:value")
    assert hidden_draft(html)["rules"][0]["value"] == "500000"


def test_changing_the_field_to_one_of_the_same_kind_keeps_operator_and_value(head):
    draft = group(condition("total_assets", "gte", "500000"))
    html = post(head, EDITOR, draft, **{"rule:r.0:field": "cash"}).content.decode()
    node = hidden_draft(html)["rules"][0]
    assert node == condition("cash", "gte", "500000")
    html = post(head, EDITOR, draft, **{"rule:r.0:field": "risk_level"}).content.decode()
    node = hidden_draft(html)["rules"][0]
    assert node["field"] == "risk_level" and node["op"] == "eq" and node["value"] is None


def test_changing_the_operator_carries_the_value_into_the_new_shape(head):
    draft = group(condition("total_assets", "gte", "500000"))
    html = post(head, EDITOR, draft, **{"rule:r.0:op": "between"}).content.decode()
    assert hidden_draft(html)["rules"][0]["value"] == ["500000", ""]
    assert 'value="500000"' in input_tag(html, "rule:r.0:low")


def test_unticking_not_and_emptying_a_multiple_select_are_read_back():
    draft = group(condition("risk_level", "in", ["C4"], negated=True))

    class Post(dict):
        def getlist(self, key):
            value = self.get(key)
            return value if isinstance(value, list) else [] if value is None else [value]

    data = Post({"rule": json.dumps(draft), "rule:r.0:not": ["0"], "rule:r.0:values": [""]})
    node = draft_read(data)["rules"][0]
    assert node["not"] is False and node["value"] == []


# -- words --------------------------------------------------------------------------------------


def test_the_words_follow_the_draft_in_the_readers_language(head):
    draft = group(condition("total_assets", "gte", "500000"), condition("age", "gte", ""))
    html = post(head, WORDS, draft).content.decode()
    assert "total assets ≥ 500,000" in html
    assert "not complete yet" in html
    html = head.post(
        WORDS, {"rule": json.dumps(draft)}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "500,000" in html and "total assets" not in html


# -- saving -------------------------------------------------------------------------------------


def save(client, url, draft, name="高净值客户", **extra):
    data = {"name": name, "description": "", "active": "on", "rule": json.dumps(draft), **extra}
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def refused(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert "The rule cannot be saved yet" in html
    return html


def test_save_refuses_an_unknown_field_and_says_where(head):
    html = refused(
        save(head, NEW, group(condition("age", "gte", "1"), condition("shoe", "eq", "9")))
    )
    assert "rule 2: There is no field “shoe”." in html
    problems = re.search(r'id="rule-node-r-1".*?rule-node-problems[^>]*>(.*?)</ul>', html, re.S)
    assert "There is no field" in problems.group(1)
    assert not Segment.objects.exists()


def test_save_refuses_a_value_of_the_wrong_type_at_its_node(head):
    inner = group(condition("total_assets", "gte", "lots"), combine="or")
    html = refused(save(head, NEW, group(condition("age", "gte", "60"), inner)))
    assert "rule 2 › rule 1: total assets: Enter a number." in html
    node = re.search(r'id="rule-node-r-1-0".*?rule-node-problems[^>]*>(.*?)</ul>', html, re.S)
    assert "Enter a number." in node.group(1)


def test_save_refuses_an_empty_group(head):
    html = refused(save(head, NEW, group(condition("age", "gte", "60"), group())))
    assert "rule 2: This group is empty: add a rule or remove it." in html


def test_save_refuses_a_blank_condition_by_asking_for_a_field(head):
    html = refused(save(head, NEW, group(condition())))
    assert "rule 1: Choose a field." in html


def test_save_refuses_a_cycle_through_another_segment(head, org):
    a = Segment.objects.create(name="A", rule=group(condition("age", "gte", "60")))
    b = Segment.objects.create(name="B", rule=group({"segment": a.pk, "not": False}))
    url = reverse("marketing:segment-edit", args=[a.pk])
    html = refused(save(head, url, group({"segment": b.pk, "not": False}), name="A"))
    assert "rule 1: A segment cannot contain itself: A → B → A." in html
    a.refresh_from_db()
    assert a.rule == group(condition("age", "gte", "60"))


def test_save_on_the_page_stores_the_cleaned_rule_audits_and_evaluates(
    head, org, django_capture_on_commit_callbacks
):
    CustomerFigures.objects.create(
        customer=org.broker_customer, as_of="2026-03-02", cash=Decimal("900000"),
        market_value=0, liabilities=0, total_assets=Decimal("900000"),
        net_assets=Decimal("900000"), position_ratio=0,
    )  # fmt: skip
    draft = group(
        condition("total_assets", "gte", "500,000"),
        group(
            condition("risk_level", "in", ["C4", "C5"]),
            condition("status", "eq", "0"),
            combine="or",
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = save(head, NEW, draft)
    assert response.status_code == 302
    segment = Segment.objects.get(name="高净值客户")
    assert segment.kind == SegmentKind.DYNAMIC and segment.created_by == org.head_office.user
    assert segment.rule["rules"][0] == condition("total_assets", "gte", "500000")
    assert segment.rule["rules"][1]["group"] == "or"
    entry = AuditEntry.objects.get(action="segment.save")
    assert entry.object_id == str(segment.pk) and entry.details["created"] is True
    assert segment.evaluations.count() == 1
    assert list(segment.members.values_list("customer__cust_no", flat=True)) == ["A0001"]


def test_the_edit_page_shows_the_stored_rule_in_the_editor(head):
    segment = Segment.objects.create(name="老客户", rule=group(condition("age", "gte", 60)))
    html = head.get(reverse("marketing:segment-edit", args=[segment.pk]), **EN).content.decode()
    assert 'value="60"' in input_tag(html, "rule:r.0:value")
    assert 'id="segment-preview"' in html and 'name="preview_token"' in html


def test_a_static_segment_has_no_rule_to_edit_on_the_page(head):
    segment = Segment.objects.create(name="名单", kind=SegmentKind.STATIC)
    assert head.get(reverse("marketing:segment-edit", args=[segment.pk])).status_code == 404


def test_save_in_admin_validates_audits_and_evaluates(
    admin_client_, django_capture_on_commit_callbacks
):
    url = reverse("admin:marketing_segment_add")
    page = admin_client_.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="segment-editor"' in page and "htmx-2.min.js" in page
    html = refused(save(admin_client_, url, group(condition("total_assets", "gte", "x"))))
    assert "rule 1: total assets: Enter a number." in html
    with django_capture_on_commit_callbacks(execute=True):
        response = save(admin_client_, url, group(condition("total_assets", "gte", "1")), name="S")
    assert response.status_code == 302
    segment = Segment.objects.get(name="S")
    assert segment.rule["rules"][0]["value"] == "1"
    assert AuditEntry.objects.filter(action="segment.save", object_id=str(segment.pk)).exists()
    assert segment.evaluations.count() == 1
    change = reverse("admin:marketing_segment_change", args=[segment.pk])
    assert admin_client_.get(change).status_code == 200
    listing = admin_client_.get(reverse("admin:marketing_segment_changelist")).content.decode()
    assert ">S<" in listing


def test_a_static_segment_in_admin_has_no_rule(admin_client_):
    segment = Segment.objects.create(name="名单", kind=SegmentKind.STATIC)
    page = admin_client_.get(reverse("admin:marketing_segment_change", args=[segment.pk]))
    assert page.status_code == 200 and 'id="segment-editor"' not in page.content.decode()


# -- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["broker", "team_lead", "manager", "branch_manager"])
def test_only_head_office_and_administrators_open_the_editor(client, org, role):
    segment = Segment.objects.create(name="老客户", rule=group(condition("age", "gte", 60)))
    client.force_login(getattr(org, role).user)
    assert client.get(NEW).status_code == 403
    assert client.get(reverse("marketing:segment-edit", args=[segment.pk])).status_code == 403
    for url in (EDITOR, WORDS, "/marketing/segments/editor/preview/"):
        assert client.post(url, {"rule": json.dumps(empty_rule())}).status_code == 403
        assert client.get(url).status_code == 403
    assert save(client, NEW, group(condition("age", "gte", "1")), name="X").status_code == 403
    assert not Segment.objects.filter(name="X").exists()


@pytest.mark.parametrize("role", ["head_office", "admin"])
def test_head_office_and_administrators_open_it(client, org, role):
    client.force_login(getattr(org, role).user)
    assert client.get(NEW).status_code == 200


def test_a_draft_nested_past_any_editor_is_read_as_a_new_rule():
    for depth in (50, 100_000):  # one JSON reads, the other is deeper than Python's stack
        deep = '{"group": "and", "rules": [' * depth + "{}" + "]}" * depth
        assert draft_read({"rule": deep}) == empty_rule()


def test_save_lists_every_problem_at_once_an_unchosen_segment_among_them(head):
    draft = group(condition("total_assets", "gte", "x"), {"segment": None, "not": False})
    html = refused(save(head, NEW, draft))
    assert "rule 1: total assets: Enter a number." in html
    assert "rule 2: Choose a segment." in html
