"""Computes customer metrics: of every day a load or a product sale recorded for it has
changed since its metrics were computed, or that has none (default); of one day again
(--day); or of one month again (--month), its stale days first. Each day computed marks the
import runs it has measured."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from analytics.services import (
    metrics_compute_days,
    metrics_compute_month,
    metrics_compute_stale,
    metrics_stale_days,
)
from crm.commands import CrmCommand
from crm.dates import month_start


class Command(CrmCommand):
    help = "Compute daily and monthly customer metrics from the imported facts."

    def add_arguments(self, parser):
        parser.add_argument("--day", type=datetime.date.fromisoformat)
        parser.add_argument("--month", type=datetime.date.fromisoformat, help="any day of it")

    def handle(self, *args, day, month, **options):
        if day:
            months = metrics_compute_days(days=[day])
            rolled = ", ".join(f"{m:%Y-%m}" for m in months)
            self.stdout.write(
                _("%(day)s: computed, then the months it weighs in: %(months)s")
                % {"day": day, "months": rolled}
            )
        if month:
            month = month_start(month)
            stale = [d for d in metrics_stale_days() if month_start(d) == month]
            if month not in metrics_compute_days(days=stale):
                metrics_compute_month(month=month)
            self.stdout.write(
                ngettext(
                    "%(month)s: computed, with %(stale)s stale day first.",
                    "%(month)s: computed, with %(stale)s stale days first.",
                    len(stale),
                )
                % {"month": f"{month:%Y-%m}", "stale": len(stale)}
            )
        if not day and not month:
            days = metrics_compute_stale()
            self.stdout.write(
                ngettext(
                    "Computed %(days)s business day and its months.",
                    "Computed %(days)s business days and their months.",
                    len(days),
                )
                % {"days": len(days)}
            )
