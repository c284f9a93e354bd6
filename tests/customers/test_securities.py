"""One way to read a security and one way to print it (customers/securities.py): a broker
types `601899`, `601899.SH` or `SH601899`; the 360 page prints `601899.SH` in its holdings
and its trades alike (issue 12, point 8)."""

import re
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db.models import Q

from customers.models import Customer
from customers.securities import SecuritySearch, security_code, security_search_parse
from customers.services import counter_day_import

from .counter_files import base_day, write_day


@pytest.mark.parametrize(
    ("text", "search"),
    [
        ("601899", SecuritySearch(code="601899")),
        ("601899.SH", SecuritySearch(code="601899", market="SH")),
        ("601899.sh", SecuritySearch(code="601899", market="SH")),
        ("SH601899", SecuritySearch(code="601899", market="SH")),
        ("sz000001", SecuritySearch(code="000001", market="SZ")),
        ("SH.601899", SecuritySearch(code="601899", market="SH")),
        ("  835185.BJ ", SecuritySearch(code="835185", market="BJ")),
        ("矿业", SecuritySearch(name="矿业")),
        ("ETF", SecuritySearch(name="ETF")),
        ("60189", SecuritySearch(name="60189")),
        ("601899.HK", SecuritySearch(name="601899.HK")),
        ("SH601899.SZ", SecuritySearch(name="SH601899.SZ")),
    ],
)
def test_it_reads_a_code_with_or_without_its_market_or_else_a_part_of_the_name(text, search):
    assert security_search_parse(text) == search


def test_it_reads_nothing_from_an_empty_search():
    assert security_search_parse("   ") is None


def test_it_asks_for_the_code_on_the_market_named_or_on_every_market():
    assert SecuritySearch(code="601899").condition() == Q(sec_code="601899")
    assert SecuritySearch(code="601899", market="SH").condition() == Q(sec_code="601899") & Q(
        market="SH"
    )
    assert SecuritySearch(name="矿业").condition() == Q(name__icontains="矿业")


def test_it_prints_the_code_with_its_market_after_a_dot():
    assert security_code(SimpleNamespace(sec_code="000001", market="SZ")) == "000001.SZ"


@pytest.fixture
def loaded(tmp_path, org):
    """A counter day whose C001 (served by the broker) holds and traded 600519 (SH)."""
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    Customer.objects.filter(cust_no__in=["C001", "C002"]).update(
        manager=org.broker, branch=org.broker.branch
    )
    call_command("compute_metrics")
    return org


def _section(body: str, heading: str) -> str:
    """The card of the 360 page under the <h2> that starts with `heading`."""
    match = re.search(rf"<h2>{re.escape(heading)}.*?</section>", body, re.S)
    assert match, heading
    return match.group(0)


@pytest.mark.django_db
def test_the_360_page_prints_codes_the_same_way_in_holdings_and_trades(client, loaded):
    client.force_login(loaded.broker.user)
    response = client.get("/customers/C001/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    for heading in ("Holdings", "Recent trades"):
        section = _section(body, heading)
        assert re.search(r">600519\.SH</span>\s*贵州茅台", section), heading
