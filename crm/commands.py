"""The base of the CRM's management commands: each speaks one language from its first line
to its last, the one --language names, else the LANGUAGE environment variable's first
choice, else settings.LANGUAGE_CODE. Their help stays in English, as Django's own does.
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation


def command_language(asked: str | None = None) -> str:
    """The language a command speaks: `asked` (--language) must be one of settings.LANGUAGES;
    LANGUAGE (gettext's "zh_CN:en" list) is taken when it names one, and ignored if not."""
    if asked:
        try:
            return translation.get_supported_language_variant(asked)
        except LookupError:
            codes = ", ".join(code for code, _name in settings.LANGUAGES)
            raise CommandError(f"--language {asked}: not one of {codes}.") from None
    for choice in os.environ.get("LANGUAGE", "").split(":"):
        if choice and choice not in ("C", "POSIX"):
            try:
                return translation.get_supported_language_variant(
                    translation.to_language(choice.split(".")[0])
                )
            except LookupError:
                continue
    return settings.LANGUAGE_CODE


class CrmCommand(BaseCommand):
    """A command whose output, and what the services it calls say, is in command_language."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--language",
            help="the language of the output (default: $LANGUAGE, else settings.LANGUAGE_CODE)",
        )
        return parser

    def execute(self, *args, **options):
        with translation.override(command_language(options.get("language"))):
            return super().execute(*args, **options)
