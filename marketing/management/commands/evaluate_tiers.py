"""Evaluates the tiers as the nightly step does (every month due, then the service standard's
tasks), or one month and every later one again (--from, after a correction of old figures)."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.commands import CrmCommand
from marketing.services.tiers import tier_service_tasks_create, tiers_evaluate_from, tiers_nightly


class Command(CrmCommand):
    help = "Evaluate the customers' tiers from the monthly metrics, then the service tasks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="since",
            type=datetime.date.fromisoformat,
            help="any day of the first month to evaluate again",
        )

    def handle(self, *args, since, **options):
        if since:
            months = [month.isoformat() for month in tiers_evaluate_from(month=since)]
            result = {"months": months, **tier_service_tasks_create()}
        else:
            result = tiers_nightly()
        months = ", ".join(month[:7] for month in result["months"]) or _("none")
        self.stdout.write(
            ngettext(
                "Tiers evaluated for %(count)s month: %(months)s.",
                "Tiers evaluated for %(count)s months: %(months)s.",
                len(result["months"]),
            )
            % {"count": len(result["months"]), "months": months}
        )
        self.stdout.write(
            _(
                "Service standard: %(contact)s contact tasks and %(review)s review tasks "
                "created, %(done)s contact tasks fulfilled by a contact."
            )
            % {
                "contact": result["contact_tasks"],
                "review": result["review_tasks"],
                "done": result["contact_tasks_done"],
            }
        )
