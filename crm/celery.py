"""The Celery application of the CRM; configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
if not app.conf.broker_url:
    # The embedded default: tasks run eagerly in-process, and nothing tries to reach a broker.
    app.conf.update(broker_url="memory://", result_backend=None)
app.autodiscover_tasks()
