"""The suitability log: a check is written with the snapshot it was decided on; a special
risk warning names every reason; a confirmation is recorded only for a mismatch checked at
the customer's own request, once; and the log is append-only, in the model and, on
PostgreSQL, in the database itself against UPDATE, DELETE and TRUNCATE by any role that is
not a superuser, the application's own included."""

import datetime
import io
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from products.models import (
    CheckPurpose,
    CheckResult,
    SuitabilityCheck,
    SuitabilityConfirmation,
)
from products.services.checks import (
    confirmation_record,
    risk_warning_text,
    sale_allowed,
    suitability_check_record,
)
from products.suitability import Reason
from tests.products.data import TODAY, customer_of, product_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The refusals are matched by their English words (a test of Chinese says so)."""
    with translation.override("en"):
        yield


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database triggers and roles are PostgreSQL's"
)
TABLES = ("products_suitabilitycheck", "products_suitabilityconfirmation")


def record(customer, product, *, actor=None, purpose=CheckPurpose.CUSTOMER_REQUEST, **kwargs):
    return suitability_check_record(
        customer=customer, product=product, actor=actor, purpose=purpose, today=TODAY, **kwargs
    )


@pytest.fixture
def mismatch(org):
    """A C2 customer's check, at their own request, of an R3 product that is also longer
    than their horizon."""
    customer = customer_of(risk_level="C2", invest_horizon="short")
    product = product_of(risk_level="R3", horizon="medium", minimum_investment=Decimal("1000"))
    check, verdict = record(customer, product, actor=org.broker.user, amount=Decimal("500"))
    return check, verdict


def test_it_records_a_check_with_the_snapshot_it_was_decided_on(org):
    assessed_on = TODAY - datetime.timedelta(days=100)
    customer = customer_of(risk_level="C2", risk_assessed_on=assessed_on)
    product = product_of(risk_level="R3")
    check, verdict = record(customer, product, actor=org.broker.user, amount=Decimal("20000.50"))

    stored = SuitabilityCheck.objects.get(pk=check.pk)
    assert stored.result == verdict.result == CheckResult.MISMATCH
    assert stored.reasons == ["risk_level"]
    assert stored.actor == org.broker.user
    assert (stored.customer, stored.product) == (customer, product)
    assert stored.purpose == CheckPurpose.CUSTOMER_REQUEST
    assert stored.category == "C2"
    assert stored.customer_risk_level == "C2"
    assert stored.assessed_on == assessed_on
    assert stored.product_risk == "R3"
    assert stored.amount == Decimal("20000.50")
    assert stored.checked_at is not None

    # The customer is reassessed and the product re-rated: the record stays as it was.
    customer.risk_level = "C5"
    customer.risk_assessed_on = TODAY
    customer.save()
    product.risk_level = "R1"
    product.save()
    stored = SuitabilityCheck.objects.get(pk=check.pk)
    assert (stored.customer_risk_level, stored.assessed_on, stored.product_risk) == (
        "C2",
        assessed_on,
        "R3",
    )


def test_it_records_a_professional_and_an_unassessed_customer_with_their_category(org):
    professional = customer_of(investor_class="professional", professional_class="A", risk_level="")
    check, _ = record(professional, product_of(risk_level="R5"), purpose=CheckPurpose.ENQUIRY)
    assert (check.result, check.category, check.customer_risk_level) == (
        CheckResult.SUITABLE,
        "pro_a",
        "",
    )
    unassessed = customer_of(risk_level="", risk_assessed_on=None)
    check, _ = record(unassessed, product_of(), purpose=CheckPurpose.ENQUIRY)
    assert (check.result, check.reasons, check.category, check.assessed_on) == (
        CheckResult.MISMATCH,
        ["assessment_missing"],
        "",
        None,
    )


def test_an_anonymous_actor_is_recorded_as_nobody():
    check, _ = record(customer_of(), product_of(), actor=None, purpose=CheckPurpose.SALE_IMPORT)
    assert check.actor is None


def test_it_refuses_an_unknown_purpose():
    with pytest.raises(ValueError, match="purpose"):
        record(customer_of(), product_of(), purpose="whim")
    assert not SuitabilityCheck.objects.exists()


def test_the_risk_warning_names_every_reason_in_the_active_language(mismatch):
    check, verdict = mismatch
    assert verdict.reasons == (Reason.RISK_LEVEL, Reason.HORIZON, Reason.MINIMUM_INVESTMENT)
    with translation.override("en"):
        text = risk_warning_text(verdict, check.product, check.customer)
        for reason in verdict.reasons:
            assert str(reason.label) in text
        assert check.product.code in text and check.customer.cust_no in text
        assert "R3" in text
        assert str(Reason.VARIETY.label) not in text
        english = str(Reason.RISK_LEVEL.label)
    with translation.override("zh-hans"):
        text = risk_warning_text(verdict, check.product, check.customer)
    assert "产品风险等级高于客户风险承受能力" in text
    assert english not in text


def test_a_suitable_verdict_has_no_warning():
    _, verdict = record(customer_of(), product_of())
    assert risk_warning_text(verdict, product_of(), customer_of()) == ""


def test_a_mismatch_at_the_customers_request_is_confirmed_once_and_then_may_be_sold(org, mismatch):
    check, verdict = mismatch
    assert not sale_allowed(check)
    text = risk_warning_text(verdict, check.product, check.customer)
    confirmation = confirmation_record(
        check=check, actor=org.broker.user, warning_text=text, recording_ref=" REC-2026-0615 "
    )

    stored = SuitabilityConfirmation.objects.get(pk=confirmation.pk)
    assert stored.suitability_check == check
    assert stored.actor == org.broker.user
    assert stored.warning_text == text
    assert stored.recording_ref == "REC-2026-0615"
    assert stored.confirmed_at is not None
    assert sale_allowed(SuitabilityCheck.objects.get(pk=check.pk))

    with pytest.raises(ValidationError, match="already been confirmed") as refused:
        confirmation_record(check=check, actor=org.broker.user, warning_text=text)
    assert refused.value.code == "already_confirmed"
    assert SuitabilityConfirmation.objects.count() == 1


def test_it_refuses_to_confirm_a_prohibited_check(org):
    lowest = customer_of(risk_level="C1", lowest_category=True)
    check, verdict = record(lowest, product_of(risk_level="R2"), actor=org.broker.user)
    assert check.result == CheckResult.PROHIBITED
    with pytest.raises(ValidationError, match="prohibited") as refused:
        confirmation_record(
            check=check,
            actor=org.broker.user,
            warning_text=risk_warning_text(verdict, check.product, lowest),
        )
    assert refused.value.code == "prohibited"
    assert not SuitabilityConfirmation.objects.exists()
    assert not sale_allowed(check)


def test_it_refuses_to_confirm_a_suitable_check_there_is_nothing_to_confirm(org):
    check, _ = record(customer_of(), product_of(), actor=org.broker.user)
    assert check.result == CheckResult.SUITABLE
    with pytest.raises(ValidationError, match="no risk warning to confirm") as refused:
        confirmation_record(check=check, actor=org.broker.user, warning_text="warning")
    assert refused.value.code == "suitable"
    assert not SuitabilityConfirmation.objects.exists()
    assert sale_allowed(check)


@pytest.mark.parametrize("purpose", [CheckPurpose.ENQUIRY, CheckPurpose.RECOMMENDATION])
def test_a_mismatch_sale_only_starts_from_the_customers_own_request(org, purpose):
    customer = customer_of(risk_level="C2")
    check, verdict = record(customer, product_of(risk_level="R4"), purpose=purpose)
    assert check.result == CheckResult.MISMATCH
    with pytest.raises(ValidationError, match="customer's own request") as refused:
        confirmation_record(
            check=check,
            actor=org.broker.user,
            warning_text=risk_warning_text(verdict, check.product, customer),
        )
    assert refused.value.code == "not_requested"
    assert not SuitabilityConfirmation.objects.exists()
    assert not sale_allowed(check)


def test_an_imported_mismatch_sale_brings_its_confirmation(org):
    """The selling system took the sale at the customer's request and names its recording."""
    customer = customer_of(risk_level="C2")
    check, verdict = record(customer, product_of(risk_level="R4"), purpose=CheckPurpose.SALE_IMPORT)
    assert not sale_allowed(check)
    confirmation_record(
        check=check,
        actor=None,
        warning_text=risk_warning_text(verdict, check.product, customer),
        recording_ref="rec://2026/11/20/0001",
    )
    assert sale_allowed(check)


def test_it_refuses_a_confirmation_without_the_warning_text(org, mismatch):
    check, _ = mismatch
    with pytest.raises(ValidationError) as refused:
        confirmation_record(check=check, actor=org.broker.user, warning_text="  ")
    assert refused.value.code == "no_warning"
    assert not SuitabilityConfirmation.objects.exists()


def test_the_models_refuse_to_change_or_delete_a_check_or_a_confirmation(org, mismatch):
    check, verdict = mismatch
    confirmation = confirmation_record(
        check=check,
        actor=org.broker.user,
        warning_text=risk_warning_text(verdict, check.product, check.customer),
    )
    for row in (check, confirmation):
        with pytest.raises(ValueError, match="append-only"):
            row.save()
        with pytest.raises(ValueError, match="append-only"):
            row.delete()
    check.result = CheckResult.SUITABLE
    with pytest.raises(ValueError, match="append-only"):
        check.save()
    assert SuitabilityCheck.objects.get(pk=check.pk).result == CheckResult.MISMATCH
    assert SuitabilityConfirmation.objects.filter(pk=confirmation.pk).exists()


# The database's own refusal (PostgreSQL).


@pytest.fixture
def confirmed(org, mismatch):
    check, verdict = mismatch
    confirmation = confirmation_record(
        check=check,
        actor=org.broker.user,
        warning_text=risk_warning_text(verdict, check.product, check.customer),
    )
    return check, confirmation


@pytest.fixture
def tampering_role(db):
    """A role (not a superuser) holding every privilege on every table, TRUNCATE included:
    only the triggers stand between it and the log."""
    name = f"{connection.settings_dict['NAME']}_tamperer"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}"')
        cursor.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{name}"')
    return name


@pytest.fixture
def app_role(db):
    """The application's own role of this test database (manage.py grant_app_role)."""
    name = f"{connection.settings_dict['NAME']}_app"[:63]
    call_command("grant_app_role", name, stdout=io.StringIO())
    return name


@contextmanager
def acting_as(role: str):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign-key check pending
        cursor.execute(f'SET ROLE "{role}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def refused(sql: str, match: str) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def assert_untouched(check, confirmation) -> None:
    assert SuitabilityCheck.objects.get(pk=check.pk).result == CheckResult.MISMATCH
    assert SuitabilityConfirmation.objects.get(pk=confirmation.pk).warning_text != "nothing"


@on_postgresql
def test_the_database_refuses_a_bulk_update_or_delete_through_the_orm(confirmed):
    check, confirmation = confirmed
    for queryset, change in (
        (SuitabilityCheck.objects.filter(pk=check.pk), {"result": CheckResult.SUITABLE}),
        (SuitabilityConfirmation.objects.filter(pk=confirmation.pk), {"warning_text": "x"}),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            queryset.update(**change)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            queryset._raw_delete(queryset.db)
    assert_untouched(check, confirmation)


@on_postgresql
def test_the_database_refuses_update_delete_and_truncate_to_a_role_holding_every_privilege(
    confirmed, tampering_role
):
    check, confirmation = confirmed
    with acting_as(tampering_role):
        refused(
            f"UPDATE products_suitabilitycheck SET result = 'suitable' WHERE id = {check.pk}",
            "products_suitabilitycheck is append-only",
        )
        refused(
            "UPDATE products_suitabilityconfirmation SET warning_text = 'nothing' "
            f"WHERE id = {confirmation.pk}",
            "products_suitabilityconfirmation is append-only",
        )
        refused(
            f"DELETE FROM products_suitabilityconfirmation WHERE id = {confirmation.pk}",
            "products_suitabilityconfirmation is append-only",
        )
        refused(
            f"DELETE FROM products_suitabilitycheck WHERE id = {check.pk}",
            "products_suitabilitycheck is append-only",
        )
        refused(
            "TRUNCATE products_suitabilityconfirmation",
            "products_suitabilityconfirmation is append-only",
        )
        refused("TRUNCATE products_suitabilitycheck CASCADE", "append-only")
        refused(
            "TRUNCATE products_suitabilitycheck, products_suitabilityconfirmation, "
            "products_productsale",
            "append-only",
        )
    assert_untouched(check, confirmation)


@on_postgresql
def test_the_application_role_appends_to_the_log_and_cannot_change_or_empty_it(org, app_role):
    customer = customer_of(risk_level="C2")
    with acting_as(app_role):
        check, verdict = record(customer, product_of(risk_level="R3"), actor=org.broker.user)
        confirmation = confirmation_record(
            check=check,
            actor=org.broker.user,
            warning_text=risk_warning_text(verdict, check.product, customer),
        )
        refused(
            f"UPDATE products_suitabilitycheck SET result = 'suitable' WHERE id = {check.pk}",
            "append-only|permission denied",
        )
        refused(
            f"DELETE FROM products_suitabilityconfirmation WHERE id = {confirmation.pk}",
            "append-only|permission denied",
        )
        for table in TABLES:
            refused(f"TRUNCATE {table} CASCADE", "append-only|permission denied")
            refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL", "must be owner")
            refused(f"DROP TRIGGER {table}_append_only ON {table}", "must be owner")
    assert_untouched(check, confirmation)


@on_postgresql
def test_the_triggers_are_installed_on_both_tables():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgrelid::regclass::text = ANY(%s)",
            [list(TABLES)],
        )
        found = set(cursor.fetchall())
    assert found == {
        (table, f"{table}_{suffix}")
        for table in TABLES
        for suffix in ("append_only", "no_truncate")
    }


def test_the_log_is_read_only_in_django_admin(client, org, confirmed):
    check, confirmation = confirmed
    org.admin.user.is_staff = org.admin.user.is_superuser = True
    org.admin.user.save()
    client.force_login(org.admin.user)
    for path, row, field in (
        ("/admin/products/suitabilitycheck/", check, "result"),
        ("/admin/products/suitabilityconfirmation/", confirmation, "warning_text"),
    ):
        listing = client.get(path)
        assert listing.status_code == 200
        assert check.customer.cust_no in listing.content.decode()
        assert client.get(f"{path}add/").status_code == 403
        page = client.get(f"{path}{row.pk}/change/")
        assert page.status_code == 200
        assert f'name="{field}"'.encode() not in page.content
        assert client.post(f"{path}{row.pk}/change/", {field: "x"}).status_code == 403
        assert client.post(f"{path}{row.pk}/delete/", {"post": "yes"}).status_code == 403
        assert client.post(
            path, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
        ).status_code in (200, 302, 403)
    assert_untouched(check, confirmation)
    page = client.get(
        f"/admin/products/suitabilitycheck/{check.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (
        "The product&#x27;s risk level is above the customer&#x27;s risk tolerance"
        in page.content.decode()
    )


def test_a_page_of_the_log_costs_the_same_few_queries_however_many_rows(
    client, org, django_assert_max_num_queries
):
    org.admin.user.is_staff = org.admin.user.is_superuser = True
    org.admin.user.save()
    client.force_login(org.admin.user)
    product = product_of(risk_level="R3")
    for number in range(12):
        customer = customer_of(risk_level="C2")
        check, verdict = record(customer, product, actor=org.broker.user)
        if number % 2:
            confirmation_record(
                check=check,
                actor=org.broker.user,
                warning_text=risk_warning_text(verdict, product, customer),
            )
    for path in ("/admin/products/suitabilitycheck/", "/admin/products/suitabilityconfirmation/"):
        with django_assert_max_num_queries(10):
            assert client.get(path).status_code == 200
