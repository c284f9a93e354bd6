"""Writes realistic trading-counter exports (the canonical layout) for demos and benchmarks."""

from pathlib import Path

from django.core.management.base import BaseCommand

from customers.etl.generator import generate_exports


class Command(BaseCommand):
    help = "Generate D business days of counter exports for N customers into DIR."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--customers", type=int, default=3000)
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--trades-per-day", type=int, default=None)

    def handle(self, *args, out, customers, days, seed, trades_per_day, **options):
        folders = generate_exports(
            out_dir=out,
            customers=customers,
            days=days,
            seed=seed,
            trades_per_day=trades_per_day,
            progress=self.stdout.write,
        )
        self.stdout.write(f"Wrote {len(folders)} day folders under {out}")
