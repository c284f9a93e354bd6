"""The project's admin site (crm/admin_site.py): a row id no database integer can hold,
posted to a changelist, is a 400 on both databases instead of SQLite's OverflowError."""

import pytest

from customers.models import ServiceRequestType
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/customers/servicerequesttype/"


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("row_id", [str(2**63), str(-(2**63) - 1), "9" * 40])
def test_an_action_on_a_row_id_out_of_range_is_refused(root, row_id):
    response = root.post(URL, {"action": "delete_selected", "_selected_action": [row_id]})
    assert response.status_code == 400


def test_a_list_edit_of_a_row_id_out_of_range_is_refused(root):
    kind = ServiceRequestType.objects.create(code="kept", name="kept", sla_hours=4)
    form = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(2**63),
        "form-0-sla_hours": "8",
        "_save": "Save",
    }
    assert root.post(URL, form).status_code == 400
    kind.refresh_from_db()
    assert kind.sla_hours == 4


def test_an_action_on_ordinary_ids_still_runs(root):
    kind = ServiceRequestType.objects.create(code="gone", name="gone", sla_hours=4)
    response = root.post(
        URL, {"action": "delete_selected", "_selected_action": [str(kind.pk)], "post": "yes"}
    )
    assert response.status_code == 302
    assert not ServiceRequestType.objects.filter(pk=kind.pk).exists()
