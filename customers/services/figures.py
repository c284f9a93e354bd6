"""The current figures of every customer (CustomerFigures), refreshed set-based from the
latest loaded business day, so that lists filter and sort without reading daily facts.

Total assets are the CNY cash of all the customer's accounts plus the market value of all
their positions (a credit account's collateral is its own cash and positions, so it is not
added again); liabilities are financing and lending debt plus accrued interest.
"""

import datetime

from django.db import connection, transaction

from crm.sql import Dialect

# A customer's cash (b.cash), market value (p.market_value) and credit account
# (cr.collateral, cr.financing, cr.debt) on {day}: the one definition of a day's assets,
# shared with the metrics step (analytics/services.py).
DAY_ASSET_JOINS = """
    LEFT JOIN (
        SELECT a.customer_id, SUM(x.balance) AS cash
        FROM customers_dailybalance x JOIN customers_capitalaccount a ON a.id = x.account_id
        WHERE x.business_date = {day} AND x.currency = 'CNY' GROUP BY a.customer_id
    ) b ON b.customer_id = c.id
    LEFT JOIN (
        SELECT a.customer_id, SUM(x.market_value) AS market_value
        FROM customers_dailyposition x JOIN customers_capitalaccount a ON a.id = x.account_id
        WHERE x.business_date = {day} GROUP BY a.customer_id
    ) p ON p.customer_id = c.id
    LEFT JOIN (
        SELECT a.customer_id, SUM(x.collateral_value) AS collateral,
               SUM(x.financing_debt) AS financing,
               SUM(x.financing_debt + x.lending_debt + x.accrued_interest) AS debt
        FROM customers_dailycredit x JOIN customers_capitalaccount a ON a.id = x.account_id
        WHERE x.business_date = {day} GROUP BY a.customer_id
    ) cr ON cr.customer_id = c.id
"""

REFRESH = """
INSERT INTO customers_customerfigures (
    customer_id, as_of, cash, market_value, liabilities, total_assets, net_assets,
    position_ratio, last_trade_date)
SELECT c.id, {day}, cash, market_value, liabilities, cash + market_value,
       cash + market_value - liabilities,
       CASE WHEN cash + market_value > 0
            THEN ROUND(market_value * 1.0 / (cash + market_value), 4) END,
       last_trade_date
FROM (
    SELECT c.id,
           COALESCE(b.cash, 0) AS cash,
           COALESCE(p.market_value, 0) AS market_value,
           COALESCE(cr.debt, 0) AS liabilities,
           t.last_trade_date
    FROM customers_customer c
{assets}    LEFT JOIN (
        SELECT a.customer_id, MAX(x.trade_date) AS last_trade_date
        FROM customers_trade x JOIN customers_capitalaccount a ON a.id = x.account_id
        WHERE {trades} GROUP BY a.customer_id
    ) t ON t.customer_id = c.id
) c
WHERE TRUE
ON CONFLICT (customer_id) DO UPDATE SET
    as_of = excluded.as_of, cash = excluded.cash, market_value = excluded.market_value,
    liabilities = excluded.liabilities, total_assets = excluded.total_assets,
    net_assets = excluded.net_assets, position_ratio = excluded.position_ratio,
    last_trade_date = COALESCE(excluded.last_trade_date,
                               customers_customerfigures.last_trade_date)
"""


@transaction.atomic
def customer_figures_refresh(*, day: datetime.date, full_history: bool = False) -> int:
    """Refresh every customer's figures as of `day`; returns the rows written.

    The nightly import calls it for each new latest day, which only needs that day's trades
    to move "last trade" forward; `full_history` reads all trades up to `day` (backfills).
    """
    day_sql = Dialect(connection.vendor).day(day)
    trades = f"x.trade_date <= {day_sql}" if full_history else f"x.trade_date = {day_sql}"
    with connection.cursor() as cursor:
        assets = DAY_ASSET_JOINS.format(day=day_sql)
        cursor.execute(REFRESH.format(day=day_sql, trades=trades, assets=assets))
        return cursor.rowcount
