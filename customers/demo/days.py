"""The business days the generator writes: every weekday, or the exchanges' calendar.

Fixed anchor, so that the output never depends on the day it runs."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

# Default last business day.
ANCHOR_LAST_DAY = date(2026, 11, 20)
# "weekdays": Monday to Friday. "exchange": the Shanghai and Shenzhen exchanges' days, closed
# on every weekend (also on the make-up working days of the public holidays) and on the
# weekdays of China's public holidays, as the `holidays` package publishes them.
CALENDARS = ("weekdays", "exchange")


@cache
def exchange_holidays(year: int) -> frozenset[date]:
    """The days of `year` on which the Shanghai Stock Exchange (and Shenzhen with it) is
    closed besides weekends: public holidays and the weekdays taken off in their place."""
    import holidays  # only the exchange calendar needs it; the benchmarks run without

    return frozenset(holidays.financial_holidays("XSHG", years=year))


def is_business_day(day: date, calendar: str = "weekdays") -> bool:
    if day.weekday() >= 5:
        return False
    return calendar == "weekdays" or day not in exchange_holidays(day.year)


def business_days(start: date, count: int, calendar: str = "weekdays") -> list[date]:
    """`count` consecutive business days of `calendar` (see CALENDARS) from `start` on."""
    if calendar not in CALENDARS:
        raise ValueError(f"calendar must be one of {', '.join(CALENDARS)}, not {calendar!r}")
    days: list[date] = []
    day = start
    while len(days) < count:
        if is_business_day(day, calendar):
            days.append(day)
        day += timedelta(days=1)
    return days


def previous_business_day(day: date, calendar: str = "weekdays") -> date:
    day -= timedelta(days=1)
    while not is_business_day(day, calendar):
        day -= timedelta(days=1)
    return day


def default_start_date(days: int, calendar: str = "weekdays") -> date:
    """The first of `days` business days ending on ANCHOR_LAST_DAY."""
    day, left = ANCHOR_LAST_DAY, days - 1
    while left > 0:
        day -= timedelta(days=1)
        left -= is_business_day(day, calendar)
    return day
