"""Fields computed from many rows per customer: metrics windows, holdings of a security or
an industry, the credit account's maintenance ratio. A sum or count over no rows is 0 (no
inflow is an inflow of 0); a ratio over none is missing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from analytics.models import RUNNING_FIGURES, CustomerMonth, CustomerRunning
from crm.dates import month_start
from customers.models import (
    AccountKind,
    CapitalAccount,
    DailyCredit,
    DailyPosition,
)
from products.models import Security

from .context import RuleContext
from .facts import Facts
from .kinds import Arg, Compiled, Field, industries
from .operators import (
    Kind,
    ValueProblem,
    value_q,
)
from .tree import Condition

# Sums, averages and counts over rows per customer: metrics windows, holdings, credit.

REDUCERS: dict[str, Callable[[list], Any]] = {
    "sum": lambda values: sum(values, Decimal(0)),
    "avg": lambda values: sum(values, Decimal(0)) / len(values),
    "min": min,
    "count": lambda values: len(set(values)),
}


@dataclass(frozen=True)
class AggregateField(Field):
    """A value computed from many rows per customer. Compiled as the set of customers whose
    rows pass, `pk IN (SELECT customer … GROUP BY customer HAVING …)`, which reads the rows
    once; where a customer without rows passes too (their sum is 0), as those who do not:
    `pk NOT IN (… HAVING NOT …)`."""

    reduce: str = "sum"
    # A customer without rows has 0 (a sum, a count); otherwise no value (a ratio).
    zero_default: bool = True

    @property
    def operators(self) -> tuple[str, ...]:
        """A sum or a count is never empty (0 without rows): no "is empty" then."""
        ops = super().operators
        return tuple(op for op in ops if op != "is_empty") if self.zero_default else ops

    def rows(self, condition: Condition, context: RuleContext) -> tuple[QuerySet, str, Any]:
        """The rows, the path from a row to its customer's id, and the aggregate of them."""
        raise NotImplementedError

    def sample(self, facts: Facts, condition: Condition) -> list:
        """The same rows' values for one customer."""
        raise NotImplementedError

    def _zero(self) -> Any:
        return 0 if self.kind == Kind.INTEGER else Decimal(0)

    def q(self, condition: Condition, context: RuleContext, name: str) -> Compiled:
        rows, path, aggregate = self.rows(condition, context)
        passes = value_q(name, self.kind, condition.op, condition.value, today=context.today)
        grouped = rows.order_by().values(path).annotate(**{name: aggregate})
        if condition.op == "is_empty":  # no rows, or rows without a value
            with_value = grouped.filter(**{f"{name}__isnull": False}).values(path)
            return Compiled(~Q(pk__in=with_value))
        if self.zero_default and self.test(condition, self._zero(), context):
            return Compiled(~Q(pk__in=grouped.filter(~passes).values(path)))
        return Compiled(Q(pk__in=grouped.filter(passes).values(path)))

    def reducer(self, condition: Condition) -> str:
        return self.reduce

    def value(self, facts: Facts, condition: Condition) -> Any:
        values = [value for value in self.sample(facts, condition) if value is not None]
        if not values:
            return self._zero() if self.zero_default else None
        return REDUCERS[self.reducer(condition)](values)


WINDOW_DAYS, WINDOW_MONTH, WINDOW_YEAR = "days", "month", "ytd"
WINDOW_CHOICES = (
    (WINDOW_DAYS, _("the last … days")),
    (WINDOW_MONTH, _("this month")),
    (WINDOW_YEAR, _("this year to date")),
)
MAX_WINDOW_DAYS = 3_660


@dataclass(frozen=True)
class WindowField(AggregateField):
    """A metric over a window that ends on the metrics day: the last N days (daily
    metrics), the month so far or the year to date (monthly metrics)."""

    day_field: str = ""
    month_field: str = ""
    windows: tuple[str, ...] = (WINDOW_DAYS, WINDOW_MONTH, WINDOW_YEAR)
    month_reduce: str = "sum"

    def __post_init__(self) -> None:
        if WINDOW_DAYS in self.windows and self.day_field not in RUNNING_FIGURES:
            raise ValueError(f"{self.key}: analytics keeps no running total of {self.day_field}")

    def arguments(self) -> tuple[Arg, ...]:
        choices = tuple(choice for choice in WINDOW_CHOICES if choice[0] in self.windows)
        return (
            Arg("window", _("period"), Kind.CHOICE, choices),
            Arg("days", _("days"), Kind.INTEGER),
        )

    def clean_args(self, args: dict) -> dict:
        window = args.get("window") or self.windows[0]
        if window not in self.windows:
            raise ValueProblem(_("Choose the period the figure is taken over."))
        if window != WINDOW_DAYS:
            return {"window": window}
        try:
            days = int(str(args.get("days", "")).strip())
        except ValueError:
            raise ValueProblem(_("Enter the number of days the figure is taken over.")) from None
        if not 1 <= days <= MAX_WINDOW_DAYS:
            raise ValueProblem(_("Enter a number of days from 1 to 3,660."))
        return {"window": window, "days": days}

    def describe(self, args: dict) -> str:
        window = args.get("window", self.windows[0])
        if window == WINDOW_DAYS:
            words = _("%(field)s over the last %(days)s days")
            return words % {"field": self.label, "days": args.get("days", "…")}
        if window == WINDOW_MONTH:
            return _("%(field)s this month") % {"field": self.label}
        return _("%(field)s this year to date") % {"field": self.label}

    def reducer(self, condition: Condition) -> str:
        return self.reduce if condition.args.get("window") == WINDOW_DAYS else self.month_reduce

    def rows(self, condition: Condition, context: RuleContext) -> tuple[QuerySet, str, Any]:
        window, as_of = condition.args.get("window"), context.as_of
        function = {"sum": Sum, "avg": Avg}[self.reducer(condition)]
        if window == WINDOW_DAYS:
            return self._running_rows(condition, as_of)
        months = CustomerMonth.objects.filter(month__lte=as_of)
        if window == WINDOW_MONTH:
            months = months.filter(month=month_start(as_of))
        else:
            months = months.filter(month__gte=datetime.date(as_of.year, 1, 1))
        return months, "customer_id", function(self.month_field)

    def _running_rows(self, condition: Condition, as_of: datetime.date):
        """The last N days from the running totals (analytics.CustomerRunning): per
        customer, the metrics day's sums minus those of the last day with metrics on or
        before the window's start (none: nothing before it). Two days' rows per customer
        instead of every row of the window; the same sums (the evaluator adds the rows up).
        An average is the sums' difference over the difference of the days counted."""
        since = as_of - datetime.timedelta(days=condition.args["days"])
        start = (
            CustomerRunning.objects.filter(business_date__lte=since)
            .order_by("-business_date")
            .values("business_date")[:1]
        )
        rows = CustomerRunning.objects.filter(
            Q(business_date=as_of) | Q(business_date=Subquery(start))
        )

        def window_sum(field: str):
            return Sum(
                Case(When(business_date=as_of, then=F(field)), default=-F(field)),
                output_field=CustomerRunning._meta.get_field(field),
            )

        total = window_sum(self.day_field)
        if self.reducer(condition) == "sum":
            return rows, "customer_id", total
        days = window_sum("days")
        average = Case(
            When(GreaterThan(days, 0), then=ExpressionWrapper(total / days, DecimalField())),
            default=Value(Decimal(0)),
            output_field=DecimalField(),
        )
        return rows, "customer_id", average

    def sample(self, facts: Facts, condition: Condition) -> list:
        window, as_of = condition.args.get("window"), facts.context.as_of
        if window == WINDOW_DAYS:
            return [getattr(day, self.day_field) for day in facts.days(condition.args["days"])]
        months = [
            month
            for month in facts.months
            if window != WINDOW_MONTH or month.month == month_start(as_of)
        ]
        return [getattr(month, self.month_field) for month in months]


@dataclass(frozen=True)
class HoldingAggregateField(AggregateField):
    """Market value or quantity held of one security or industry, or how many securities."""

    measure: str = "market_value"  # or "quantity", or "securities" (a count)
    by: str = ""  # "security" or "industry": the option that narrows the positions
    words: Promise | str = ""

    def arguments(self) -> tuple[Arg, ...]:
        if self.by == "security":
            return (Arg("security", _("security code"), Kind.TEXT),)
        if self.by == "industry":
            return (Arg("industry", _("industry"), Kind.CHOICE),)
        return ()

    def clean_args(self, args: dict) -> dict:
        if not self.by:
            return {}
        value = str(args.get(self.by) or "").strip()
        if self.by == "security" and not Security.objects.filter(sec_code=value).exists():
            raise ValueProblem(_("No security has the code %(code)s.") % {"code": value})
        if self.by == "industry" and value not in industries():
            raise ValueProblem(_("Choose an industry."))
        return {self.by: value}

    def describe(self, args: dict) -> str:
        if not self.by:
            return str(self.label)
        return str(self.words) % {self.by: args.get(self.by, "…")}

    def rows(self, condition: Condition, context: RuleContext) -> tuple[QuerySet, str, Any]:
        rows = DailyPosition.objects.filter(business_date=context.as_of)
        if self.by == "security":
            rows = rows.filter(security__sec_code=condition.args["security"])
        elif self.by == "industry":
            rows = rows.filter(security__industry=condition.args["industry"])
        if self.measure == "securities":
            held = Count("security", distinct=True, filter=Q(quantity__gt=0))
            return rows, "account__customer_id", held
        return rows, "account__customer_id", Sum(self.measure)

    def sample(self, facts: Facts, condition: Condition) -> list:
        holdings = facts.holdings
        if self.by == "security":
            holdings = [h for h in holdings if h.code == condition.args["security"]]
        elif self.by == "industry":
            holdings = [h for h in holdings if h.industry == condition.args["industry"]]
        if self.measure == "securities":
            return [h.code for h in holdings if h.quantity > 0]
        return [getattr(h, self.measure) for h in holdings]


@dataclass(frozen=True)
class CreditRatioField(AggregateField):
    """The lowest maintenance ratio of the customer's credit accounts on the metrics day."""

    def rows(self, condition: Condition, context: RuleContext) -> tuple[QuerySet, str, Any]:
        rows = DailyCredit.objects.filter(business_date=context.as_of)
        return rows, "account__customer_id", Min("maintenance_ratio")

    def sample(self, facts: Facts, condition: Condition) -> list:
        return [credit.maintenance_ratio for credit in facts.credit]


@dataclass(frozen=True)
class CreditAccountField(Field):
    """Whether the customer has a credit (margin) account."""

    def q(self, condition: Condition, context: RuleContext, name: str) -> Compiled:
        credit = CapitalAccount.objects.filter(
            customer=OuterRef("pk"), account_kind=AccountKind.CREDIT
        )
        has = Q(Exists(credit))
        return Compiled(has if condition.value else ~has)

    def value(self, facts: Facts, condition: Condition) -> Any:
        return any(account.account_kind == AccountKind.CREDIT for account in facts.accounts)
