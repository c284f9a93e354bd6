"""The 360 page tells how long an account is open in whole years and months, punctuated as
each language does (issue 12, point 24): "2025-09-07 (1 year 2 months)" in English, with
full-width brackets and no spaces in Chinese."""

import datetime

import pytest
from django.utils import translation

from customers.templatetags.tenure import opened_with_tenure, tenure_text, whole_months

OPENED = datetime.date(2025, 9, 7)


@pytest.mark.parametrize(
    ("today", "months"),
    [
        (datetime.date(2026, 11, 7), 14),
        (datetime.date(2026, 11, 6), 13),
        (datetime.date(2025, 9, 7), 0),
        (datetime.date(2025, 9, 1), 0),
    ],
)
def test_it_counts_whole_months(today, months):
    assert whole_months(OPENED, today) == months


def test_it_reads_years_and_months_in_english():
    with translation.override("en"):
        assert opened_with_tenure(OPENED, datetime.date(2026, 11, 20)) == (
            "2025-09-07 (1 year 2 months)"
        )
        assert tenure_text(OPENED, datetime.date(2027, 10, 7)) == "2 years 1 month"
        assert tenure_text(OPENED, datetime.date(2026, 9, 7)) == "1 year"
        assert tenure_text(OPENED, datetime.date(2025, 12, 7)) == "3 months"
        assert tenure_text(OPENED, datetime.date(2025, 9, 20)) == "less than a month"


def test_it_reads_years_and_months_in_chinese_without_ascii_brackets():
    with translation.override("zh-hans"):
        assert opened_with_tenure(OPENED, datetime.date(2026, 11, 20)) == "2025-09-07（1年2个月）"
        assert tenure_text(OPENED, datetime.date(2025, 12, 7)) == "3个月"


@pytest.mark.django_db
def test_the_360_page_shows_the_tenure(client, org):
    customer = org.broker_customer
    client.force_login(org.broker.user)
    body = client.get(f"/customers/{customer.cust_no}/", HTTP_ACCEPT_LANGUAGE="en")
    assert body.status_code == 200
    assert f"{customer.open_date:%Y-%m-%d} (" in body.content.decode()
    assert "year," not in body.content.decode()
