"""The one-way dependencies of README "Architecture", read from the source's imports: crm
imports no app, customers and products import neither analytics nor marketing, and the
selector and service layers import no forms, tables, filters or views."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("crm", "customers", "products", "marketing", "analytics")
UPPER_LAYERS = ("forms", "tables", "filters", "views")


def imports_of(path: Path) -> set[str]:
    """The absolute modules a file imports, relative ones resolved against its package."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *(node.module or "").split("."))).strip(".")
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def sources(*folders: str) -> list[Path]:
    paths = []
    for folder in folders:
        target = ROOT / folder
        paths += [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))
    return [path for path in paths if path.exists()]


def imported_apps(path: Path) -> set[str]:
    return {module.split(".")[0] for module in imports_of(path)} & set(APPS)


def test_it_keeps_crm_free_of_the_apps():
    breaks = {str(path): imported_apps(path) - {"crm"} for path in sources("crm")}
    assert {path: apps for path, apps in breaks.items() if apps} == {}


def test_it_keeps_customers_and_products_below_analytics_and_marketing():
    breaks = {
        str(path): imported_apps(path) & {"analytics", "marketing"}
        for path in sources("customers", "products")
    }
    assert {path: apps for path, apps in breaks.items() if apps} == {}


def test_it_keeps_analytics_below_marketing():
    """Tiers are thresholds on the metrics, so marketing reads analytics; the dashboards show
    tiers through marketing's template tags, never by importing it."""
    breaks = {str(path): imported_apps(path) & {"marketing"} for path in sources("analytics")}
    assert {path: apps for path, apps in breaks.items() if apps} == {}


def test_it_keeps_selectors_and_services_below_forms_tables_filters_and_views():
    layers = sources(
        "customers/selectors",
        "customers/services",
        "analytics/selectors.py",
        "analytics/services.py",
        "marketing/selectors",
        "marketing/services",
        "marketing/segments",
        "crm/selectors.py",
        "crm/services.py",
    )
    breaks = {
        str(path): {
            module
            for module in imports_of(path)
            if module.split(".")[0] in APPS and set(module.split(".")[1:2]) & set(UPPER_LAYERS)
        }
        for path in layers
    }
    assert {path: modules for path, modules in breaks.items() if modules} == {}
