"""Segments over the cast of tests/conftest.py for the segment pages' tests: a rule on the
risk level, evaluated on chosen days (each evaluation's day is its context's today)."""

import datetime

from django.utils import timezone

from customers.models import Customer
from marketing.models import Segment, SegmentKind
from marketing.segments.context import RuleContext
from marketing.services.segments import segment_evaluate

C4 = {"group": "and", "rules": [{"field": "risk_level", "op": "eq", "value": "C4"}]}


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def risk(level: str, *customers: Customer) -> None:
    Customer.objects.filter(pk__in=[customer.pk for customer in customers]).update(risk_level=level)


def segment_make(name: str = "进取型客户", rule: dict | None = None, **fields) -> Segment:
    return Segment.objects.create(name=name, rule=rule or C4, **fields)


def static_make(name: str = "名单", **fields) -> Segment:
    return Segment.objects.create(name=name, kind=SegmentKind.STATIC, **fields)


def evaluate_on(segment: Segment, day: datetime.date):
    return segment_evaluate(segment, context=RuleContext(today=day, as_of=day))
