"""Rebuilds every customer's current figures from the facts of a day (default: the latest
loaded), reading all trades up to it for "last trade"; for backfills and repairs."""

import datetime

from django.core.management.base import CommandError
from django.db.models import Max
from django.utils.translation import gettext as _

from crm.commands import CrmCommand
from customers.models import DailyBalance
from customers.services.figures import customer_figures_refresh


class Command(CrmCommand):
    help = "Rebuild customer figures as of a business day (YYYY-MM-DD, default: latest)."

    def add_arguments(self, parser):
        parser.add_argument("--day", type=datetime.date.fromisoformat)

    def handle(self, *args, day, **options):
        day = day or DailyBalance.objects.aggregate(latest=Max("business_date"))["latest"]
        if day is None:
            raise CommandError(_("No business day has been loaded yet."))
        rows = customer_figures_refresh(day=day, full_history=True)
        self.stdout.write(
            _("Figures of %(rows)s customers as of %(day)s") % {"rows": rows, "day": day}
        )
