"""How long a customer has held their account, as the 360 page shows it next to the opening
date: "2025-09-07 (1 year 2 months)" in whole years and months, bracketed as each language
brackets (full-width in Chinese)."""

import datetime

from django import template
from django.utils import timezone
from django.utils.translation import ngettext, pgettext

from crm.dates import whole_months

register = template.Library()


def tenure_text(start: datetime.date, today: datetime.date) -> str:
    """The time from `start` to `today` in whole years and months, in the active language."""
    years, months = divmod(whole_months(start, today), 12)
    parts = []
    if years:
        parts.append(ngettext("%(count)s year", "%(count)s years", years) % {"count": years})
    if months:
        parts.append(ngettext("%(count)s month", "%(count)s months", months) % {"count": months})
    if not parts:
        return pgettext("account tenure", "less than a month")
    if len(parts) == 1:
        return parts[0]
    return pgettext("account tenure", "%(years)s %(months)s") % {
        "years": parts[0],
        "months": parts[1],
    }


def opened_with_tenure(opened: datetime.date, today: datetime.date) -> str:
    return pgettext("account tenure", "%(date)s (%(tenure)s)") % {
        "date": f"{opened:%Y-%m-%d}",
        "tenure": tenure_text(opened, today),
    }


@register.filter
def opened_tenure(opened: datetime.date | None) -> str:
    """The opening date followed by the account's age on the site's today; a dash for none."""
    if opened is None:
        return "—"
    return opened_with_tenure(opened, timezone.localdate())
