"""The moment a rule is read at: today (ages, "days since", "within the last N days") and the
latest business day with metrics (figures, holdings and the windows that end on it)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from analytics.models import CustomerDay
from customers.models import DailyPosition
from marketing.models import CustomerTier


@dataclass(frozen=True)
class RuleContext:
    today: datetime.date
    as_of: datetime.date
    assessment_valid_days: int = 730
    # The latest month tiers were evaluated for: the customers' current tier.
    tier_month: datetime.date | None = None


def rule_context(*, today: datetime.date | None = None) -> RuleContext:
    """The context of now: the metrics' latest day (the positions' when metrics have not run
    yet, today on an empty database) and the latest month with tiers."""
    today = today or timezone.localdate()
    as_of = (
        CustomerDay.objects.filter(business_date__lte=today).aggregate(day=Max("business_date"))[
            "day"
        ]
        or DailyPosition.objects.filter(business_date__lte=today).aggregate(
            day=Max("business_date")
        )["day"]
        or today
    )
    return RuleContext(
        today=today,
        as_of=as_of,
        assessment_valid_days=getattr(settings, "RISK_ASSESSMENT_VALID_DAYS", 730),
        tier_month=CustomerTier.objects.filter(month__lte=today).aggregate(month=Max("month"))[
            "month"
        ],
    )
