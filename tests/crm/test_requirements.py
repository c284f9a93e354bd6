"""The production image installs requirements.txt alone: the runtime set, with no test
runner, browser driver or linter; make installs requirements-dev.txt, which adds them."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {
    "pytest",
    "pytest-django",
    "factory-boy",
    "faker",
    "ruff",
    "selenium",
    "trio",
    "hypothesis",
    "mypy",
    "django-stubs",
}


def pinned(name: str) -> set[str]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return {line.split("==")[0].strip().lower() for line in lines if "==" in line}


def test_the_runtime_set_holds_no_test_tool():
    assert not pinned("requirements.txt") & TOOLS


def test_the_development_set_adds_the_test_tools_to_the_runtime_set():
    development = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    assert "-r requirements.txt" in development
    assert pinned("requirements-dev.txt") >= TOOLS
    assert not pinned("requirements.txt") & pinned("requirements-dev.txt")


def test_the_image_installs_the_runtime_set_only():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "requirements.txt" in dockerfile and "requirements-dev.txt" not in dockerfile
