"""Turns the fact tables into PostgreSQL tables partitioned by date, and keeps their
partitions few: customers.services.partitions.fact_tables_partition, run by the schema
owner. Safe to run again: a partitioned table is not converted twice, and each run merges
the day partitions of the months before the current one into one partition per month.
"""

from django.core.management.base import CommandError
from django.db import connection
from django.utils.translation import gettext

from crm.commands import CrmCommand
from customers.services.partitions import fact_tables_partition


class Command(CrmCommand):
    help = (
        "Partition the fact tables by date (PostgreSQL); merge the day partitions of "
        "finished months into monthly ones."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months-ahead",
            type=int,
            default=0,
            help="also create monthly partitions for this month and the next N-1 (their days "
            "then load into them rather than into day partitions of their own)",
        )

    def handle(self, *args, months_ahead, **options):
        if connection.vendor != "postgresql":
            raise CommandError(gettext("Partitioning needs PostgreSQL."))
        for line in fact_tables_partition(months_ahead=months_ahead):
            self.stdout.write(line)
