"""The span of dates a person may enter, written once for every form and filter: from 1900
to a few days (per field) ahead of today. Outside it a value is a typo or a probe, and one
stored (year 1 is 1 BC on PostgreSQL) breaks every page that reads it back."""

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
