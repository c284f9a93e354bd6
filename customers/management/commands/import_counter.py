"""Imports trading-counter day folders: every pending day under DIR in date order, one day
with --day, or DIR itself when it is a day folder. The nightly task calls the same service."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.commands import CrmCommand
from customers.models import RunStatus
from customers.services import (
    DAY_FOLDER,
    ImportNotStarted,
    counter_day_import,
    counter_pending_import,
    import_profile_get,
)


class Command(CrmCommand):
    help = "Import the trading counter's exports from DIR (see shared/COUNTER_EXPORTS.md)."

    def add_arguments(self, parser):
        parser.add_argument("dir", type=Path)
        parser.add_argument("--day", help="YYYYMMDD: import this day folder of DIR only")
        parser.add_argument("--profile", help="import profile name (default: the default one)")

    def handle(self, *args, dir, day, profile, **options):
        if not dir.is_dir():
            raise CommandError(_("%(dir)s is not a folder.") % {"dir": dir})
        try:
            chosen = import_profile_get(name=profile)
            if day or DAY_FOLDER.match(dir.name):
                folder = dir / day if day else dir
                runs = [
                    counter_day_import(folder=folder, profile=chosen, progress=self.stdout.write)
                ]
            else:
                runs = counter_pending_import(root=dir, profile=chosen, progress=self.stdout.write)
        except ImportNotStarted as error:
            raise CommandError(str(error)) from error
        if not runs:
            self.stdout.write(_("Nothing to import: every complete day is loaded."))
        refused = [run for run in runs if run.status == RunStatus.REFUSED]
        self.stdout.write(
            ngettext(
                "%(days)s day: %(loaded)s rows loaded, %(rejected)s rejected, %(refused)s refused.",
                "%(days)s days: %(loaded)s rows loaded, %(rejected)s rejected,"
                " %(refused)s refused.",
                len(runs),
            )
            % {
                "days": len(runs),
                "loaded": sum(r.rows_loaded for r in runs),
                "rejected": sum(r.rows_rejected for r in runs),
                "refused": len(refused),
            }
        )
        if refused:
            raise CommandError("; ".join(f"{r.business_date}: {r.error_text}" for r in refused))
