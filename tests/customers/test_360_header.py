"""The 360 page's header shows what is stored of the customer's profile (issue 12, point 13):
gender, age as of today, occupation, investment horizon and varieties, as labels, "not
recorded" when empty; and its panel index (point 14) links to a panel for every entry."""

import datetime
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.models import Customer
from customers.selectors.customer360 import age_on
from customers.services import counter_day_import

from .counter_files import base_day, write_day

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def header_of(body: str) -> str:
    return body[body.index('class="card c360-header"') : body.index("</section>")]


def facts_of(header: str) -> dict[str, str]:
    """The header's facts as {term: text}."""

    class Facts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.facts, self.term, self.tag = {}, None, None

        def handle_starttag(self, tag, attrs):
            self.tag = tag

        def handle_data(self, data):
            if self.tag == "dt":
                self.term = data.strip()
            elif self.tag == "dd" and self.term:
                self.facts[self.term] = self.facts.get(self.term, "") + data.strip()

        def handle_endtag(self, tag):
            if tag == "dd":
                self.term = None
            self.tag = None

    parser = Facts()
    parser.feed(header)
    return parser.facts


def header_facts(client, user, cust_no: str) -> dict[str, str]:
    client.force_login(user)
    response = client.get(f"/customers/{cust_no}/", **EN)
    assert response.status_code == 200
    return facts_of(header_of(response.content.decode()))


def test_it_shows_gender_age_occupation_horizon_and_varieties_in_the_header(client, org):
    today = timezone.localdate()
    Customer.objects.filter(pk=org.broker_customer.pk).update(
        gender="F",
        # Born on 1 January forty years ago: forty on every day of this year.
        birth_date=datetime.date(today.year - 40, 1, 1),
        occupation="教师",
        invest_horizon="long",
        invest_varieties="equity;fund;fixed_income",
    )
    facts = header_facts(client, org.broker.user, "A0001")
    assert facts["Gender"] == "Female"
    assert facts["Age"] == "40"
    assert facts["Occupation"] == "教师"
    assert facts["Investment horizon"] == "Long term"
    assert facts["Investment varieties"] == "Equities · Funds · Fixed income"


def test_it_says_not_recorded_for_what_the_counter_did_not_send(client, org):
    Customer.objects.filter(pk=org.broker_customer.pk).update(
        gender="", birth_date=None, occupation="", invest_horizon="", invest_varieties=""
    )
    facts = header_facts(client, org.broker.user, "A0001")
    for term in ("Gender", "Age", "Occupation", "Investment horizon", "Investment varieties"):
        assert facts[term] == "not recorded", term


def test_it_shows_a_code_it_does_not_know_as_the_counter_sent_it(client, org):
    Customer.objects.filter(pk=org.broker_customer.pk).update(
        gender="M", invest_horizon="ultra", invest_varieties="derivative;reits"
    )
    facts = header_facts(client, org.broker.user, "A0001")
    assert facts["Gender"] == "Male"
    assert facts["Investment horizon"] == "ultra"
    assert facts["Investment varieties"] == "Derivatives · reits"


def test_an_institution_has_no_gender_or_age(client, org):
    Customer.objects.filter(pk=org.broker_customer.pk).update(cust_type="1", occupation="")
    facts = header_facts(client, org.broker.user, "A0001")
    assert "Gender" not in facts and "Age" not in facts
    assert facts["Occupation"] == "not recorded"


def test_it_counts_age_in_full_years_as_of_the_day():
    born = datetime.date(1986, 7, 15)
    assert age_on(born, datetime.date(2026, 7, 14)) == 39
    assert age_on(born, datetime.date(2026, 7, 15)) == 40
    leap = datetime.date(2004, 2, 29)
    assert age_on(leap, datetime.date(2026, 2, 28)) == 21
    assert age_on(leap, datetime.date(2026, 3, 1)) == 22
    assert age_on(None, datetime.date(2026, 3, 1)) is None
    assert age_on(datetime.date(2027, 1, 1), datetime.date(2026, 3, 1)) is None


# -- the panel index (point 14) ---------------------------------------------------------------


def index_and_ids(body: str) -> tuple[list[tuple[str, str]], set[str]]:
    """The index's links as (href, text), and every id on the page."""

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.links, self.in_index, self.href = set(), [], False, None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if "id" in attrs:
                self.ids.add(attrs["id"])
            if tag == "nav" and attrs.get("id") == "panel-index":
                self.in_index = True
            if self.in_index and tag == "a":
                self.href = attrs.get("href")

        def handle_data(self, data):
            if self.href is not None:
                self.links.append((self.href, data.strip()))
                self.href = None

        def handle_endtag(self, tag):
            if tag == "nav":
                self.in_index = False

    page = Page()
    page.feed(body)
    return page.links, page.ids


@pytest.fixture
def loaded(tmp_path, org):
    """A counter day whose C001 (with a margin account) the broker serves."""
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    Customer.objects.filter(cust_no__in=["C001", "C002"]).update(
        manager=org.broker, branch=org.broker.branch
    )
    call_command("compute_metrics")
    return org


def test_every_link_of_the_panel_index_has_its_panel_on_the_page(client, loaded):
    client.force_login(loaded.broker.user)
    body = client.get("/customers/C001/", **EN).content.decode()
    links, ids = index_and_ids(body)
    assert [text for _href, text in links] == [
        "Figures",
        "Contribution",
        "Tier",
        "Suitability",
        "Investor class",
        "Campaigns",
        "Contacts",
        "Tasks",
        "Holdings",
        "Trends",
        "Trades",
        "Cash flows",
        "Margin",
        "Requests",
    ]
    assert [href for href, _text in links if not href.startswith("#") or href[1:] not in ids] == []
    # In the page's order: each panel comes after the one before it in the index.
    positions = [body.index(f'id="{href[1:]}"') for href, _text in links]
    assert positions == sorted(positions)


def test_the_header_and_the_index_speak_chinese(client, org):
    Customer.objects.filter(pk=org.broker_customer.pk).update(
        gender="F", invest_horizon="long", invest_varieties="equity", occupation=""
    )
    client.force_login(org.broker.user)
    body = client.get("/customers/A0001/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    facts = facts_of(header_of(body))
    assert facts["性别"] == "女"
    assert facts["投资期限"] == "长期"
    assert facts["投资品种"] == "权益类"
    assert facts["职业"] == "未登记"
    links, _ids = index_and_ids(body)
    assert ("#trades-panel", "成交") in links and ("#figures-panel", "关键指标") in links


def test_the_index_leaves_out_the_margin_panel_of_a_customer_without_one(client, org):
    client.force_login(org.broker.user)
    body = client.get("/customers/A0001/", **EN).content.decode()
    links, ids = index_and_ids(body)
    assert "Margin" not in [text for _href, text in links] and len(links) == 13
    assert [href for href, _text in links if href[1:] not in ids] == []
