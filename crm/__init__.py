"""The project package: settings, URLs, Celery, organisation, data scoping and the audit log."""

from .celery import app as celery_app

__all__ = ("celery_app",)
