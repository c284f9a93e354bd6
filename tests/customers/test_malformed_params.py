"""Malformed query parameters and path segments answer a form error, a 400 or a 404, never a
500 (issue 11, defect 6): each reported case on its own, on every paged list."""

import pytest
from django.core.management import call_command
from django.test import Client

from crm.models import AuditEntry
from customers.models import ImportRun
from customers.services import counter_day_import
from tests.customers.counter_files import base_day, write_day

pytestmark = pytest.mark.django_db

HUGE_PAGE = str(2**63)


@pytest.fixture
def strict_client():
    """A client that re-raises an exception of the view instead of answering 500."""
    return Client(raise_request_exception=True)


@pytest.fixture
def metrics(tmp_path, org):
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    call_command("compute_metrics")
    return org


def get(client, user, url, params):
    client.force_login(user)
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize(
    "params",
    [{"age_min": "100000"}, {"age_max": "100000"}, {"no_trade_days": "100000000"}],
    ids=["age_min", "age_max", "no_trade_days"],
)
def test_it_answers_an_oversized_numeric_filter_with_the_fields_error(strict_client, org, params):
    response = get(strict_client, org.head_office.user, "/customers/", params)
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to" in response.content.decode()
    export = get(strict_client, org.head_office.user, "/customers/export.csv", params)
    assert export.status_code == 400


def test_it_still_filters_by_a_plausible_account_age_and_trade_gap(strict_client, org):
    response = get(
        strict_client, org.head_office.user, "/customers/", {"age_min": 200, "no_trade_days": 36500}
    )
    assert response.status_code == 200
    assert "Ensure this value" not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/customers/", "/customers/tasks/", "/customers/service-requests/", "/customers/imports/"],
)
@pytest.mark.parametrize("page", [HUGE_PAGE, str(10**8), "-1", "abc"])
def test_it_answers_any_page_number_of_a_paged_list_without_failing(strict_client, org, url, page):
    response = get(strict_client, org.head_office.user, url, {"page": page})
    assert response.status_code in (200, 404)


@pytest.mark.parametrize("per_page", [HUGE_PAGE, "0", "-1", str(10**8)])
def test_it_keeps_the_page_size_within_bounds(strict_client, org, per_page):
    response = get(strict_client, org.head_office.user, "/customers/", {"per_page": per_page})
    assert response.status_code == 200
    assert response.context["table"].paginator.per_page <= 100


def test_it_answers_a_huge_page_of_an_import_runs_rejects(strict_client, org):
    run = ImportRun.objects.create(business_date="2026-03-02", kind="day", status="ok")
    response = get(
        strict_client, org.head_office.user, f"/customers/imports/{run.pk}/", {"page": HUGE_PAGE}
    )
    assert response.status_code in (200, 404)


def test_it_answers_a_huge_page_of_the_dashboard_and_its_drill_down(strict_client, metrics):
    user = metrics.head_office.user
    for per_page in ("0", "-1", HUGE_PAGE):
        response = get(strict_client, user, "/dashboards/", {"per_page": per_page})
        assert response.status_code == 200
    assert get(strict_client, user, "/dashboards/", {"page": HUGE_PAGE}).status_code == 200
    drill = {"month": "2026-03-01", "top": "100", "page": HUGE_PAGE}
    assert get(strict_client, user, "/dashboards/customers/", drill).status_code in (200, 404)


@pytest.mark.parametrize("sort", ["\x00", "no_such_column", "-\x00", "name\x00"])
def test_it_ignores_an_unknown_or_nul_sort(strict_client, org, sort):
    response = get(strict_client, org.head_office.user, "/customers/", {"sort": sort})
    assert response.status_code == 200
    assert "sort=" not in response.context["export_url"]


def test_it_exports_with_a_nul_sort_and_audits_it_without_the_sort(strict_client, org):
    response = get(strict_client, org.head_office.user, "/customers/export.csv", {"sort": "\x00"})
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="customers.export")
    assert "sort" not in entry.details["filters"]


def test_it_keeps_a_valid_sort_in_the_exports_audit_entry(strict_client, org):
    get(strict_client, org.head_office.user, "/customers/export.csv", {"sort": "-total_assets"})
    entry = AuditEntry.objects.get(action="customers.export")
    assert entry.details["filters"] == {"sort": "-total_assets"}


@pytest.mark.parametrize("end", ["0001-01-01", "10000-01-01", "\x00"])
def test_the_dashboard_answers_a_date_out_of_bounds_with_the_fields_error(
    strict_client, metrics, end
):
    response = get(strict_client, metrics.head_office.user, "/dashboards/", {"end": end})
    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-03-01", "channel": "mobile", "since": "not-a-date"},
        {"month": "2026-03-01", "channel": "mobile", "since": "0001-01-01"},
        {"month": "0001-01-01", "channel": "mobile"},
        {"month": "2026-03-01", "top": str(2**63)},
        {"month": "2026-03-01", "top": "-5"},
        {"day": "0001-01-01", "figure": "inflow"},
        {"day": "2026-03-02\x00", "figure": "inflow"},
    ],
)
def test_the_drill_down_refuses_a_malformed_figure_with_a_404(strict_client, metrics, params):
    response = get(strict_client, metrics.head_office.user, "/dashboards/customers/", params)
    assert response.status_code == 404


def test_the_drill_down_still_follows_a_channel_slice_since_a_month(strict_client, metrics):
    params = {"month": "2026-03-01", "channel": "mobile", "since": "2026-01-01"}
    response = get(strict_client, metrics.head_office.user, "/dashboards/customers/", params)
    assert response.status_code == 200 and b"C001" in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/customers/%00/",
        "/customers/%00/reveal/",
        "/customers/%00/interactions/",
        "/customers/%00/service-requests/",
        "/customers/A0001%00/",
        "/customers/" + "A" * 33 + "/",
    ],
)
def test_a_customer_number_that_cannot_exist_is_a_404(strict_client, org, path):
    strict_client.force_login(org.head_office.user)
    posted = path.endswith(("reveal/", "interactions/", "service-requests/"))
    response = strict_client.post(path) if posted else strict_client.get(path)
    assert response.status_code == 404


def test_a_customer_number_as_the_import_keeps_it_still_opens_the_360_page(strict_client, org):
    strict_client.force_login(org.head_office.user)
    assert strict_client.get("/customers/A0001/").status_code == 200


@pytest.mark.parametrize("name", ["q", "holds"])
def test_it_answers_a_search_longer_than_any_name_with_the_fields_error(strict_client, org, name):
    # SQLite refuses a LIKE pattern of 50,000 bytes and more ("pattern too complex").
    params = {name: "x" * 100_000}
    response = get(strict_client, org.head_office.user, "/customers/", params)
    assert response.status_code == 200
    assert "Ensure this value has at most 100 characters" in response.content.decode()
    export = get(strict_client, org.head_office.user, "/customers/export.csv", params)
    assert export.status_code == 400
