"""Custom fields: validation of every kind, values typed in SQL on both databases (numbers as
numbers, dates as dates), multiple choices matched by element, the 360 edit (audited, by
role and scope), retiring, and a change of kind converting or refusing the stored values
(customers/custom_fields.py, customers/services/custom_fields.py)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from crm.models import AuditEntry, Role
from customers.custom_fields import (
    custom_field_definitions,
    custom_multi_has_q,
    custom_value_clean,
    custom_value_expression,
    custom_value_python,
)
from customers.models import Customer, CustomField, CustomFieldKind
from customers.services.custom_fields import (
    CustomFieldValuesRefused,
    custom_field_save,
    custom_field_values_check,
    customer_custom_fields_update,
)
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LEVELS = [
    {"value": "ab", "label": "AB"},
    {"value": "abc", "label": "ABC"},
    {"value": "x", "label": "X"},
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def field_make(key="rank", kind=CustomFieldKind.TEXT, **attrs) -> CustomField:
    return CustomField.objects.create(key=key, label=key.title(), kind=kind, **attrs)


def with_values(field: CustomField, values: dict) -> dict[str, Customer]:
    """Customers by number, each holding its value of `field` as stored."""
    customers = {}
    for number, value in values.items():
        customer = CustomerFactory(cust_no=number)
        customer.custom_fields = {field.key: value}
        customer.save()
        customers[number] = customer
    return customers


def numbers(queryset) -> list[str]:
    return sorted(queryset.values_list("cust_no", flat=True))


def typed(field: CustomField, **lookup) -> list[str]:
    annotated = Customer.objects.annotate(v=custom_value_expression(field))
    return numbers(annotated.filter(**lookup))


# -- validation of every kind ------------------------------------------------------------------


def messages_of(field, raw) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        custom_value_clean(field, raw)
    return refused.value.messages


def test_it_cleans_text_against_its_pattern(db):
    field = CustomField(key="code", kind=CustomFieldKind.TEXT, pattern=r"[A-Z]{2}\d{3}")
    assert custom_value_clean(field, " AB123 ") == "AB123"
    assert messages_of(field, "AB12") == [r"Enter a value of the form [A-Z]{2}\d{3}."]
    assert custom_value_clean(field, "") is None


def test_it_cleans_whole_numbers_within_their_bounds(db):
    field = CustomField(key="n", kind=CustomFieldKind.INTEGER, min_value="1", max_value="10")
    assert custom_value_clean(field, "9") == 9
    assert custom_value_clean(field, 10) == 10
    assert messages_of(field, "abc") == ["Enter a whole number."]
    assert messages_of(field, "9.5") == ["Enter a whole number."]
    assert messages_of(field, "11") == ["Enter a value of at most 10."]
    assert messages_of(field, "0") == ["Enter a value of at least 1."]
    assert messages_of(field, str(2**63)) == ["Enter a smaller number."]
    assert messages_of(field, True) == ["Enter a whole number."]


def test_it_cleans_decimals_exactly(db):
    field = CustomField(key="d", kind=CustomFieldKind.DECIMAL, min_value="0.01")
    assert custom_value_clean(field, "1234.50") == Decimal("1234.50")
    assert messages_of(field, "0.001") == ["Enter a value of at least 0.01."]
    assert messages_of(field, "1e3") == ["Enter a number."]
    assert messages_of(field, "NaN") == ["Enter a number."]
    assert messages_of(field, "1.1234567") == ["Enter at most 6 decimal places."]
    assert messages_of(field, "1234567890123456") == ["Enter at most 15 digits."]


def test_it_cleans_dates_as_iso_days_within_their_bounds(db):
    field = CustomField(key="day", kind=CustomFieldKind.DATE, max_value="2026-12-31")
    assert custom_value_clean(field, "2026-02-28") == datetime.date(2026, 2, 28)
    assert messages_of(field, "2026-02-30") == ["Enter a date as YYYY-MM-DD."]
    assert messages_of(field, "28/02/2026") == ["Enter a date as YYYY-MM-DD."]
    assert messages_of(field, "2027-01-01") == ["Enter a value of at most 2026-12-31."]
    assert "1900" in messages_of(field, "1899-12-31")[0]


def test_it_cleans_choices_against_the_list(db):
    field = CustomField(key="level", kind=CustomFieldKind.CHOICE, choices=LEVELS)
    assert custom_value_clean(field, "abc") == "abc"
    assert messages_of(field, "zz") == ["“zz” is not one of the choices."]


def test_it_cleans_multiple_choices_in_the_fields_order_each_once(db):
    field = CustomField(key="tags", kind=CustomFieldKind.MULTI_CHOICE, choices=LEVELS)
    assert custom_value_clean(field, ["x", "ab", "x"]) == ["ab", "x"]
    assert custom_value_clean(field, "abc, x") == ["abc", "x"]
    assert messages_of(field, ["ab", "a"]) == ["“a” is not one of the choices."]
    assert custom_value_clean(field, []) is None


def test_it_cleans_yes_and_no(db):
    field = CustomField(key="vip", kind=CustomFieldKind.BOOLEAN)
    assert custom_value_clean(field, "yes") is True
    assert custom_value_clean(field, "false") is False
    assert custom_value_clean(field, "是") is True
    assert messages_of(field, "maybe") == ["Choose yes or no."]


def test_it_refuses_an_empty_required_field_of_any_kind(db):
    for kind in CustomFieldKind.values:
        field = CustomField(key="k", kind=kind, required=True, choices=LEVELS)
        assert messages_of(field, "") == ["This field is required."], kind
        assert messages_of(field, []) == ["This field is required."], kind


# -- typed in SQL -------------------------------------------------------------------------------


def test_it_compares_whole_numbers_as_numbers_not_text(db):
    field = field_make("visits", CustomFieldKind.INTEGER)
    with_values(field, {"N9": 9, "N10": 10, "N100": 100, "N2": 2})
    assert typed(field, v__gte=9) == ["N10", "N100", "N9"]  # as text, "10" < "9"
    assert typed(field, v__lt=10) == ["N2", "N9"]
    ordered = Customer.objects.annotate(v=custom_value_expression(field)).order_by("v")
    assert list(ordered.values_list("cust_no", flat=True)) == ["N2", "N9", "N10", "N100"]


def test_it_compares_decimals_exactly_as_numbers(db):
    field = field_make("income", CustomFieldKind.DECIMAL)
    with_values(field, {"D1": "9.99", "D2": "10.00", "D3": "100000000.01", "D4": "100000000.02"})
    assert typed(field, v__gte=Decimal("10")) == ["D2", "D3", "D4"]
    assert typed(field, v__gt=Decimal("100000000.01")) == ["D4"]
    value = Customer.objects.annotate(v=custom_value_expression(field)).get(cust_no="D3").v
    assert value == Decimal("100000000.01")


def test_it_compares_dates_as_dates_across_months_and_years(db):
    field = field_make("renewal", CustomFieldKind.DATE)
    with_values(field, {"A": "2025-12-31", "B": "2026-01-05", "C": "2026-10-01", "D": "2026-09-30"})
    assert typed(field, v__gte=datetime.date(2026, 1, 1)) == ["B", "C", "D"]
    assert typed(field, v__lt=datetime.date(2026, 10, 1)) == ["A", "B", "D"]
    value = Customer.objects.annotate(v=custom_value_expression(field)).get(cust_no="C").v
    assert value == datetime.date(2026, 10, 1)


def test_it_reads_booleans_as_booleans_and_absent_values_as_null(db):
    field = field_make("vip", CustomFieldKind.BOOLEAN)
    with_values(field, {"Y": True, "N": False})
    CustomerFactory(cust_no="E")
    assert typed(field, v=True) == ["Y"]
    assert typed(field, v=False) == ["N"]
    assert typed(field, v__isnull=True) == ["E"]


def test_it_matches_a_multiple_choice_by_element_not_by_substring(db):
    field = field_make("tags", CustomFieldKind.MULTI_CHOICE, choices=LEVELS)
    with_values(field, {"ABC": ["abc"], "AB": ["ab", "x"], "NONE": []})
    CustomerFactory(cust_no="EMPTY")
    has = Customer.objects.filter(custom_multi_has_q(field, "ab"))
    assert numbers(has) == ["AB"]
    assert numbers(Customer.objects.filter(custom_multi_has_q(field, "abc"))) == ["ABC"]
    # Negated, customers without the value are in, as "does not have ab" says.
    assert numbers(Customer.objects.exclude(custom_multi_has_q(field, "ab"))) == [
        "ABC",
        "EMPTY",
        "NONE",
    ]


def test_it_reads_values_typed_in_python(db):
    fields = {
        "n": (CustomFieldKind.INTEGER, 9, 9),
        "d": (CustomFieldKind.DECIMAL, "1.50", Decimal("1.50")),
        "day": (CustomFieldKind.DATE, "2026-01-05", datetime.date(2026, 1, 5)),
        "tags": (CustomFieldKind.MULTI_CHOICE, ["ab"], ["ab"]),
        "vip": (CustomFieldKind.BOOLEAN, False, False),
        "note": (CustomFieldKind.TEXT, "hello", "hello"),
    }
    customer = CustomerFactory(
        custom_fields={key: stored for key, (_, stored, _) in fields.items()}
    )
    for key, (kind, _stored, expected) in fields.items():
        field = CustomField(key=key, kind=kind)
        assert custom_value_python(field, customer) == expected, key
    assert custom_value_python(CustomField(key="absent"), customer) is None


# -- editing a customer's values ----------------------------------------------------------------


def test_it_stores_each_kind_as_documented_and_audits_the_change(org):
    field_make("visits", CustomFieldKind.INTEGER)
    field_make("income", CustomFieldKind.DECIMAL)
    field_make("renewal", CustomFieldKind.DATE)
    customer = org.broker_customer
    changes = customer_custom_fields_update(
        customer=customer,
        values={"visits": "12", "income": "1234.50", "renewal": "2026-03-01"},
        by=org.broker.user,
    )
    customer.refresh_from_db()
    assert customer.custom_fields == {"visits": 12, "income": "1234.50", "renewal": "2026-03-01"}
    entry = AuditEntry.objects.get(action="customer.custom_fields")
    assert entry.object_id == str(customer.pk)
    assert entry.details["changes"]["visits"] == {"from": None, "to": 12}
    assert set(changes) == {"visits", "income", "renewal"}


def test_it_writes_no_audit_entry_when_nothing_changed(org):
    field_make("visits", CustomFieldKind.INTEGER)
    customer = org.broker_customer
    customer_custom_fields_update(customer=customer, values={"visits": "1"}, by=org.broker.user)
    customer_custom_fields_update(customer=customer, values={"visits": "1"}, by=org.broker.user)
    assert AuditEntry.objects.filter(action="customer.custom_fields").count() == 1


def test_it_refuses_invalid_values_by_key_and_writes_nothing(org):
    field_make("visits", CustomFieldKind.INTEGER, max_value="10")
    field_make("code", CustomFieldKind.TEXT, required=True)
    customer = org.broker_customer
    with pytest.raises(ValidationError) as refused:
        customer_custom_fields_update(
            customer=customer, values={"visits": "11", "code": ""}, by=org.broker.user
        )
    assert refused.value.message_dict == {
        "visits": ["Enter a value of at most 10."],
        "code": ["This field is required."],
    }
    customer.refresh_from_db()
    assert customer.custom_fields == {}
    assert not AuditEntry.objects.filter(action="customer.custom_fields").exists()


def test_it_refuses_a_field_not_kept_for_the_customers_type(org):
    field_make("board", CustomFieldKind.TEXT, applies_to="1")
    with pytest.raises(ValidationError) as refused:
        customer_custom_fields_update(
            customer=org.broker_customer, values={"board": "x"}, by=org.broker.user
        )
    assert "not kept for Individual customers" in refused.value.message_dict["board"][0]


def test_it_lets_only_the_roles_a_field_names_edit_it(org):
    field_make("limit", CustomFieldKind.INTEGER, edit_roles=[Role.BRANCH_MANAGER])
    customer = org.broker_customer
    with pytest.raises(ValidationError) as refused:
        customer_custom_fields_update(customer=customer, values={"limit": "5"}, by=org.broker.user)
    assert refused.value.message_dict == {"limit": ["Your role may not change this field."]}
    customer_custom_fields_update(
        customer=customer, values={"limit": "5"}, by=org.branch_manager.user
    )
    customer.refresh_from_db()
    assert customer.custom_fields == {"limit": 5}


def test_it_refuses_a_user_who_may_not_act_for_the_customer(org):
    field_make("visits", CustomFieldKind.INTEGER)
    with pytest.raises(PermissionDenied):
        customer_custom_fields_update(
            customer=org.teammate_customer, values={"visits": "1"}, by=org.broker.user
        )


def test_it_keeps_the_values_of_a_retired_field_and_hides_it(org):
    field = field_make("visits", CustomFieldKind.INTEGER)
    field_make("other", CustomFieldKind.TEXT)
    customer = org.broker_customer
    customer_custom_fields_update(customer=customer, values={"visits": "3"}, by=org.broker.user)
    field.retired = True
    custom_field_save(field=field)
    assert [f.key for f in custom_field_definitions()] == ["other"]
    assert [f.key for f in custom_field_definitions(include_retired=True)] == ["other", "visits"]
    customer_custom_fields_update(customer=customer, values={"other": "x"}, by=org.broker.user)
    customer.refresh_from_db()
    assert customer.custom_fields == {"visits": 3, "other": "x"}
    with pytest.raises(ValidationError):
        customer_custom_fields_update(customer=customer, values={"visits": "4"}, by=org.broker.user)


# -- a change of kind ---------------------------------------------------------------------------


def test_it_converts_text_to_whole_numbers_and_reports_what_cannot_be(db):
    field = field_make("score", CustomFieldKind.TEXT)
    with_values(field, {"C1": "12", "C2": "abc", "C3": "7", "C4": "12"})
    field.kind = CustomFieldKind.INTEGER
    previous = CustomField.objects.get(pk=field.pk)
    report = custom_field_values_check(field=field, previous=previous)
    assert [(v.stored, v.becomes, v.customers) for v in report.converted] == [
        ("12", 12, ("C1", "C4")),
        ("7", 7, ("C3",)),
    ]
    assert [(v.stored, v.customers, v.reason) for v in report.refused] == [
        ("abc", ("C2",), "Enter a whole number.")
    ]
    with pytest.raises(CustomFieldValuesRefused):
        custom_field_save(field=field)
    assert CustomField.objects.get(pk=field.pk).kind == CustomFieldKind.TEXT
    assert Customer.objects.get(cust_no="C1").custom_fields == {"score": "12"}


def test_it_converts_and_clears_when_allowed_and_audits_it(org):
    field = field_make("score", CustomFieldKind.TEXT)
    with_values(field, {"C1": "12", "C2": "abc", "C3": "7"})
    Customer.objects.filter(cust_no="C3").update(custom_fields={"score": "7", "keep": "me"})
    field.kind = CustomFieldKind.INTEGER
    report = custom_field_save(field=field, clear_refused=True, by=org.admin.user)
    assert report.converted_customers == 2 and report.refused_customers == 1
    stored = dict(Customer.objects.values_list("cust_no", "custom_fields"))
    assert stored["C1"] == {"score": 12}
    assert stored["C2"] == {}
    assert stored["C3"] == {"score": 7, "keep": "me"}
    assert typed(field, v__gte=8) == ["C1"]
    entry = AuditEntry.objects.get(action="custom_field.values_convert")
    assert entry.details["converted"] == 2 and entry.details["cleared"] == 1
    assert {"customer": "C2", "from": "abc", "to": None, "reason": "Enter a whole number."} in (
        entry.details["cleared_customers"]
    )


def test_it_refuses_to_remove_a_choice_still_in_use_unless_cleared(db):
    field = field_make("level", CustomFieldKind.CHOICE, choices=LEVELS)
    with_values(field, {"C1": "x", "C2": "ab"})
    field.choices = LEVELS[:2]
    with pytest.raises(CustomFieldValuesRefused) as refused:
        custom_field_save(field=field)
    assert [v.customers for v in refused.value.report.refused] == [("C1",)]
    custom_field_save(field=field, clear_refused=True)
    assert dict(Customer.objects.values_list("cust_no", "custom_fields")) == {
        "C1": {},
        "C2": {"level": "ab"},
    }


def test_it_converts_a_multiple_choice_to_text_and_back(db):
    field = field_make("tags", CustomFieldKind.MULTI_CHOICE, choices=LEVELS)
    with_values(field, {"C1": ["ab", "x"]})
    field.kind = CustomFieldKind.TEXT
    field.choices = []
    custom_field_save(field=field)
    assert Customer.objects.get(cust_no="C1").custom_fields == {"tags": "ab, x"}
    field.kind = CustomFieldKind.MULTI_CHOICE
    field.choices = LEVELS
    custom_field_save(field=field)
    assert Customer.objects.get(cust_no="C1").custom_fields == {"tags": ["ab", "x"]}


def test_the_key_of_a_saved_field_never_changes(db):
    field = field_make("score")
    field.key = "other"
    with pytest.raises(ValidationError):
        custom_field_save(field=field)
