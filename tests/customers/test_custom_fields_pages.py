"""Custom fields on the pages: defined in the admin (key fixed, a change of kind refused or
converted with its report, retiring), shown and edited on the 360 page (htmx, errors in
place, roles, scope), filtering and sorting the customer list, and in its CSV export; and
the whole road at once."""

import csv
import io
import re
from urllib.parse import parse_qsl

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from crm.models import AuditEntry, Role
from customers.models import Customer, CustomField, CustomFieldKind, SavedView
from tests.crm.factories import UserFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/customers/customfield/add/"
LIST = "/customers/"
EXPORT = "/customers/export.csv"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TIERS = [{"value": "ab", "label": "Alpha"}, {"value": "abc", "label": "Alphabet"}]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def definition(**changes) -> dict:
    """The admin's add form, posted."""
    data = {
        "key": "visits",
        "label": "Visits",
        "kind": "integer",
        "applies_to": "",
        "group": "Service",
        "order": "1",
        "default": "",
        "min_value": "",
        "max_value": "",
        "pattern": "",
        "choices": "[]",
        "_save": "Save",
    }
    data.update(changes)
    return data


def field_make(key="visits", kind=CustomFieldKind.INTEGER, **attrs) -> CustomField:
    return CustomField.objects.create(key=key, label=key.title(), kind=kind, **attrs)


def edit(client, customer, user, **values):
    client.force_login(user)
    return client.post(f"/customers/{customer.cust_no}/custom-fields/", values, **HTMX)


def listed(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(LIST, params, **EN)
    assert response.status_code == 200
    return response.content.decode()


def exported(client, user, **params) -> list[list[str]]:
    client.force_login(user)
    response = client.get(EXPORT, params, **EN)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def set_values(field: CustomField, values: dict[Customer, object]) -> None:
    for customer, value in values.items():
        customer.custom_fields = {**customer.custom_fields, field.key: value}
        customer.save()


# -- the admin ----------------------------------------------------------------------------------


def test_it_lets_an_admin_define_a_field_without_a_migration(admin_client):
    response = admin_client.post(ADD, definition(min_value="0", max_value="100"), **EN)
    assert response.status_code == 302, response.content.decode()[:2000]
    field = CustomField.objects.get(key="visits")
    assert (field.kind, field.min_value, field.group) == ("integer", "0", "Service")


def test_it_refuses_a_definition_whose_rules_do_not_fit_its_kind(admin_client):
    response = admin_client.post(
        ADD,
        definition(key="level", kind="choice", choices='[{"value": "a"}, {"value": "a"}]'),
        **EN,
    )
    assert response.status_code == 200
    assert "Each choice&#x27;s value once." in response.content.decode()
    response = admin_client.post(ADD, definition(min_value="ten"), **EN)
    assert "Enter a whole number." in response.content.decode()
    response = admin_client.post(ADD, definition(default="500", max_value="100"), **EN)
    assert "Enter a value of at most 100." in response.content.decode()
    assert not CustomField.objects.exists()


def test_the_key_never_changes_once_saved(admin_client):
    field = field_make("visits")
    url = f"/admin/customers/customfield/{field.pk}/change/"
    response = admin_client.post(url, definition(key="other", label="Calls"), **EN)
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.key, field.label) == ("visits", "Calls")


def test_a_change_of_kind_is_refused_with_the_report_until_values_may_be_cleared(admin_client, org):
    field = field_make("score", CustomFieldKind.TEXT)
    set_values(field, {org.broker_customer: "12", org.teammate_customer: "abc"})
    url = f"/admin/customers/customfield/{field.pk}/change/"
    response = admin_client.post(url, definition(key="score", label="Score"), **EN)
    text = response.content.decode()
    assert response.status_code == 200
    assert "1 customers hold values this change cannot convert" in text
    assert "&quot;abc&quot; cannot be converted (Enter a whole number.) for 1 customers: A0002" in (
        text
    )
    assert "&quot;12&quot; becomes 12 for 1 customers: A0001" in text
    field.refresh_from_db()
    assert field.kind == CustomFieldKind.TEXT
    response = admin_client.post(
        url,
        definition(key="score", label="Score", clear_refused="on", convert_values="on"),
        **EN,
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.kind == CustomFieldKind.INTEGER
    assert Customer.objects.get(cust_no="A0001").custom_fields == {"score": 12}
    assert Customer.objects.get(cust_no="A0002").custom_fields == {}
    assert AuditEntry.objects.filter(action="custom_field.values_convert").count() == 1


def test_a_conversion_that_loses_nothing_still_asks_to_be_confirmed(admin_client, org):
    field = field_make("score", CustomFieldKind.TEXT)
    set_values(field, {org.broker_customer: "12"})
    url = f"/admin/customers/customfield/{field.pk}/change/"
    response = admin_client.post(url, definition(key="score", label="Score"), **EN)
    assert "1 customers&#x27; values will be converted. Tick the box to go on." in (
        response.content.decode()
    )
    response = admin_client.post(
        url, definition(key="score", label="Score", convert_values="on"), **EN
    )
    assert response.status_code == 302
    assert Customer.objects.get(cust_no="A0001").custom_fields == {"score": 12}


def test_a_field_with_values_is_retired_not_deleted(admin_client, org):
    field = field_make("visits")
    empty = field_make("unused")
    set_values(field, {org.broker_customer: 3})
    assert admin_client.get(f"/admin/customers/customfield/{field.pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/customers/customfield/{empty.pk}/delete/").status_code == 200
    response = admin_client.post(
        "/admin/customers/customfield/",
        {"action": "retire", "_selected_action": [field.pk]},
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.retired
    assert Customer.objects.get(pk=org.broker_customer.pk).custom_fields == {"visits": 3}


# -- the 360 page -------------------------------------------------------------------------------


def page(client, user, customer) -> str:
    client.force_login(user)
    response = client.get(f"/customers/{customer.cust_no}/", **EN)
    assert response.status_code == 200
    return response.content.decode()


def test_the_360_page_shows_the_fields_by_group_and_order_typed_and_retired_hidden(client, org):
    field_make("visits", group="Service", order=2)
    field_make("renewal", CustomFieldKind.DATE, group="Service", order=1)
    field_make("tier", CustomFieldKind.CHOICE, group="Profile", choices=TIERS)
    field_make("vip", CustomFieldKind.BOOLEAN, group="Profile", order=5)
    field_make("old", CustomFieldKind.TEXT, retired=True)
    field_make("board", CustomFieldKind.TEXT, applies_to="1")
    customer = org.broker_customer
    customer.custom_fields = {
        "visits": 12345,
        "renewal": "2026-03-01",
        "tier": "abc",
        "vip": False,
        "old": "kept but hidden",
        "board": "institutions only",
    }
    customer.save()
    text = page(client, org.broker.user, customer)
    panel = text[text.index('id="custom-fields-panel"') :]
    assert panel.index("<h3>Profile</h3>") < panel.index("<h3>Service</h3>")
    assert panel.index("Renewal") < panel.index("Visits")
    assert "12,345" in panel and "2026-03-01" in panel and "Alphabet" in panel
    assert "<dt>Vip</dt><dd>No</dd>" in panel
    assert "kept but hidden" not in text and "institutions only" not in text
    assert 'href="#custom-fields-panel"' in text


def test_the_360_page_has_no_custom_fields_panel_without_fields(client, org):
    field_make("old", retired=True)
    assert 'id="custom-fields-panel"' not in page(client, org.broker.user, org.broker_customer)


def test_it_saves_an_edit_and_answers_with_the_panel(client, org):
    field_make("visits")
    field_make("tags", CustomFieldKind.MULTI_CHOICE, choices=TIERS)
    response = edit(client, org.broker_customer, org.broker.user, visits="9", tags=["ab", "abc"])
    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith('<section class="card custom-fields-panel"')
    assert "Saved; the change was recorded in the audit log." in text
    assert "Alpha · Alphabet" in text
    customer = Customer.objects.get(pk=org.broker_customer.pk)
    assert customer.custom_fields == {"visits": 9, "tags": ["ab", "abc"]}
    entry = AuditEntry.objects.get(action="customer.custom_fields")
    assert entry.actor == org.broker.user and entry.object_id == str(customer.pk)


def test_it_shows_each_refused_value_beside_its_input_and_keeps_what_was_typed(client, org):
    field_make("visits", max_value="10")
    field_make("code", CustomFieldKind.TEXT, pattern=r"[A-Z]{2}", required=True)
    response = edit(client, org.broker_customer, org.broker.user, visits="11", code="x1")
    text = response.content.decode()
    assert response.status_code == 200
    assert '<div class="error" id="error-visits">' in text
    assert "Enter a value of at most 10." in text
    assert "Enter a value of the form [A-Z]{2}." in text
    assert 'value="11"' in text and '<details class="custom-fields-edit" open>' in text
    assert Customer.objects.get(pk=org.broker_customer.pk).custom_fields == {}


def test_it_offers_only_the_fields_the_users_role_may_edit(client, org):
    field_make("limit", edit_roles=[Role.BRANCH_MANAGER])
    field_make("visits")
    customer = org.broker_customer
    text = page(client, org.broker.user, customer)
    assert 'name="visits"' in text and 'name="limit"' not in text
    # A broker posting it anyway changes nothing of it.
    edit(client, customer, org.broker.user, limit="5", visits="1")
    assert Customer.objects.get(pk=customer.pk).custom_fields == {"visits": 1}
    assert 'name="limit"' in page(client, org.branch_manager.user, customer)
    edit(client, customer, org.branch_manager.user, limit="5", visits="1")
    assert Customer.objects.get(pk=customer.pk).custom_fields == {"visits": 1, "limit": 5}


def test_another_brokers_customer_is_a_404_and_nothing_is_written(client, org):
    field_make("visits")
    before = AuditEntry.objects.count()
    response = edit(client, org.other_customer, org.broker.user, visits="1")
    assert response.status_code == 404
    assert Customer.objects.get(pk=org.other_customer.pk).custom_fields == {}
    assert AuditEntry.objects.count() == before


def test_a_plain_post_redirects_to_the_customer_page_with_the_reasons(client, org):
    field_make("visits", max_value="10")
    client.force_login(org.broker.user)
    response = client.post(
        f"/customers/{org.broker_customer.cust_no}/custom-fields/", {"visits": "11"}, **EN
    )
    assert response.status_code == 302
    follow = client.get(response["Location"], **EN).content.decode()
    assert "Visits: Enter a value of at most 10." in follow


# -- the list and the export --------------------------------------------------------------------


@pytest.fixture
def valued(org):
    """Three of the broker's customers with every kind of value."""
    fields = {
        "visits": field_make("visits"),
        "income": field_make("income", CustomFieldKind.DECIMAL),
        "renewal": field_make("renewal", CustomFieldKind.DATE),
        "tier": field_make("tier", CustomFieldKind.CHOICE, choices=TIERS),
        "tags": field_make("tags", CustomFieldKind.MULTI_CHOICE, choices=TIERS),
        "vip": field_make("vip", CustomFieldKind.BOOLEAN),
        "note": field_make("note", CustomFieldKind.TEXT),
    }
    values = {
        "L9": {"visits": 9, "income": "9.5", "renewal": "2025-12-31", "tier": "ab",
               "tags": ["abc"], "vip": True, "note": "Likes bonds"},
        "L10": {"visits": 10, "income": "10", "renewal": "2026-01-02", "tier": "abc",
                "tags": ["ab"], "vip": False, "note": "bond ladder"},
        "L100": {"visits": 100, "income": "100.25", "renewal": "2026-11-30"},
    }  # fmt: skip
    for number, custom in values.items():
        CustomerFactory(
            cust_no=number, branch=org.branch_a, manager=org.broker, custom_fields=custom
        )
    return fields


def rows_shown(text: str) -> list[str]:
    """The customer numbers of the list's rows, in order."""
    return re.findall(r'<a href="/customers/([A-Z]\d+)/">', text)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cf_visits_min": "9", "cf_visits_max": "10"}, ["L10", "L9"]),
        ({"cf_visits_min": "10"}, ["L10", "L100"]),  # as text "9" > "10"
        ({"cf_income_min": "10"}, ["L10", "L100"]),
        ({"cf_income_max": "9.99"}, ["L9"]),
        ({"cf_renewal_min": "2026-01-01"}, ["L10", "L100"]),
        ({"cf_renewal_max": "2026-09-30"}, ["L10", "L9"]),  # as text "2026-11-30" > "2026-09-…"
        ({"cf_tier": "ab"}, ["L9"]),
        ({"cf_tags": "ab"}, ["L10"]),
        ({"cf_vip": "no"}, ["L10"]),
        ({"cf_vip": "yes"}, ["L9"]),
        ({"cf_note": "BOND"}, ["L10", "L9"]),
    ],
)
def test_it_filters_the_list_by_custom_fields_with_typed_comparisons(
    client, org, valued, params, expected
):
    assert sorted(rows_shown(listed(client, org.broker.user, **params))) == expected


def test_a_bad_filter_value_is_a_message_not_an_error(client, org, valued):
    text = listed(client, org.broker.user, cf_visits_min="lots", cf_renewal_max="2026-02-30")
    assert "Enter a whole number." in text
    assert "Enter a valid date." in text
    assert rows_shown(text) == []
    client.force_login(org.broker.user)
    assert client.get(EXPORT, {"cf_tier": "zz"}, **EN).status_code == 400


def test_it_adds_custom_fields_as_columns_sorted_by_their_type(client, org, valued):
    text = listed(client, org.broker.user, cols=["visits", "renewal"], sort="cf_visits")
    assert ">Visits</a>" in text and ">Renewal</a>" in text
    # As numbers (text would put 10 and 100 before 9); no value last either way.
    assert rows_shown(text) == ["L9", "L10", "L100", "A0001"]
    text = listed(client, org.broker.user, cols="visits,renewal", sort="-cf_renewal")
    assert rows_shown(text) == ["L100", "L10", "L9", "A0001"]
    assert "2026-11-30" in text


def test_the_custom_filters_and_columns_cost_no_query_beyond_the_definitions(client, org, valued):
    client.force_login(org.broker.user)
    client.get(LIST)  # the session and the user's records, read once
    with CaptureQueriesContext(connection) as plain:
        client.get(LIST)
    with CaptureQueriesContext(connection) as custom:
        response = client.get(
            LIST, {"cf_visits_min": "1", "cf_tags": "ab", "cols": "visits,tags,note"}
        )
    assert response.status_code == 200
    assert len(custom) == len(plain)
    definitions = [q for q in custom.captured_queries if "customers_customfield" in q["sql"]]
    assert len(definitions) == 1


def test_it_exports_every_live_custom_field_as_a_column(client, org, valued):
    field_make("old", CustomFieldKind.TEXT, retired=True)
    rows = exported(client, org.broker.user, cf_visits_min="10", sort="-cf_visits")
    header = rows[0]
    assert header[-7:] == ["Income", "Note", "Renewal", "Tags", "Tier", "Vip", "Visits"]
    assert "Old" not in header
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert [row[0] for row in rows[1:]] == ["L100", "L10"]
    assert by_number["L10"]["Visits"] == "10"
    assert by_number["L10"]["Income"] == "10"
    assert by_number["L10"]["Tags"] == "Alpha"
    assert by_number["L10"]["Vip"] == "No"
    assert by_number["L100"]["Tier"] == ""
    entry = AuditEntry.objects.get(action="customers.export")
    assert entry.details["filters"] == {"cf_visits_min": "10", "sort": "-cf_visits"}


def test_a_saved_view_keeps_the_custom_filters_and_columns(client, org, valued):
    client.force_login(org.broker.user)
    client.post(
        "/customers/views/save/",
        {"name": "Frequent", "query": "cf_visits_min=10&cols=visits&cols=note&bogus=1"},
    )
    view = SavedView.objects.get(name="Frequent")
    assert view.query == "cf_visits_min=10&cols=visits%2Cnote"
    restored = dict(parse_qsl(view.query))
    assert sorted(rows_shown(listed(client, org.broker.user, **restored))) == ["L10", "L100"]


# -- the whole road -----------------------------------------------------------------------------


def test_end_to_end_define_in_admin_edit_on_360_filter_the_list_and_export(client, org):
    # An administrator defines a field in the admin.
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post(
        ADD,
        definition(
            key="wealth_goal",
            label="Wealth goal",
            kind="decimal",
            group="Planning",
            min_value="0",
        ),
        **EN,
    )
    assert response.status_code == 302
    # The broker sets it on the 360 page for two customers (htmx, no reload).
    customer = org.broker_customer
    page_text = page(client, org.broker.user, customer)
    assert "Wealth goal" in page_text and 'name="wealth_goal"' in page_text
    response = edit(client, customer, org.broker.user, wealth_goal="1000000.50")
    assert "1000000.50" in response.content.decode()
    other = CustomerFactory(cust_no="A0099", branch=org.branch_a, manager=org.broker)
    edit(client, other, org.broker.user, wealth_goal="999999.99")
    refused = edit(client, other, org.broker.user, wealth_goal="-1")
    assert "Enter a value of at least 0." in refused.content.decode()
    # The list filters by it as a number, and shows it as a column.
    text = listed(client, org.broker.user, cf_wealth_goal_min="1000000", cols="wealth_goal")
    assert rows_shown(text) == ["A0001"]
    assert "1000000.50" in text
    # The export has it, filtered the same way, and audits the filter.
    rows = exported(client, org.broker.user, cf_wealth_goal_min="1000000")
    assert [row[0] for row in rows[1:]] == ["A0001"]
    assert rows[0][-1] == "Wealth goal" and rows[1][-1] == "1000000.50"
    assert AuditEntry.objects.filter(action="customer.custom_fields").count() == 2
    export_entry = AuditEntry.objects.get(action="customers.export")
    assert export_entry.details["filters"] == {"cf_wealth_goal_min": "1000000"}
