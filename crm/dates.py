"""Dates, written once for every app. The span of dates a person may enter, for every form
and filter: from 1900 to a few days (per field) ahead of today. Outside it a value is a typo
or a probe, and one stored (year 1 is 1 BC on PostgreSQL) breaks every page that reads it
back. And the month arithmetic the partitions, the metrics, the dashboards and the 360 page
share: a month is the date of its first day."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

EARLIEST = datetime.date(1900, 1, 1)
EARLIEST_MOMENT = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


def stored_from_1900(field: str, *, name: str, moment: bool = False) -> models.CheckConstraint:
    """The database's own guard for a date (or, with `moment`, a datetime) a person enters:
    nothing before 1900 is stored, whichever way it comes in (a NULL passes)."""
    earliest = EARLIEST_MOMENT if moment else EARLIEST
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__gte": earliest}) | models.Q(**{f"{field}__isnull": True}),
        name=name,
    )


@deconstructible
class DateWithinBounds:
    """Refuses a date or datetime before 1900 or more than `days_ahead` days after today."""

    message = _("Enter a date between %(earliest)s and %(latest)s.")

    def __init__(self, days_ahead: int):
        self.days_ahead = days_ahead

    def latest(self) -> datetime.date:
        return timezone.localdate() + datetime.timedelta(days=self.days_ahead)

    def __call__(self, value) -> None:
        if value is None:
            return
        day = timezone.localtime(value).date() if isinstance(value, datetime.datetime) else value
        if not EARLIEST <= day <= self.latest():
            raise ValidationError(
                self.message,
                code="date_out_of_bounds",
                params={"earliest": EARLIEST.isoformat(), "latest": self.latest().isoformat()},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, DateWithinBounds) and other.days_ahead == self.days_ahead


def day_from_digits(text: str) -> datetime.date:
    """The date written YYYYMMDD (a counter's day folder, a day partition's suffix); ValueError
    for any other text, or for digits that name no day (20260230)."""
    if len(text) != 8 or not (text.isascii() and text.isdigit()):
        raise ValueError(f"{text!r} is not a date written YYYYMMDD")
    return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))


def month_start(day: datetime.date) -> datetime.date:
    """The first day of `day`'s month: the date that stands for the month."""
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    """The last day of `day`'s month."""
    return next_month(day) - datetime.timedelta(days=1)


def months_later(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after `day`'s (before it, for a negative count)."""
    year, index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return datetime.date(year, index + 1, 1)


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after `day`'s."""
    return months_later(day, 1)


def previous_month(day: datetime.date) -> datetime.date:
    """The first day of the month before `day`'s."""
    return months_later(day, -1)


def whole_months(start: datetime.date, today: datetime.date) -> int:
    """The whole months from `start` to `today` (none for a day in the future)."""
    months = (today.year - start.year) * 12 + today.month - start.month
    if today.day < start.day:
        months -= 1
    return max(months, 0)


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def whole_years(start: datetime.date, today: datetime.date) -> int:
    """The whole years from `start` to `today` (an age; negative for a day in the future);
    born on 29 February, one turns a year older on 1 March."""
    return today.year - start.year - ((today.month, today.day) < (start.month, start.day))
