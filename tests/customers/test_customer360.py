import datetime
from decimal import Decimal

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from crm.charts import figure_html
from crm.models import AuditEntry
from customers.charts import asset_trend_figure
from customers.models import Customer, DailyPosition, Trade
from customers.services import counter_day_import
from products.models import Security
from tests.analytics.test_charts import plot_arguments

from .counter_files import base_day, write_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(tmp_path, org):
    """The cast of conftest plus a counter day whose C001 is served by the broker."""
    counter_day_import(folder=write_day(tmp_path, "20260302", base_day()))
    Customer.objects.filter(cust_no__in=["C001", "C002"]).update(
        manager=org.broker, branch=org.broker.branch
    )
    call_command("compute_metrics")
    return org


def page(client, user, cust_no="C001", **headers):
    client.force_login(user)
    return client.get(f"/customers/{cust_no}/", **headers)


def test_it_shows_everything_about_the_customer_on_one_page(client, loaded):
    response = page(client, loaded.broker.user, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "张三" in body and "C001" in body
    assert "250,000.00" in body  # total assets
    assert "600519" in body and "贵州茅台" in body  # holdings and trades
    assert "Bank transfer in" in body  # cash flows
    assert "Margin account" in body and "4.00" in body
    assert "plotly-graph-div" in body  # the asset trend chart
    assert "Contribution this year" in body and "41.04" in body
    assert "Net commission this year" in body and "29.38" in body  # 37.50 - 5.12 - 3.00
    assert "1 of 2" in body  # C001 out-earns C002 in the branch this year


def header_of(response) -> str:
    body = response.content.decode()
    return body[body.index('class="card c360-header"') : body.index("</section>")]


def test_it_shows_an_institution_as_an_institution_in_the_header(client, loaded):
    Customer.objects.filter(cust_no="C002").update(cust_type="1")
    user = loaded.broker.user
    header = header_of(page(client, user, cust_no="C002", HTTP_ACCEPT_LANGUAGE="en"))
    assert 'class="badge cust-type-1" title="Customer type">Institution<' in header
    header = header_of(page(client, user, cust_no="C002", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert 'title="客户类别">机构<' in header
    header = header_of(page(client, user, cust_no="C001", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert 'class="badge cust-type-0" title="客户类别">个人<' in header
    assert "机构" not in header


def test_it_masks_personal_data_by_default(client, loaded):
    body = page(client, loaded.broker.user).content.decode()
    assert "1101**********1234" in body
    assert "138****8000" in body
    assert "110101199003071234" not in body
    assert "13800138000" not in body


def test_it_records_every_view_in_the_audit_log(client, loaded):
    page(client, loaded.broker.user)
    entry = AuditEntry.objects.get(action="customer.view")
    assert entry.actor == loaded.broker.user
    assert entry.object_id == str(Customer.objects.get(cust_no="C001").pk)


def test_it_is_a_404_outside_the_users_scope(client, loaded):
    assert page(client, loaded.other_broker.user).status_code == 404
    assert page(client, loaded.teammate.user).status_code == 404
    assert page(client, loaded.broker.user, cust_no="NOPE").status_code == 404
    assert not AuditEntry.objects.filter(action="customer.view").exists()


def test_it_reveals_personal_data_only_with_the_permission_and_audits_it(client, loaded):
    client.force_login(loaded.broker.user)
    assert client.post("/customers/C001/reveal/").status_code == 403
    loaded.broker.user.user_permissions.add(Permission.objects.get(codename="reveal_pii"))
    client.force_login(loaded.broker.user)  # fresh permission cache
    assert (
        "Reveal personal data"
        in page(client, loaded.broker.user, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    response = client.post("/customers/C001/reveal/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "110101199003071234" in response.content.decode()
    assert AuditEntry.objects.filter(action="customer.reveal_pii").count() == 1
    other = client.post("/customers/B0001/reveal/")
    assert other.status_code == 404


def test_it_runs_a_bounded_number_of_queries_for_a_busy_customer(
    client, loaded, django_assert_max_num_queries
):
    trade = Trade.objects.get(serial_no="T0001")
    Trade.objects.bulk_create(
        Trade(
            trade_date=trade.trade_date,
            serial_no=f"X{n:05d}",
            account_id=trade.account_id,
            security_id=trade.security_id,
            side="B",
            quantity=100,
            price=10,
            amount=1000,
            commission=5,
            net_amount=-1005,
            channel="mobile",
        )
        for n in range(1000)
    )
    position = DailyPosition.objects.get(account_id=trade.account_id)
    securities = Security.objects.bulk_create(
        Security(market="SZ", sec_code=f"30{n:04d}", name=f"股票{n}", sec_type="stock")
        for n in range(49)
    )
    DailyPosition.objects.bulk_create(
        DailyPosition(
            business_date=position.business_date,
            account_id=position.account_id,
            security=security,
            quantity=100,
            cost_price=9,
            market_value=1000,
        )
        for security in securities
    )
    client.force_login(loaded.broker.user)
    # One of them the custom fields' definitions (their panel), two marketing's panel (the
    # tier history and the segments), four the suitability panel (the rules, the suggested
    # products, the holdings above the risk level, the checks on record), one the investor
    # class panel (the applications; their steps only when there are some).
    with django_assert_max_num_queries(32):
        assert client.get("/customers/C001/").status_code == 200


def test_it_draws_the_asset_trend_as_the_validated_graph_object_would():
    rows = [(datetime.date(2026, 3, 2), Decimal("15500.50"), Decimal("250000.00"))]
    figure = asset_trend_figure(rows)
    validated = pio.to_html(
        go.Figure(figure), full_html=False, include_plotlyjs=False, config={"displayModeBar": False}
    )
    assert plot_arguments(figure_html(figure)) == plot_arguments(validated)
    assert [trace["y"] for trace in figure["data"]] == [[250000.0], [15500.5]]
