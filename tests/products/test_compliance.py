"""The nightly suitability step: customers holding products above their risk level and
ordinary investors whose assessment expires within 30 days, has expired or is missing become
one task each for their manager (not again while the condition holds, again when it
returns), each run recorded; the pipeline runs it after the tiers and segments; and the
compliance page lists the flags for head office and branch managers, scoped."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from customers.models import Task, TaskKind, TaskStatus
from products.models import ComplianceFlag, ComplianceRun, ComplianceRunStatus, Security
from products.services import compliance as service
from products.services.compliance import compliance_run
from products.suitability import assessment_valid_days
from products.tasks import suitability_compliance
from tests.products.data import DAY, EN, broker_customer_make, position_make, product_make, suitable

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def assessed(days_left: int) -> datetime.date:
    """The assessment date whose last valid day is `days_left` days from today."""
    return today() + datetime.timedelta(days=days_left - assessment_valid_days())


def fund(code: str, risk: str) -> Security:
    security = Security.objects.create(market="SH", sec_code=code, name=f"基金{code}")
    product_make(f"F{code}", risk, security=security)
    return security


def tasks_of(customer) -> list[tuple[str, str]]:
    return list(
        Task.objects.filter(customer=customer, kind=TaskKind.COMPLIANCE)
        .order_by("pk")
        .values_list("source", "status")
    )


@pytest.fixture
def book(org):
    """Every served customer assessed well within validity (C4), with figures on DAY."""
    for customer in (
        org.broker_customer,
        org.teammate_customer,
        org.lead_customer,
        org.manager_customer,
        org.unserved_customer,
        org.other_customer,
    ):
        suitable(customer)
    return org


def test_it_flags_a_customer_holding_a_product_above_their_risk_level_with_one_task(book, settings):
    settings.LANGUAGE_CODE = "en"  # the task's title is in the site's language
    suitable(book.broker_customer, risk_level="C2")
    position_make(book.broker_customer, fund("510001", "R4"))
    position_make(book.teammate_customer, fund("510002", "R4"))  # C4 may hold R4
    run = compliance_run(today=today())
    key = f"suitability:over_risk:{book.broker_customer.pk}"
    assert list(ComplianceFlag.objects.values_list("key", flat=True)) == [key]
    task = Task.objects.get(kind=TaskKind.COMPLIANCE)
    assert (task.customer, task.assignee, task.source) == (
        book.broker_customer,
        book.broker,
        key,
    )
    assert task.status == TaskStatus.OPEN and task.due_on == today()
    assert "above the customer's risk level" in task.title
    assert (run.status, run.over_risk, run.assessment, run.flagged, run.tasks_created) == (
        ComplianceRunStatus.DONE,
        1,
        0,
        1,
        1,
    )
    assert run.business_day == DAY and run.finished_at >= run.started_at


def test_it_reads_the_positions_of_the_latest_business_day_only(book):
    suitable(book.broker_customer, risk_level="C2")
    position_make(book.broker_customer, fund("510001", "R4"), day=DAY - datetime.timedelta(1))
    compliance_run(today=today())
    assert not ComplianceFlag.objects.exists()


def test_it_flags_a_lowest_category_investor_holding_anything_above_r1(book):
    customer = suitable(book.broker_customer, risk_level="C1")
    customer.lowest_category = True
    customer.save()
    position_make(customer, fund("510001", "R2"))
    position_make(book.teammate_customer, fund("510002", "R1"))
    compliance_run(today=today())
    assert list(ComplianceFlag.objects.values_list("customer", flat=True)) == [customer.pk]


def test_a_security_that_is_no_product_flags_nobody(book):
    suitable(book.broker_customer, risk_level="C1")
    stock = Security.objects.create(market="SH", sec_code="600519", name="贵州茅台")
    position_make(book.broker_customer, stock)
    compliance_run(today=today())
    assert not ComplianceFlag.objects.exists()


@pytest.mark.parametrize(
    ("days_left", "flagged"),
    [(31, False), (30, True), (0, True), (-1, True), (-400, True)],
)
def test_it_flags_an_assessment_expiring_within_30_days_or_expired(book, days_left, flagged):
    customer = book.broker_customer
    customer.risk_assessed_on = assessed(days_left)
    customer.save()
    compliance_run(today=today())
    key = f"suitability:assessment:{customer.pk}:{customer.risk_assessed_on.isoformat()}"
    assert list(ComplianceFlag.objects.values_list("key", flat=True)) == ([key] if flagged else [])
    assert tasks_of(customer) == ([(key, TaskStatus.OPEN)] if flagged else [])


def test_it_flags_a_missing_assessment_but_no_professional_or_closed_account(book):
    missing = book.broker_customer
    missing.risk_assessed_on = None
    missing.save()
    no_level = book.teammate_customer
    no_level.risk_level = ""
    no_level.save()
    professional = book.lead_customer
    professional.investor_class = "professional"
    professional.risk_assessed_on = None
    professional.save()
    closed = book.manager_customer
    closed.status = "3"
    closed.risk_assessed_on = None
    closed.save()
    compliance_run(today=today())
    flagged = dict(ComplianceFlag.objects.values_list("customer", "key"))
    assert flagged == {
        missing.pk: f"suitability:assessment:{missing.pk}:none",
        no_level.pk: f"suitability:assessment:{no_level.pk}:{no_level.risk_assessed_on}",
    }


def test_running_again_while_the_conditions_hold_makes_no_new_task(book):
    suitable(book.broker_customer, risk_level="C2")
    position_make(book.broker_customer, fund("510001", "R4"))
    book.teammate_customer.risk_assessed_on = assessed(5)
    book.teammate_customer.save()
    first = compliance_run(today=today())
    again = compliance_run(today=today() + datetime.timedelta(days=1))
    assert (first.flagged, first.tasks_created) == (2, 2)
    assert (again.flagged, again.tasks_created, again.cleared) == (0, 0, 0)
    assert (again.over_risk, again.assessment) == (1, 1)
    assert Task.objects.filter(kind=TaskKind.COMPLIANCE).count() == 2
    assert ComplianceRun.objects.count() == 2


def test_a_task_done_while_the_condition_holds_is_not_made_again(book):
    suitable(book.broker_customer, risk_level="C2")
    position_make(book.broker_customer, fund("510001", "R4"))
    compliance_run(today=today())
    Task.objects.update(status=TaskStatus.DONE)
    assert compliance_run(today=today()).tasks_created == 0


def test_a_cleared_condition_closes_its_task_and_a_returning_one_makes_a_new_task(book):
    customer = suitable(book.broker_customer, risk_level="C2")
    security = fund("510001", "R4")
    position_make(customer, security)
    compliance_run(today=today())
    key = f"suitability:over_risk:{customer.pk}"
    # Sold: the next day has no position in it.
    next_day = DAY + datetime.timedelta(days=1)
    customer.figures.as_of = next_day
    customer.figures.save()
    cleared = compliance_run(today=today())
    assert cleared.cleared == 1 and not ComplianceFlag.objects.exists()
    assert tasks_of(customer) == [(key, TaskStatus.DONE)]
    # Bought again the day after.
    later = next_day + datetime.timedelta(days=1)
    customer.figures.as_of = later
    customer.figures.save()
    position_make(customer, security, day=later)
    back = compliance_run(today=today())
    assert (back.flagged, back.tasks_created) == (1, 1)
    assert tasks_of(customer) == [(key, TaskStatus.DONE), (key, TaskStatus.OPEN)]


def test_a_reassessment_clears_the_flag_and_its_next_expiry_is_a_new_one(book):
    customer = book.broker_customer
    customer.risk_assessed_on = assessed(10)
    customer.save()
    compliance_run(today=today())
    old_key = f"suitability:assessment:{customer.pk}:{customer.risk_assessed_on}"
    customer.risk_assessed_on = today()
    customer.save()
    compliance_run(today=today())
    assert not ComplianceFlag.objects.exists()
    # Two years on, the new assessment expires in its turn.
    later = today() + datetime.timedelta(days=assessment_valid_days() - 3)
    compliance_run(today=later)
    new_key = f"suitability:assessment:{customer.pk}:{customer.risk_assessed_on}"
    assert tasks_of(customer) == [(old_key, TaskStatus.DONE), (new_key, TaskStatus.OPEN)]


def test_a_customer_without_a_manager_gets_the_task_once_one_is_assigned(book):
    customer = book.unserved_customer
    customer.risk_assessed_on = None
    customer.save()
    compliance_run(today=today())
    assert ComplianceFlag.objects.filter(customer=customer).exists()
    assert tasks_of(customer) == []
    customer.manager = book.manager
    customer.save()
    assert compliance_run(today=today()).tasks_created == 1
    assert Task.objects.get(customer=customer).assignee == book.manager


def test_a_failed_run_is_recorded_and_raised(book, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the positions are gone")

    monkeypatch.setattr(service, "over_risk_customers", broken)
    with pytest.raises(RuntimeError):
        compliance_run(today=today())
    run = ComplianceRun.objects.get()
    assert run.status == ComplianceRunStatus.FAILED
    assert "the positions are gone" in run.error and run.finished_at is not None


def test_the_task_and_the_command_run_the_same_step(book):
    book.broker_customer.risk_assessed_on = None
    book.broker_customer.save()
    result = suitability_compliance.apply(kwargs={"today": today().isoformat()}, throw=True).get()
    assert (result["flagged"], result["tasks_created"], result["assessment"]) == (1, 1, 1)
    out = io.StringIO()
    call_command("compliance_tasks", "--language", "en", stdout=out)
    assert "0 newly flagged" in out.getvalue() and "0 tasks created" in out.getvalue()
    assert ComplianceRun.objects.count() == 2


def test_the_pipeline_runs_the_step_after_the_tiers_and_segments(book, monkeypatch):
    from crm import pipeline

    order = []
    real = pipeline._step

    def step(name, **kwargs):
        order.append(name)
        if name == pipeline.SUITABILITY:
            return real(name, **kwargs)
        return [] if name != pipeline.TIERS_AND_SEGMENTS else {}

    monkeypatch.setattr(pipeline, "_step", step)
    book.broker_customer.risk_assessed_on = None
    book.broker_customer.save()
    result = pipeline.pipeline_run()
    assert order[-3:] == [pipeline.TIERS_AND_SEGMENTS, pipeline.SUITABILITY, pipeline.CONVERSIONS]
    assert result["suitability"]["tasks_created"] == 1
    assert pipeline.pipeline_run()["suitability"]["tasks_created"] == 0


# -- the page ----------------------------------------------------------------------------------


@pytest.fixture
def flagged(book):
    """Over-risk in branch A (the broker's customer), an expired assessment in branch B."""
    suitable(book.broker_customer, risk_level="C2")
    position_make(book.broker_customer, fund("510001", "R4"))
    book.other_customer.risk_assessed_on = assessed(-3)
    book.other_customer.save()
    compliance_run(today=today())
    return book


def test_head_office_sees_every_flag_with_its_reason_and_the_counts_per_branch(flagged, client):
    client.force_login(flagged.head_office.user)
    response = client.get("/products/compliance/", **EN)
    assert response.status_code == 200
    text = response.content.decode()
    assert "A0001" in text and "B0001" in text
    assert "above the customer&#x27;s risk level (C2)" in text
    expired_on = assessed(-3).isoformat()
    expires = (assessed(-3) + datetime.timedelta(days=assessment_valid_days())).isoformat()
    # The day it expired, not the day it was made.
    assert f"Risk assessment expired on {expires}" in text
    assert f"Risk assessment expired on {expired_on}" not in text
    counts = {c.code: (c.over_risk, c.assessment) for c in response.context["counts"]}
    assert counts == {"0101": (1, 0), "0202": (0, 1)}
    assert f'href="/customers/{flagged.broker_customer.cust_no}/"' in text


def test_the_page_filters_by_reason(flagged, client):
    client.force_login(flagged.head_office.user)
    text = client.get("/products/compliance/?reason=assessment", **EN).content.decode()
    assert "B0001" in text and "/customers/A0001/" not in text


def test_a_branch_manager_sees_their_branch_only(flagged, client):
    client.force_login(flagged.branch_manager.user)
    response = client.get("/products/compliance/", **EN)
    text = response.content.decode()
    assert "A0001" in text and "B0001" not in text
    assert [c.code for c in response.context["counts"]] == ["0101"]
    # The run's company-wide counts are not theirs.
    assert "newly flagged" not in text


@pytest.mark.parametrize("role", ["broker", "team_lead", "manager", "other_broker"])
def test_the_page_refuses_everybody_else(flagged, client, role):
    client.force_login(getattr(flagged, role).user)
    assert client.get("/products/compliance/", **EN).status_code == 403


def test_the_page_costs_a_bounded_number_of_queries(flagged, client, django_assert_max_num_queries):
    for number in range(5):
        type(flagged.broker_customer).objects.create(
            cust_no=f"A2{number:03d}",
            name=f"客户{number}",
            branch=flagged.branch_a,
            manager=flagged.broker,
            open_date=datetime.date(2020, 1, 6),
        )
    compliance_run(today=today())
    client.force_login(flagged.head_office.user)
    with django_assert_max_num_queries(10):
        response = client.get("/products/compliance/", **EN)
    assert response.content.decode().count("/customers/A2") == 5


def test_the_product_library_offers_the_page_to_head_office_and_branch_managers_only(book, client):
    for role, offered in (
        ("head_office", True),
        ("admin", True),
        ("branch_manager", True),
        ("team_lead", False),
        ("broker", False),
    ):
        client.force_login(getattr(book, role).user)
        text = client.get("/products/", **EN).content.decode()
        assert ('href="/products/compliance/"' in text) == offered, role


def test_a_tasks_title_is_in_the_sites_language_whoever_runs_the_step(book, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    suitable(book.broker_customer, risk_level="C2")
    position_make(book.broker_customer, fund("510001", "R4"))
    with translation.override("en"):
        compliance_run(today=today())
    assert Task.objects.get(kind=TaskKind.COMPLIANCE).title.startswith("适当性")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_step_hashes_each_levels_holders(book):
    """With PostgreSQL's default work_mem the holders of a level are rescanned for every
    customer (the bench: 30 s instead of 0.4 s): the step asks for room to hash them."""
    compliance_run(today=today())
    with connection.cursor() as cursor:
        # SET LOCAL outlives the step's transaction inside the test's own.
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == service.STEP_WORK_MEM


def test_the_step_costs_the_same_queries_for_few_or_many_customers(book):
    """Set-based: no statement per customer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            compliance_run(today=today())
        return len(context.captured_queries)

    book.broker_customer.risk_assessed_on = None
    book.broker_customer.save()
    few = queries()
    for number in range(20):
        customer = broker_customer_make(book, f"A3{number:03d}", f"客户{number}")
        suitable(customer, risk_level="C1")
        position_make(customer, fund(f"52{number:04d}", "R3"))
    many = queries()
    assert ComplianceFlag.objects.filter(kind="over_risk").count() == 20
    assert Task.objects.filter(kind=TaskKind.COMPLIANCE).count() == 21
    assert many == few
