import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(**overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deploy_check_with_production_settings():
    result = run_check(
        DEBUG="0",
        SECRET_KEY="k9#Qv2!mZx7$Lr4@Wt8^Hn3&Bp6*Jc1%Ds5(Fg0)Ya-Ue_Io+Pl=Ks",
        ALLOWED_HOSTS="crm.broker.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_in_production():
    result = run_check(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def start(**overrides) -> subprocess.CompletedProcess:
    """Django set up as every process starts it (web, worker, command), with `overrides`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "crm.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("k9#Qv2!mZx7$Lr4@Wt8^Hn3&Bp6*Jc1%Ds5(Fg0)Ya-Ue_Io", "shorter than 50 characters"),
        ("ab" * 30, "fewer than 5 different characters"),
        ("django-insecure-k9#Qv2!mZx7$Lr4@Wt8^Hn3&Bp6*Jc1%Ds5(Fg0)Ya", "django-insecure-"),
    ],
    ids=["short", "repetitive", "generated-by-startproject"],
)
def test_it_refuses_to_start_in_production_with_a_weak_secret_key(key, problem):
    result = start(DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="crm.broker.example")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert problem in result.stderr
    assert key not in result.stderr  # the refusal names the problem, never the key


def test_it_starts_in_production_with_a_strong_secret_key_and_in_development_with_any():
    strong = "k9#Qv2!mZx7$Lr4@Wt8^Hn3&Bp6*Jc1%Ds5(Fg0)Ya-Ue_Io+Pl=Ks"
    assert start(DEBUG="0", SECRET_KEY=strong).returncode == 0
    assert start(DEBUG="1", SECRET_KEY="short").returncode == 0


def test_a_key_that_begins_with_a_dollar_is_taken_as_it_stands_and_never_printed():
    # django-environ reads "$NAME" as another variable's name; Django's generator makes such
    # keys (its alphabet holds "$"), and the refusal then printed the key as a variable name.
    key = "$53(ir=8$v6yw#+sc30op#d$t-cb!-h=ksgrvpo1@rt94qxp0Zq"
    result = start(DEBUG="0", SECRET_KEY=key)
    assert result.returncode == 0, result.stderr
    assert key not in result.stderr


def test_the_deploy_check_passes_with_the_policy_and_timeout_of_production():
    result = run_check(
        DEBUG="0",
        SECRET_KEY="k9#Qv2!mZx7$Lr4@Wt8^Hn3&Bp6*Jc1%Ds5(Fg0)Ya-Ue_Io+Pl=Ks",
        ALLOWED_HOSTS="crm.broker.example",
        SESSION_IDLE_TIMEOUT="900",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "csp.W" not in result.stdout + result.stderr


@pytest.mark.parametrize("hours", ["25:00-08:00", "21:00", "late-early"])
def test_it_refuses_to_start_with_quiet_hours_it_cannot_read(hours):
    result = start(DEBUG="1", CAMPAIGN_QUIET_HOURS=hours)
    assert result.returncode != 0
    assert "CAMPAIGN_QUIET_HOURS must read like 21:00-08:00" in result.stderr


def test_it_starts_with_no_quiet_hours_at_all():
    assert start(DEBUG="1", CAMPAIGN_QUIET_HOURS="").returncode == 0
