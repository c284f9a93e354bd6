"""Computes customer metrics: for every loaded day that has none (default), or for one day
(--day) or one month (--month) again."""

import datetime

from django.core.management.base import BaseCommand

from analytics.services import metrics_compute_day, metrics_compute_missing, metrics_compute_month


class Command(BaseCommand):
    help = "Compute daily and monthly customer metrics from the imported facts."

    def add_arguments(self, parser):
        parser.add_argument("--day", type=datetime.date.fromisoformat)
        parser.add_argument("--month", type=datetime.date.fromisoformat, help="any day of it")

    def handle(self, *args, day, month, **options):
        if day:
            rows = metrics_compute_day(day=day)
            metrics_compute_month(month=day)
            self.stdout.write(f"{day}: {rows} customers")
        if month:
            self.stdout.write(f"{month:%Y-%m}: {metrics_compute_month(month=month)} customers")
        if not day and not month:
            days = metrics_compute_missing()
            self.stdout.write(f"Computed {len(days)} business day(s) and their months.")
