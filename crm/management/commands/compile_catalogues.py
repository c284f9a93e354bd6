"""Compiles the project's translation catalogues (.po → .mo) with polib.

Django's compilemessages needs GNU gettext installed; this needs only the virtualenv, so that
`make demo` works on a machine with nothing but Python. The .mo files are build output.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext

from crm.commands import CrmCommand


class Command(CrmCommand):
    help = "Compile every .po catalogue under LOCALE_PATHS into its .mo file."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fill-source-language",
            metavar="LOCALE",
            help="First copy each untranslated message of LOCALE's catalogue from its msgid "
            "(the source strings are English, so `en` is complete by construction).",
        )

    def handle(self, *args, fill_source_language=None, **options):
        if fill_source_language:
            self._fill_from_source(fill_source_language)
        catalogues = sorted(
            po for root in settings.LOCALE_PATHS for po in Path(root).glob("*/LC_MESSAGES/*.po")
        )
        if not catalogues:
            raise CommandError(
                gettext("No .po catalogue found under %(paths)s.")
                % {"paths": settings.LOCALE_PATHS}
            )
        for po_path in catalogues:
            catalogue = polib.pofile(str(po_path))
            catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
            # In the language of the catalogues as they were before this compile.
            self.stdout.write(
                gettext("%(catalogue)s: %(count)s messages")
                % {
                    "catalogue": po_path.relative_to(settings.BASE_DIR),
                    "count": len(catalogue.translated_entries()),
                }
            )

    def _fill_from_source(self, locale: str) -> None:
        for root in settings.LOCALE_PATHS:
            for po_path in Path(root).glob(f"{locale}/LC_MESSAGES/*.po"):
                catalogue = polib.pofile(str(po_path))
                for entry in catalogue:
                    if entry.msgid_plural:
                        entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                    else:
                        entry.msgstr = entry.msgid
                    if "fuzzy" in entry.flags:
                        entry.flags.remove("fuzzy")
                catalogue.save()
