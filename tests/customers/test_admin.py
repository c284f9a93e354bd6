import pytest

from customers.models import ImportProfile
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def profile_form(**changes) -> dict:
    data = {
        "name": "vendor-x",
        "description": "",
        "encoding": "gb18030",
        "delimiter": "pipe",
        "date_format": "YYYYMMDD",
        "thousands_separator": "",
        "aliases-TOTAL_FORMS": "1",
        "aliases-INITIAL_FORMS": "0",
        "aliases-0-file": "customers",
        "aliases-0-header": "客户编号",
        "aliases-0-column": "cust_no",
        "codes-TOTAL_FORMS": "1",
        "codes-INITIAL_FORMS": "0",
        "codes-0-file": "",
        "codes-0-column": "side",
        "codes-0-source": "买",
        "codes-0-target": "B",
    }
    data.update(changes)
    return data


def test_it_lets_an_admin_describe_a_new_counter_layout(admin_client):
    response = admin_client.post("/admin/customers/importprofile/add/", profile_form())
    assert response.status_code == 302
    profile = ImportProfile.objects.get(name="vendor-x")
    assert profile.aliases.get().column == "cust_no"
    assert profile.codes.get().target == "B"


def test_it_refuses_an_alias_for_a_column_the_file_does_not_have(admin_client):
    response = admin_client.post(
        "/admin/customers/importprofile/add/",
        profile_form(**{"aliases-0-column": "side"}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "customers.csv has no such column" in response.content.decode()
    assert not ImportProfile.objects.filter(name="vendor-x").exists()


def test_it_offers_each_canonical_column_once_as_a_choice_naming_its_files(admin_client):
    page = admin_client.get(
        "/admin/customers/importprofile/add/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert '<select name="aliases-0-column"' in page
    assert '<option value="serial_no">serial_no (trades, cash_flows)</option>' in page
    # Once per alias select: three blank rows and the template of an added row.
    assert page.count('<option value="name">') == 4
    assert '<option value="" selected>Every file</option>' in page


def test_a_saved_alias_shows_its_own_column_chosen(admin_client):
    profile = ImportProfile.objects.get(name="jz-gbk-example")
    page = admin_client.get(f"/admin/customers/importprofile/{profile.pk}/change/")
    alias = profile.aliases.get(file="cash_flows", header="发生金额")
    (form,) = [
        form
        for formset in page.context["inline_admin_formsets"]
        for form in formset.formset.forms
        if form.instance.pk == alias.pk
    ]
    assert 'value="amount" selected' in str(form["column"])
    assert 'value="cash_flows" selected' in str(form["file"])


@pytest.mark.parametrize(
    ("delimiter", "other", "character"),
    [
        ("comma", "", ","),
        ("tab", "", "\t"),
        ("semicolon", "", ";"),
        ("pipe", "", "|"),
        ("other", "~", "~"),
    ],
)
def test_it_saves_every_delimiter_choice_and_saves_it_again(
    admin_client, delimiter, other, character
):
    form = profile_form(delimiter=delimiter, other_delimiter=other)
    assert admin_client.post("/admin/customers/importprofile/add/", form).status_code == 302
    profile = ImportProfile.objects.get(name="vendor-x")
    assert profile.delimiter_character == character
    # Saved again in admin (with a code added), it keeps the delimiter.
    again = profile_form(
        delimiter=delimiter,
        other_delimiter=other,
        **{
            "aliases-INITIAL_FORMS": "1",
            "aliases-0-id": str(profile.aliases.get().pk),
            "aliases-0-profile": str(profile.pk),
            "codes-TOTAL_FORMS": "2",
            "codes-INITIAL_FORMS": "1",
            "codes-0-id": str(profile.codes.get().pk),
            "codes-0-profile": str(profile.pk),
            "codes-1-file": "trades",
            "codes-1-column": "channel",
            "codes-1-source": "网上",
            "codes-1-target": "internet",
        },
    )
    response = admin_client.post(f"/admin/customers/importprofile/{profile.pk}/change/", again)
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.delimiter_character == character
    assert profile.codes.count() == 2


def test_it_lists_the_delimiter_by_name(admin_client):
    admin_client.post("/admin/customers/importprofile/add/", profile_form(delimiter="tab"))
    page = admin_client.get("/admin/customers/importprofile/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<td class="field-delimiter_shown">Tab</td>' in page.content.decode()


@pytest.mark.parametrize("other", ["", "ab", " ", '"', "5"])
def test_it_refuses_another_delimiter_that_is_not_one_printable_character(admin_client, other):
    form = profile_form(delimiter="other", other_delimiter=other)
    response = admin_client.post("/admin/customers/importprofile/add/", form)
    assert response.status_code == 200
    assert not ImportProfile.objects.filter(name="vendor-x").exists()


def test_it_refuses_a_canonical_code_the_contract_does_not_allow(admin_client):
    response = admin_client.post(
        "/admin/customers/importprofile/add/",
        profile_form(**{"codes-0-target": "buy"}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "side takes one of: B, S, RS, IPO, DIV" in response.content.decode()
    assert not ImportProfile.objects.filter(name="vendor-x").exists()


def test_it_accepts_a_code_of_a_column_that_holds_in_every_file(admin_client):
    form = profile_form(
        **{"codes-0-column": "status", "codes-0-source": "正常", "codes-0-target": "0"}
    )
    assert admin_client.post("/admin/customers/importprofile/add/", form).status_code == 302


def test_making_a_profile_the_default_takes_the_mark_from_the_previous_default(admin_client):
    response = admin_client.post(
        "/admin/customers/importprofile/add/", profile_form(is_default="on")
    )
    assert response.status_code == 302
    assert ImportProfile.objects.get(is_default=True).name == "vendor-x"
    assert ImportProfile.objects.filter(is_default=True).count() == 1


def test_it_copies_a_profile_with_its_aliases_and_codes(admin_client):
    example = ImportProfile.objects.get(name="jz-gbk-example")
    response = admin_client.post(
        "/admin/customers/importprofile/",
        {"action": "copy_profiles", "_selected_action": [str(example.pk)]},
    )
    assert response.status_code == 302
    copy = ImportProfile.objects.get(name="jz-gbk-example-copy")
    assert not copy.is_default
    assert copy.encoding == example.encoding
    assert copy.aliases.count() == example.aliases.count() > 50
    assert copy.codes.count() == example.codes.count() > 30
    assert set(copy.codes.values_list("file", "column", "source", "target")) == set(
        example.codes.values_list("file", "column", "source", "target")
    )
    admin_client.post(
        "/admin/customers/importprofile/",
        {"action": "copy_profiles", "_selected_action": [str(example.pk)]},
    )
    assert ImportProfile.objects.filter(name="jz-gbk-example-copy-2").exists()


def test_it_shows_import_runs_read_only(admin_client):
    assert admin_client.get("/admin/customers/importrun/").status_code == 200
    assert admin_client.get("/admin/customers/importrun/add/").status_code == 403
