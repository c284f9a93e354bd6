"""Runs the nightly suitability step as the pipeline does (products.tasks.suitability_compliance):
flags customers holding products above their risk level or whose risk assessment expires,
has expired or is missing, and gives each new flag one task for the customer's manager."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.commands import CrmCommand
from products.services.compliance import compliance_run


class Command(CrmCommand):
    help = "Flag over-risk holdings and due risk assessments; one task per new flag."

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="the day to run for, YYYY-MM-DD (default: today)",
        )

    def handle(self, *args, today, **options):
        run = compliance_run(today=today or timezone.localdate())
        self.stdout.write(
            _(
                "Suitability: %(over_risk)s customers hold products above their risk level, "
                "%(assessment)s have a risk assessment expiring, expired or missing; "
                "%(flagged)s newly flagged, %(cleared)s cleared, %(tasks)s tasks created."
            )
            % {
                "over_risk": run.over_risk,
                "assessment": run.assessment,
                "flagged": run.flagged,
                "cleared": run.cleared,
                "tasks": run.tasks_created,
            }
        )
