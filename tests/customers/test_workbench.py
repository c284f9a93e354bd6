import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import CustomerFigures, Task, TaskKind

pytestmark = pytest.mark.django_db


def figures(customer, assets):
    CustomerFigures.objects.create(
        customer=customer,
        as_of=datetime.date(2026, 3, 2),
        cash=assets,
        market_value=0,
        liabilities=0,
        total_assets=assets,
        net_assets=assets,
    )


def test_it_lists_todays_work_of_the_signed_in_broker_only(client, org):
    today = timezone.localdate()
    Task.objects.create(
        assignee=org.broker,
        customer=org.broker_customer,
        kind=TaskKind.FOLLOW_UP,
        title="Call back about the rights issue",
        due_on=today - datetime.timedelta(days=1),
    )
    Task.objects.create(
        assignee=org.teammate,
        customer=org.teammate_customer,
        kind=TaskKind.FOLLOW_UP,
        title="Someone else's task",
        due_on=today,
    )
    figures(org.broker_customer, Decimal("800000"))
    figures(org.other_customer, Decimal("9000000"))
    client.force_login(org.broker.user)
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Call back about the rights issue" in body and "overdue" in body
    assert "Someone else&#x27;s task" not in body and "Someone else's task" not in body
    assert "A0001" in body  # never contacted, 800,000 in assets
    assert "B0001" not in body  # another branch's customer, however large


def test_it_leaves_out_customers_contacted_recently(client, org):
    figures(org.broker_customer, Decimal("800000"))
    org.broker_customer.last_contact_at = timezone.now() - datetime.timedelta(days=3)
    org.broker_customer.save(update_fields=["last_contact_at"])
    client.force_login(org.broker.user)
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Everyone in your book has been contacted recently." in body
