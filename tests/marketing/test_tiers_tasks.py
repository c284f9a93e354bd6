"""The service standard's tasks (once per customer, not once a night), and the nightly step
that evaluates the tiers: its Celery task, its place in the pipeline and its command."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm.pipeline import TIERS_AND_SEGMENTS, _tasks
from customers.models import Task, TaskKind, TaskStatus
from customers.services.relationship import interaction_log
from marketing.models import CustomerTier
from marketing.services.tiers import CONTACT_SOURCE, REVIEW_SOURCE, tier_service_tasks_create
from marketing.services.tiers import tier_evaluate_month as evaluate
from tests.marketing.tier_data import FEB, JAN, MAR, figures, tiers_make

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 2, 10, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture
def gold(org):
    """The broker's customer holds 金卡 (contact every 30 days) in February."""
    tiers = tiers_make()
    figures(org.broker_customer, JAN, assets="2000000.00")
    evaluate(month=FEB)
    return tiers


def contact_tasks(customer):
    return Task.objects.filter(customer=customer, source=CONTACT_SOURCE)


def test_an_overdue_customer_gets_one_contact_task_across_two_nightly_runs(gold, org):
    customer = org.broker_customer
    customer.last_contact_at = NOW - datetime.timedelta(days=31)
    customer.save()
    first = tier_service_tasks_create(now=NOW)
    second = tier_service_tasks_create(now=NOW + datetime.timedelta(days=1))
    assert (first["contact_tasks"], second["contact_tasks"]) == (1, 0)
    task = contact_tasks(customer).get()
    assert (task.assignee, task.kind, task.status) == (org.broker, TaskKind.SERVICE_LIST, "open")
    assert "金卡" in task.title and task.due_on == timezone.localdate(NOW)
    # Nobody else: the others hold the floor, which has no contact standard.
    assert Task.objects.filter(source=CONTACT_SOURCE).count() == 1


def test_a_customer_never_contacted_is_overdue(gold, org):
    tier_service_tasks_create(now=NOW)
    assert contact_tasks(org.broker_customer).count() == 1


def test_a_customer_contacted_within_the_interval_gets_no_task(gold, org):
    customer = org.broker_customer
    customer.last_contact_at = NOW - datetime.timedelta(days=29)
    customer.save()
    assert tier_service_tasks_create(now=NOW)["contact_tasks"] == 0


def test_a_contact_fulfils_the_task_and_the_next_overdue_period_brings_one_more(gold, org):
    customer = org.broker_customer
    tier_service_tasks_create(now=NOW)
    interaction_log(
        customer=customer,
        staff=org.broker,
        channel="phone",
        direction="out",
        occurred_at=timezone.now(),
        content="季度回访",
    )
    later = timezone.now() + datetime.timedelta(days=1)
    assert tier_service_tasks_create(now=later)["contact_tasks_done"] == 1
    assert contact_tasks(customer).get().status == TaskStatus.DONE
    assert tier_service_tasks_create(now=later + datetime.timedelta(days=10))["contact_tasks"] == 0
    overdue = tier_service_tasks_create(now=later + datetime.timedelta(days=31))
    assert overdue["contact_tasks"] == 1
    assert contact_tasks(customer).filter(status=TaskStatus.OPEN).count() == 1


def test_a_task_finished_without_a_contact_is_not_put_back_every_night(gold, org):
    customer = org.broker_customer
    tier_service_tasks_create(now=NOW)
    contact_tasks(customer).update(status=TaskStatus.CANCELLED)
    assert tier_service_tasks_create(now=NOW + datetime.timedelta(days=1))["contact_tasks"] == 0
    later = NOW + datetime.timedelta(days=31)  # a whole interval on: overdue again
    assert tier_service_tasks_create(now=later)["contact_tasks"] == 1


def test_a_customer_whose_manager_left_or_who_has_none_gets_no_task(gold, org):
    org.broker.is_active = False
    org.broker.save()
    figures(org.unserved_customer, JAN, assets="2000000.00")
    evaluate(month=FEB)
    assert tier_service_tasks_create(now=NOW)["contact_tasks"] == 0


def test_review_tasks_come_once_per_review_interval(gold, org):
    gold.gold.review_every_days = 90
    gold.gold.save()
    assert tier_service_tasks_create(now=NOW)["review_tasks"] == 1
    review = Task.objects.get(source=REVIEW_SOURCE)
    assert "90" in review.title
    review.status = TaskStatus.DONE
    review.save()
    assert tier_service_tasks_create(now=NOW + datetime.timedelta(days=89))["review_tasks"] == 0
    assert tier_service_tasks_create(now=NOW + datetime.timedelta(days=91))["review_tasks"] == 1


def test_the_standard_follows_the_tier_of_the_latest_month(gold, org):
    figures(org.broker_customer, FEB, assets="0")
    gold.gold.downgrade_after_months = 1
    gold.gold.save()
    evaluate(month=MAR)  # downgraded to the floor in March
    assert CustomerTier.objects.get(customer=org.broker_customer, month=MAR).tier == gold.floor
    assert tier_service_tasks_create(now=NOW)["contact_tasks"] == 0


# -- the nightly step -------------------------------------------------------------------------


def test_the_pipeline_step_evaluates_every_month_due_then_the_tasks(org):
    tiers_make()
    for month in (JAN, FEB):
        figures(org.broker_customer, month, assets="2000000.00")
    result = _tasks()[TIERS_AND_SEGMENTS].apply(throw=True).get()
    assert result["tiers"]["months"] == ["2026-02-01"]  # January complete, February open
    assert result["tiers"]["contact_tasks"] == 1
    again = _tasks()[TIERS_AND_SEGMENTS].apply(throw=True).get()
    assert again["tiers"]["months"] == ["2026-02-01"] and again["tiers"]["contact_tasks"] == 0


def test_the_command_runs_the_step_alone_and_again_from_a_month(org):
    tiers_make()
    for month in (JAN, FEB, MAR):
        figures(org.broker_customer, month, assets="2000000.00")
    out = io.StringIO()
    call_command("evaluate_tiers", "--language", "en", stdout=out)
    assert "Tiers evaluated for 2 months: 2026-02, 2026-03." in out.getvalue()
    out = io.StringIO()
    call_command("evaluate_tiers", "--from", "2026-02-15", "--language", "en", stdout=out)
    assert "2026-02, 2026-03" in out.getvalue()
    assert CustomerTier.objects.filter(customer=org.broker_customer).count() == 2
