"""Both catalogues are complete, and they hold every string the code and templates mark."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ("zh_Hans", "en")
SOURCES = ("crm", "customers", "products", "marketing", "analytics", "templates")


def catalogue(locale: str, root: Path = ROOT) -> polib.POFile:
    return polib.pofile(str(root / "locale" / locale / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("locale", LOCALES)
def test_it_has_every_message_translated_and_none_fuzzy(locale):
    po = catalogue(locale)
    assert len(po) > 50
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_it_translates_into_chinese_and_keeps_placeholders():
    for entry in catalogue("zh_Hans").translated_entries():
        # A plural's Chinese is its one form, msgstr[0].
        text = entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr
        for placeholder in ("%(branch)s", "%(team)s", "%(count)s"):
            assert (placeholder in entry.msgid) == (placeholder in text), entry.msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="make sysdeps installs gettext")
def test_it_has_no_marked_string_missing_from_the_catalogues(tmp_path):
    for name in (*SOURCES, "manage.py"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("*.pyc"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-location"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    extracted = {e.msgid for e in catalogue("zh_Hans", tmp_path)}
    committed = {e.msgid for e in catalogue("zh_Hans")}
    assert len(extracted) > 50
    assert sorted(extracted - committed) == []


@pytest.mark.django_db
def test_it_speaks_chinese_by_default_and_english_on_request(client):
    assert "登录" in client.get("/accounts/login/").content.decode()
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in" in english


@pytest.mark.django_db
def test_it_switches_language_from_the_login_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Sign in" in client.get("/accounts/login/").content.decode()
