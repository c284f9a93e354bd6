"""The demo's segments and the command that evaluates segments alone."""

import pytest
from django.core.management import call_command

from customers.custom_fields import (
    custom_field_definitions,
    custom_value_clean,
    custom_value_python,
)
from customers.management.commands.demo_custom_fields import COHORTS, FIELDS
from customers.models import Customer, CustomField
from marketing.management.commands.demo_segments import RICH, SEGMENTS, STATIC, WEEKS_OF_HISTORY
from marketing.models import (
    Segment,
    SegmentChange,
    SegmentEvaluation,
    SegmentKind,
    SegmentMember,
)

from .segment_data import segment_dataset

pytestmark = pytest.mark.django_db


def test_the_demo_segments_are_created_evaluated_with_history_and_frozen_once(capsys):
    segment_dataset()
    call_command("demo_custom_fields")  # a demo segment reads them, as in `make demo`
    call_command("demo_segments")
    call_command("demo_segments")  # a second run adds nothing
    demo = Segment.objects.filter(name__in=[*SEGMENTS, STATIC])
    assert demo.count() == len(SEGMENTS) + 1
    rich = Segment.objects.get(name=RICH)
    # Evaluated weekly over the history when created, and once more by the second run.
    evaluations = SegmentEvaluation.objects.filter(segment=rich, error="")
    assert evaluations.count() == WEEKS_OF_HISTORY + 2
    days = list(SegmentChange.objects.filter(segment=rich).values_list("day", flat=True))
    assert days == sorted(days)
    assert not SegmentEvaluation.objects.exclude(error="").filter(segment__in=demo).exists()
    members = set(SegmentMember.objects.filter(segment=rich).values_list("customer__cust_no"))
    assert members == {("S006",)}  # total assets ≥ 1,000,000 and a normal account
    snapshot = Segment.objects.get(name=STATIC)
    assert snapshot.kind == SegmentKind.STATIC and snapshot.frozen_from == rich
    frozen = set(SegmentMember.objects.filter(segment=snapshot).values_list("customer__cust_no"))
    assert frozen == members


def test_evaluate_segments_reports_each_segment(capsys):
    data = segment_dataset()
    broken = Segment.objects.create(name="坏规则", rule={"field": "no_such_field", "op": "eq"})
    call_command("evaluate_segments", language="en")
    out = capsys.readouterr().out
    assert f"{data['dynamic'].name}: 5 members, 5 joined, 0 left" in out
    assert f"{broken.name}: failed, members kept:" in out


def test_the_demo_custom_fields_are_defined_and_valued_set_based(django_assert_max_num_queries):
    segment_dataset()
    # A handful per definition and one UPDATE per cohort, however many customers.
    with django_assert_max_num_queries(len(FIELDS) * 6 + COHORTS):
        call_command("demo_custom_fields")
    call_command("demo_custom_fields")
    assert set(CustomField.objects.values_list("key", flat=True)) >= {f["key"] for f in FIELDS}
    fields = {field.key: field for field in custom_field_definitions()}
    for customer in Customer.objects.filter(cust_type="0"):
        value = custom_value_python(fields["experience_years"], customer)
        if customer.pk % COHORTS:
            assert 0 <= value <= 60
            clean = custom_value_clean(fields["interests"], customer.custom_fields["interests"])
            assert clean == customer.custom_fields["interests"]
        else:
            assert value is None
    institution = Customer.objects.get(cust_no="S003")
    assert "experience_years" not in institution.custom_fields
