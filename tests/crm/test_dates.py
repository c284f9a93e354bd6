"""The span of dates a person may enter (crm/dates.py), on the forms and filters that ask
for one: a date outside it gets a message, never a 500 and never a stored value."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.dates import DateWithinBounds

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.parametrize(
    "value",
    [datetime.date(1, 1, 1), datetime.date(1899, 12, 31), datetime.date(9999, 12, 31)],
)
def test_it_refuses_a_date_outside_the_span(value):
    with pytest.raises(ValidationError) as refused:
        DateWithinBounds(days_ahead=30)(value)
    assert refused.value.code == "date_out_of_bounds"


def test_it_takes_the_span_per_field_from_today():
    today = timezone.localdate()
    bounds = DateWithinBounds(days_ahead=30)
    bounds(datetime.date(1900, 1, 1))
    bounds(today + datetime.timedelta(days=30))
    with pytest.raises(ValidationError):
        bounds(today + datetime.timedelta(days=31))


def test_it_reads_a_datetime_by_its_local_day():
    bounds = DateWithinBounds(days_ahead=0)
    bounds(timezone.now())
    with pytest.raises(ValidationError):
        bounds(timezone.now() + datetime.timedelta(days=2))


@pytest.mark.django_db
@pytest.mark.parametrize("parameter", ["start", "end"])
def test_the_dashboard_says_so_for_a_date_out_of_the_span(client, org, parameter):
    client.force_login(org.branch_manager.user)
    response = client.get(f"/dashboards/?{parameter}=0001-01-01", **EN)
    assert response.status_code == 200
    assert "Enter a date between 1900-01-01 and" in response.content.decode()


@pytest.mark.django_db
def test_the_import_history_says_so_for_a_date_out_of_the_span(client, org):
    client.force_login(org.head_office.user)
    response = client.get("/customers/imports/?day_from=0001-01-01", **EN)
    assert response.status_code == 200
    assert "Enter a date between 1900-01-01 and" in response.content.decode()
