"""Imports a CSV file of product sales from a selling system (products.services.sales.
product_sales_import): each row checked, the accepted ones recorded in one transaction, the
rejected ones reported next to the file."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from crm.commands import CrmCommand
from products.services.sales import product_sales_import


class Command(CrmCommand):
    help = (
        "Import product sales from a CSV file (external_ref, cust_no, product_code, amount, "
        "fee, sold_on, staff_code, channel, confirmation_recording_ref, confirmation_warning)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": file})
        try:
            result = product_sales_import(path=file)
        except (ValidationError, UnicodeDecodeError) as refusal:
            message = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else ""
            raise CommandError(
                message or _("%(path)s is not a UTF-8 CSV file.") % {"path": file}
            ) from None
        self.stdout.write(
            _("%(created)s created, %(duplicates)s duplicates, %(rejected)s rejected")
            % {
                "created": result.created,
                "duplicates": result.duplicates,
                "rejected": len(result.rejected),
            }
        )
        if result.report is not None:
            self.stdout.write(
                _("The rejected rows and their reasons: %(path)s") % {"path": result.report}
            )
