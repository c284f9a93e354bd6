"""What production runs: static files collected with the production settings, and gunicorn
with DEBUG=0 serving the login page, a customer's 360 page and a dashboard from them (the
image's build step and the compose health check do the same)."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"  # the cast's password (tests/crm/factories.py)
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def production_env(tmp_path) -> dict:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("gunicorn cannot open an in-memory database: set SQLITE_TEST_DATABASE")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="p7#Lk2!vQz9$Wm4@Rt6^Yb1&Nc8*Hd3%Fs5(Gj0)Xa-Ue_Io+Pl=Ks",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=database_url(),
        CACHE_URL="locmemcache://",
    )
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """Asks as the TLS proxy in front of gunicorn would (forwarded https), keeping the
    cookies itself (they are Secure: a cookie jar would not send them over plain HTTP)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.language = "zh-hans"
        self.headers: dict[str, str] = {}  # of the last response, names in lower case

    def request(self, method: str, path: str, form: dict | None = None):
        origin = f"https://127.0.0.1:{self.port}"
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": self.language,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + path,
            }
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        client.request(method, path, body=body, headers=headers)
        response = client.getresponse()
        content = response.read().decode("utf-8", "replace")
        self.headers = {header.lower(): value for header, value in response.getheaders()}
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        client.close()
        return response.status, content


@pytest.fixture
def gunicorn(production_env, org):
    # The suite hashes passwords with MD5 for speed; production verifies PBKDF2 only.
    hasher = PBKDF2PasswordHasher()
    user = org.head_office.user
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr
    assert (Path(production_env["STATIC_ROOT"]) / "staticfiles.json").exists()
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "crm.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"),
        ],
        cwd=ROOT,
        env=production_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield Browser(port)
    process.terminate()
    process.wait(timeout=30)


def test_production_serves_the_login_a_360_page_and_a_dashboard_from_collected_files(gunicorn, org):
    status, page = gunicorn.request("GET", "/accounts/login/")
    assert status == 200, page[:2000]
    # The manifest's hashed names, served by whitenoise from the collected files.
    stylesheets = re.findall(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    assert stylesheets, page[:2000]
    for stylesheet in stylesheets:
        assert gunicorn.request("GET", stylesheet)[0] == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    status, _ = gunicorn.request(
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": "headoffice", "password": PASSWORD},
    )
    assert status == 302

    status, page = gunicorn.request("GET", f"/customers/{org.broker_customer.cust_no}/")
    assert status == 200, page[:2000]
    assert org.broker_customer.cust_no in page
    scripts = re.findall(r'src="(/static/[^"]+\.[0-9a-f]{12}\.js)"', page)
    assert scripts
    for script in scripts:
        assert gunicorn.request("GET", script)[0] == 200

    status, page = gunicorn.request("GET", "/dashboards/")
    assert status == 200, page[:2000]


def test_production_answers_with_its_own_pages_and_keeps_customer_data_out_of_caches(gunicorn, org):
    for language in ("zh-hans", "en"):
        gunicorn.language = language
        with translation.override(language):
            title = gettext("Not found")
        status, page = gunicorn.request("GET", "/no-such-page/")
        assert status == 404
        assert f'<html lang="{language}">' in page and title in page
        assert "URLconf" not in page
    gunicorn.language = "zh-hans"
    status, page = gunicorn.request("GET", "/accounts/login/")
    assert "script-src 'self';" in gunicorn.headers["content-security-policy"] + ";"
    assert "no-store" in gunicorn.headers["cache-control"]
    assert "camera=()" in gunicorn.headers["permissions-policy"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    gunicorn.request(
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": "headoffice", "password": PASSWORD},
    )
    status, page = gunicorn.request("GET", f"/customers/{org.broker_customer.cust_no}/")
    assert status == 200
    assert "no-store" in gunicorn.headers["cache-control"]
    # The collected files stay cacheable (whitenoise answers them before the middleware).
    script = re.search(r'src="(/static/js/charts\.[0-9a-f]{12}\.js)"', page).group(1)
    assert gunicorn.request("GET", script)[0] == 200
    assert "no-store" not in gunicorn.headers.get("cache-control", "")
    assert "max-age" in gunicorn.headers["cache-control"]


def test_the_image_collects_static_files_with_the_production_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()
    build = dockerfile.split("collectstatic")[0].rsplit("RUN", 1)[1]
    assert "DEBUG=0" in build and "DEBUG=1" not in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv/", ".data/", ".git/"} <= set(ignored)
