"""Creates or updates the database role the application runs as (PostgreSQL). The schema
owner runs it after `migrate`, on every deployment; see crm.services.app_role_grant."""

import os

from django.core.management.base import CommandError
from django.db import connection
from django.utils.translation import gettext as _

from crm.commands import CrmCommand
from crm.services import AppRoleRefused, app_role_grant


class Command(CrmCommand):
    help = (
        "Create or update the application's database role: rows of every table, only "
        "SELECT and INSERT on the audit log, no DDL. Run as the schema owner after migrate; "
        "the role's password, if any, comes from the environment variable APP_DB_PASSWORD."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the web app and the workers connect as")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError(_("Database roles need PostgreSQL."))
        try:
            app_role_grant(role=role, password=os.environ.get("APP_DB_PASSWORD") or None)
        except AppRoleRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(
            _("%(role)s: rows of %(database)s, no DDL.")
            % {"role": role, "database": connection.settings_dict["NAME"]}
        )
