"""Demo and benchmark data: a deterministic generator of trading-counter end-of-day exports
in the COUNTER_EXPORTS.md layout. It only writes day folders; reading them into the CRM is
the import's job (customers/etl/). Django must be set up: the codes come from the models.

- exports: generate_exports, and the counter's state from one day to the next
- days: the business calendars (every weekday, or the exchanges')
- people: branches, staff and the personal columns of customers.csv
- accounts: customers, their holdings and margin accounts before the first day; openings
- market: the securities and their closes
- trading: a day's trades, fees, cash flows, balances and positions
- rejects: the spoilt lines planted for the demo's users to correct
- files: the files' columns, the CSV sheets, the manifest; money and dates as text
- sampling: drawing from cumulative weights
"""
