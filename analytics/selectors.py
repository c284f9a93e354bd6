"""Reads of the analytics app. Functions named `*_for_customer` take a customer the caller
obtained through the scoping road (customer_get_for_user) and read only its rows."""

import datetime
from decimal import Decimal

from django.db import connection

from analytics.models import CustomerMonth

RANK_SQL = """
SELECT COUNT(*), SUM(CASE WHEN total > %s THEN 1 ELSE 0 END)
FROM (
    SELECT customer_id, SUM(contribution) AS total FROM analytics_customermonth
    WHERE branch_id = %s AND month >= %s AND month <= %s GROUP BY customer_id
) ytd
"""


def contribution_for_customer(customer, *, today: datetime.date) -> dict:
    """The last twelve months of contribution, this year's totals and the customer's rank
    by contribution among the customers of their branch this year (two queries)."""
    year_start = today.replace(month=1, day=1)
    first = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    months = list(
        CustomerMonth.objects.filter(customer=customer, month__gte=first, month__lte=today)
        .order_by("month")
        .values(
            "month",
            "contribution",
            "net_commission",
            "interest_income",
            "margin_interest",
            "average_assets",
        )
    )
    this_year = [m for m in months if m["month"] >= year_start]
    ytd = sum((m["contribution"] for m in this_year), Decimal("0"))
    rank = total = None
    if this_year:
        with connection.cursor() as cursor:
            cursor.execute(RANK_SQL, [ytd, customer.branch_id, year_start, today])
            total, above = cursor.fetchone()
            rank = (above or 0) + 1
    return {
        "months": months,
        "contribution_ytd": ytd,
        "net_commission_ytd": sum((m["net_commission"] for m in this_year), Decimal("0")),
        "rank": rank,
        "ranked": total,
    }
