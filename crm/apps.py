from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Organisation and audit")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from . import logins

        user_login_failed.connect(logins.login_failed_record, dispatch_uid="crm-login-failed")
        user_locked_out.connect(logins.login_locked_out_record, dispatch_uid="crm-locked-out")


class CrmAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the project's site (crm/admin_site.py); named in INSTALLED_APPS,
    never taken for the crm app's own config."""

    default = False
    default_site = "crm.admin_site.CrmAdminSite"


class CrmAxesConfig(axes_apps.AppConfig):
    """django-axes (the sign-in lockout) under a name in the reader's language: axes gives
    its app none, and ships no Chinese catalogue (its messages: crm/django_strings.py)."""

    default = False
    verbose_name = _("Sign-in protection")
