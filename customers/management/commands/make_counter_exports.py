"""Writes realistic trading-counter exports (the canonical layout) for demos and benchmarks."""

from pathlib import Path

from django.utils.translation import gettext as _

from crm.commands import CrmCommand
from customers.demo.days import CALENDARS
from customers.demo.exports import generate_exports


class Command(CrmCommand):
    help = "Generate D business days of counter exports for N customers into DIR."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--customers", type=int, default=3000)
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--trades-per-day", type=int, default=None)
        parser.add_argument(
            "--calendar",
            choices=CALENDARS,
            default="weekdays",
            help="business days: every weekday (default), or the Shanghai and Shenzhen"
            " exchanges' trading days (no weekends, no public holidays)",
        )
        parser.add_argument(
            "--openings",
            action="store_true",
            help="some accounts open on the exported days, every week, not all before them",
        )
        parser.add_argument(
            "--plant-rejects",
            action="store_true",
            help="spoil a few lines of the last day for the import to reject, to correct",
        )

    def handle(
        self,
        *args,
        out,
        customers,
        days,
        seed,
        trades_per_day,
        calendar,
        openings,
        plant_rejects,
        **options,
    ):
        folders = generate_exports(
            out_dir=out,
            customers=customers,
            days=days,
            seed=seed,
            trades_per_day=trades_per_day,
            progress=self.stdout.write,
            calendar=calendar,
            openings=openings,
            planted_rejects=plant_rejects,
        )
        self.stdout.write(
            _("Wrote %(days)s day folders under %(dir)s") % {"days": len(folders), "dir": out}
        )
