"""An ordinary 404 or 403 is one line in the log, without a traceback; a real 500 logs its
traceback once, also with DEBUG on, where Django's own console handler would repeat it."""

import io
import logging

import pytest
from django.contrib.auth.decorators import login_not_required
from django.test import Client
from django.urls import include, path

import crm.urls

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@login_not_required
def broken(request):
    raise RuntimeError("the view broke")


urlpatterns = [path("broken/", broken), path("", include(crm.urls))]


@pytest.fixture
def broker(client, org):
    client.force_login(org.broker.user)
    return client


@pytest.fixture
def log_output():
    """What the configured stream handlers print, from every logger a request's record
    passes on its way up (Django's own "django" logger has a console handler too)."""
    buffer = io.StringIO()
    names = ("django.request", "django", "")
    handlers = {
        handler
        for name in names
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, logging.StreamHandler)
        and not type(handler).__module__.startswith("_pytest")  # pytest's own capture
    }
    streams = {handler: handler.setStream(buffer) for handler in handlers}
    yield buffer
    for handler, stream in streams.items():
        handler.setStream(stream)


@pytest.mark.parametrize("debug", [False, True])
def test_a_404_logs_one_line_without_a_traceback(broker, log_output, settings, debug):
    settings.DEBUG = debug
    assert broker.get("/customers/999999999/").status_code == 404
    text = log_output.getvalue()
    assert "Traceback" not in text
    assert text.count("Not Found: /customers/999999999/") == 1


@pytest.mark.parametrize("debug", [False, True])
def test_a_403_logs_one_line_without_a_traceback(broker, log_output, settings, debug):
    settings.DEBUG = debug
    assert broker.get("/customers/imports/").status_code == 403
    text = log_output.getvalue()
    assert "Traceback" not in text
    assert text.count("Forbidden (Permission denied): /customers/imports/") == 1


@pytest.mark.parametrize("debug", [False, True])
def test_a_500_logs_its_traceback_once(log_output, settings, debug):
    settings.DEBUG = debug
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    text = log_output.getvalue()
    assert text.count("Traceback") == 1
    assert text.count("RuntimeError: the view broke") == 1
