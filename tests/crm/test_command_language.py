"""Management commands speak one language from their first line to their last: the one
--language names, else the LANGUAGE environment variable's, else settings.LANGUAGE_CODE; what
the services they call say (an import's progress, a role's name) is in that language too."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from crm.commands import command_language
from tests.customers.counter_files import base_day, write_day

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# The English words of the commands' own lines and of the import's progress.
ENGLISH = re.compile(r"\b(day|days|loaded|rejected|refused|Computed|staff|Demo|logins)\b")


def english_words(printed: str) -> list[str]:
    """The English words of `printed`, leaving out the names of the counter's files."""
    return ENGLISH.findall(re.sub(r"[\w-]+\.csv", "", printed))


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_it_speaks_the_language_asked_then_the_environment_then_the_settings(monkeypatch):
    monkeypatch.delenv("LANGUAGE", raising=False)
    assert command_language() == "zh-hans"  # settings.LANGUAGE_CODE
    monkeypatch.setenv("LANGUAGE", "en_US:zh_CN")
    assert command_language() == "en"
    monkeypatch.setenv("LANGUAGE", "fr_FR:zh_CN:en")
    assert command_language() == "zh-hans"
    monkeypatch.setenv("LANGUAGE", "C")
    assert command_language() == "zh-hans"
    assert command_language("en") == "en"
    with pytest.raises(CommandError, match="--language fr"):
        command_language("fr")


def test_an_english_import_prints_no_chinese(tmp_path, monkeypatch):
    monkeypatch.delenv("LANGUAGE", raising=False)
    write_day(tmp_path, "20260302", base_day())
    printed = run("import_counter", str(tmp_path), language="en")
    assert "1 day: " in printed
    assert "loaded" in printed
    assert not CHINESE.search(printed), printed


def test_a_chinese_import_prints_no_english_words(tmp_path, monkeypatch):
    monkeypatch.delenv("LANGUAGE", raising=False)
    write_day(tmp_path, "20260302", base_day())
    printed = run("import_counter", str(tmp_path))  # settings.LANGUAGE_CODE: zh-hans
    assert CHINESE.search(printed)
    assert not english_words(printed), printed


def test_demo_logins_print_their_roles_in_the_language_of_the_lines(org, monkeypatch):
    monkeypatch.delenv("LANGUAGE", raising=False)
    english = run("demo_users", language="en")
    assert "Broker" in english
    assert not CHINESE.search(english), english
    chinese = run("demo_users", language="zh-hans")
    assert "经纪人" in chinese
    assert not english_words(chinese), chinese


def test_metrics_speak_the_language_of_the_environment(monkeypatch):
    monkeypatch.setenv("LANGUAGE", "en_US:en")
    assert run("compute_metrics").startswith("Computed 0 business days")
    monkeypatch.setenv("LANGUAGE", "zh_CN")
    printed = run("compute_metrics")
    assert CHINESE.search(printed)
    assert not english_words(printed), printed
