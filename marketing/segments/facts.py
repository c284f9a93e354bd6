"""One customer's data as the evaluator reads it: the rows themselves, loaded once per
explanation and summed in Python, so that the evaluator is a second, independent reading of
what the compiled query computes in SQL."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from analytics.models import CustomerDay, CustomerMonth
from customers.models import CapitalAccount, Customer, CustomerFigures, DailyCredit, DailyPosition

from .context import RuleContext


@dataclass(frozen=True)
class Holding:
    code: str
    industry: str
    quantity: Decimal
    market_value: Decimal


class Facts:
    def __init__(self, customer: Customer, context: RuleContext):
        self.customer = customer
        self.context = context
        self._days: dict[int, list[CustomerDay]] = {}

    @cached_property
    def figures(self) -> CustomerFigures | None:
        return CustomerFigures.objects.filter(customer=self.customer).first()

    @cached_property
    def accounts(self) -> list[CapitalAccount]:
        return list(CapitalAccount.objects.filter(customer=self.customer))

    @cached_property
    def holdings(self) -> list[Holding]:
        """The positions of the metrics day, with their security's code and industry."""
        rows = DailyPosition.objects.filter(
            business_date=self.context.as_of, account__customer=self.customer
        ).values_list("security__sec_code", "security__industry", "quantity", "market_value")
        return [Holding(*row) for row in rows]

    @cached_property
    def credit(self) -> list[DailyCredit]:
        return list(
            DailyCredit.objects.filter(
                business_date=self.context.as_of, account__customer=self.customer
            )
        )

    def days(self, count: int) -> list[CustomerDay]:
        """The customer's metrics days of the last `count` days up to the metrics day."""
        if count not in self._days:
            since = self.context.as_of - datetime.timedelta(days=count)
            self._days[count] = list(
                CustomerDay.objects.filter(
                    customer=self.customer,
                    business_date__gt=since,
                    business_date__lte=self.context.as_of,
                )
            )
        return self._days[count]

    @cached_property
    def months(self) -> list[CustomerMonth]:
        """The months of the metrics day's year, up to its month."""
        as_of = self.context.as_of
        return list(
            CustomerMonth.objects.filter(
                customer=self.customer,
                month__gte=datetime.date(as_of.year, 1, 1),
                month__lte=as_of,
            )
        )
