"""Issue 11, defect 8: a Content-Security-Policy no inline script gets through, the headers
that keep customer data out of caches and the browser's features off, the idle timeout
beside the absolute session age, and the application's own error pages in both languages,
also under the settings `make serve` gives the demo."""

import datetime
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import include, path
from django.utils import timezone, translation
from django.utils.translation import gettext

from crm.charts import figure_html
from crm.middleware import LAST_ACTIVITY
from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


# -- a URL configuration with views that fail, for the 400 and 500 pages ---------------------


def broken(request):
    raise RuntimeError("a bug")


def suspicious(request):
    raise SuspiciousOperation("a forged request")


urlpatterns = [
    path("broken/", broken),
    path("suspicious/", suspicious),
    path("", include("crm.urls")),
]


def signed_in(client, person) -> Client:
    client.force_login(person.user)
    return client


# -- Content-Security-Policy -----------------------------------------------------------------


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.django_db
def test_it_sends_a_policy_that_runs_only_the_sites_own_scripts(client, org):
    response = signed_in(client, org.broker).get("/")
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*)\s*=""", re.I)


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=str)
def test_no_template_writes_an_inline_script_or_handler(template):
    text = template.read_text()
    assert not INLINE_SCRIPT.search(text)
    assert not HANDLER.search(text)
    assert "javascript:" not in text


def test_a_chart_is_a_json_data_block_that_no_label_can_close():
    label = "</script><script>window.__xss=1</script><!--"
    html = figure_html({"data": [{"type": "bar", "x": [label], "y": [1]}], "layout": {}})
    assert "<script>" not in html and "</script><script" not in html
    assert "Plotly.newPlot" not in html
    block = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)
    figure = json.loads(block.group(1))
    assert figure["data"][0]["x"] == [label]
    assert figure["config"] == {"displayModeBar": False, "responsive": True}


# -- Permissions-Policy and Cache-Control ----------------------------------------------------


@pytest.mark.django_db
def test_it_keeps_pages_panels_and_exports_out_of_every_cache(client, org):
    signed_in(client, org.broker)
    cust_no = org.broker_customer.cust_no
    for response in (
        client.get("/"),
        client.get(f"/customers/{cust_no}/"),
        client.get(f"/customers/{cust_no}/", HTTP_HX_REQUEST="true"),
        client.get("/customers/export.csv"),
        client.get("/accounts/login/"),
    ):
        assert response.status_code in (200, 302), response.request
        assert "no-store" in response["Cache-Control"], response.request
        assert "private" in response["Cache-Control"], response.request


@pytest.mark.django_db
def test_it_turns_off_camera_microphone_geolocation_payment_and_usb(client, org):
    policy = signed_in(client, org.broker).get("/")["Permissions-Policy"]
    features = dict(item.strip().split("=") for item in policy.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


# -- idle timeout ----------------------------------------------------------------------------


def idle_for(client, seconds: int) -> None:
    """Moves the session's last activity back by `seconds`, in the stored session itself."""
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - seconds
    session.save()


@pytest.mark.django_db
def test_it_signs_out_a_session_idle_longer_than_the_timeout(client, org, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    signed_in(client, org.broker)
    assert client.get("/").status_code == 200
    idle_for(client, 30 * 60 + 5)
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/customers/"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    signed_out = "You were signed out after a while without activity. Please sign in again."
    assert [str(m) for m in get_messages(page.wsgi_request)] == [
        in_language("zh-hans", signed_out)  # the site's default language
    ]
    assert client.get("/").status_code == 302  # still signed out


def signed_in_ago(person, seconds: int) -> None:
    """Moves the person's sign-in back by `seconds`, in the stored user row."""
    person.user.last_login = timezone.now() - datetime.timedelta(seconds=seconds)
    person.user.save(update_fields=["last_login"])


def session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


@pytest.mark.django_db
def test_activity_keeps_a_session_alive_past_the_timeout(client, org, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    signed_in(client, org.broker)
    for _ in range(3):  # an hour and a half in all, never 30 minutes idle
        idle_for(client, 29 * 60)
        assert client.get("/").status_code == 200
        assert int(time.time()) - client.session[LAST_ACTIVITY] < 5


@pytest.mark.django_db
def test_a_session_counts_from_the_sign_in_until_its_first_request(client, org, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    signed_in(client, org.broker)
    signed_in_ago(org.broker, 31 * 60)
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_activity_never_moves_the_absolute_end_of_the_session(client, org, settings):
    settings.SESSION_COOKIE_AGE = 3600
    signed_in(client, org.broker)
    signed_in_ago(org.broker, 120)
    client.get("/")
    ends = org.broker.user.last_login.replace(microsecond=0) + datetime.timedelta(seconds=3600)
    assert session_row(client).expire_date == ends
    for _ in range(3):
        idle_for(client, 20 * 60)
        assert client.get("/").status_code == 200
        assert session_row(client).expire_date == ends
    signed_in_ago(org.broker, 3600 + 60)  # the sign-in no longer moves it either
    idle_for(client, 120)
    client.get("/")
    assert session_row(client).expire_date == ends


@pytest.mark.django_db
def test_the_timeout_is_configurable_and_answers_htmx_with_a_full_page_redirect(
    client, org, settings
):
    settings.SESSION_IDLE_TIMEOUT = 60
    signed_in(client, org.broker)
    client.get("/")
    idle_for(client, 61)
    cust_no = org.broker_customer.cust_no
    response = client.get(f"/customers/{cust_no}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/login/?next=/customers/{cust_no}/"
    assert "_auth_user_id" not in client.session
    signed_in(client, org.broker)
    client.get("/")
    idle_for(client, 61)
    # A panel's request goes back to the page it was on.
    response = client.post(
        f"/customers/{cust_no}/interactions/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/customers/{cust_no}/?tab=1",
    )
    assert response["HX-Redirect"] == f"/accounts/login/?next=/customers/{cust_no}/%3Ftab%3D1"


def test_the_timeout_defaults_to_thirty_minutes():
    assert django_settings.SESSION_IDLE_TIMEOUT == 30 * 60


# -- error pages -----------------------------------------------------------------------------


def in_language(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_it_answers_with_its_own_error_pages_in_the_visitors_language(org, settings, language):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    signed_in(client, org.broker)
    pages = {
        404: client.get("/no-such-page/"),
        400: client.get("/suspicious/"),
        500: client.get("/broken/"),
        403: client.get("/dashboards/"),
    }
    titles = {404: "Not found", 400: "Bad request", 500: "Server error", 403: "Not allowed"}
    for status, response in pages.items():
        body = response.content.decode()
        assert response.status_code == status
        assert f'<html lang="{language}">' in body, status
        assert in_language(language, titles[status]) in body, status
        assert "/static/css/crm.css" in body, status
        assert "Traceback" not in body and "URLconf" not in body, status


@pytest.mark.django_db
def test_a_form_sent_without_its_token_gets_the_applications_page(org):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    signed_in(client, org.broker)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert "Form expired" in response.content.decode()
    assert "CSRF verification failed" not in response.content.decode()


# -- the demo --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.mark.django_db
def test_make_serve_shows_the_applications_404_never_djangos_url_list(tmp_path, org):
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the demo's server cannot open an in-memory database")
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "MAKEFLAGS")}
    port = free_port()
    key_file = tmp_path / "secret-key"
    env.update(DATABASE_URL=database_url(), STATIC_ROOT=str(tmp_path / "static"))
    command = [
        *("make", "-s", "-o", ".venv/.installed", "serve"),
        f"DEMO_PORT={port}",
        f"DEMO_SECRET_KEY_FILE={key_file}",
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the demo server did not start"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        status, headers, page = fetch(f"http://127.0.0.1:{port}/no-such-page/")
        assert status == 404
        assert in_language("zh-hans", "Not found") in page
        assert "URLconf" not in page and "Using the URLconf" not in page
        assert "DEBUG = True" not in page
        # Served over plain http: no redirect to https, and the collected stylesheet loads.
        stylesheet = re.search(r'href="(/static/css/crm\.[0-9a-f]{12}\.css)"', page).group(1)
        assert fetch(f"http://127.0.0.1:{port}{stylesheet}")[0] == 200
        status, headers, _ = fetch(f"http://127.0.0.1:{port}/accounts/login/")
        assert status == 200
        assert "Content-Security-Policy" in headers
        # Issue 12, point 12: the 4.8 MB chart bundle goes out compressed and cached for a
        # year under its content hash, as in production (it went out whole, max-age=0).
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
        bundle = manifest["paths"]["plotly/plotly.min.js"]
        asked = urllib.request.Request(
            f"http://127.0.0.1:{port}/static/{bundle}", headers={"Accept-Encoding": "gzip"}
        )
        with urllib.request.urlopen(asked, timeout=10) as response:  # noqa: S310
            assert response.headers["Content-Encoding"] == "gzip"
            assert "immutable" in response.headers["Cache-Control"]
            max_age = re.search(r"max-age=(\d+)", response.headers["Cache-Control"]).group(1)
            assert int(max_age) >= 365 * 24 * 60 * 60
            assert len(response.read()) < 2 * 1024 * 1024
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    # The key was made once, long and random, and is kept for the next start.
    key = key_file.read_text().strip()
    assert len(key) >= 50 and len(set(key)) >= 5
