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
        "delimiter": "|",
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
    assert "Unknown canonical column" in response.content.decode()
    assert not ImportProfile.objects.filter(name="vendor-x").exists()


def test_it_shows_import_runs_read_only(admin_client):
    assert admin_client.get("/admin/customers/importrun/").status_code == 200
    assert admin_client.get("/admin/customers/importrun/add/").status_code == 403
