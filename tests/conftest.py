"""The fixed cast of the suite: one branch with a team, a second branch, and a user per role.

Branch A has a team T with a lead, a broker and the broker's teammate, a customer manager
outside the team, and a branch manager; branch B has its own broker. Each sales person
serves one customer, and branch A has one customer nobody serves yet.
"""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection

from crm import celery_app
from crm.models import Role
from tests.crm.factories import BranchFactory, StaffFactory, TeamFactory
from tests.customers.factories import CustomerFactory

# The data migrations whose rows the suite relies on (import profiles, request types, tiers).
SHIPPED_ROWS = (
    "customers.migrations.0004_canonical_profile",
    "customers.migrations.0005_example_gbk_profile",
    "customers.migrations.0009_service_request_types",
    "marketing.migrations.0002_default_tiers",
    "products.migrations.0004_default_rules_and_append_only",
)


def shipped_rows_ensure() -> None:
    """Put back what the data migrations ship: transactional tests (real processes, the
    browser) end by emptying every table, so a database kept with --reuse-db lacks them in
    the next run. Each migration's function only creates what is missing."""
    for module in SHIPPED_ROWS:
        importlib.import_module(module).create(apps, None)


def database_url() -> str:
    """The test database as DATABASE_URL, for the processes a test starts (they need a
    transactional test to see its rows, and a file database on SQLite)."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
        host = settings["HOST"] or "127.0.0.1"
        port = settings["PORT"] or 5432
        return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"
    return f"sqlite:///{settings['NAME']}"


@pytest.fixture(scope="session", autouse=True)
def _shipped_rows(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        shipped_rows_ensure()


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Tasks run in-process unless a test is about the real worker."""
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """An empty cache of this process's own: the default file cache under .data/ is shared
    with every other process on the machine (another test run sets and clears its keys)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    branch_a = BranchFactory(code="0101", name="杭州营业部")
    branch_b = BranchFactory(code="0202", name="上海营业部")
    team = TeamFactory(branch=branch_a, name="财富一组")

    def staff(username, role, branch=branch_a, team=None):
        return StaffFactory(
            user__username=username,
            staff_code=username.upper(),
            role=role,
            branch=branch,
            team=team,
        )

    cast = SimpleNamespace(branch_a=branch_a, branch_b=branch_b, team=team)
    cast.broker = staff("broker", Role.BROKER, team=team)
    cast.teammate = staff("teammate", Role.BROKER, team=team)
    cast.team_lead = staff("lead", Role.TEAM_LEAD, team=team)
    cast.manager = staff("manager", Role.CUSTOMER_MANAGER)
    cast.branch_manager = staff("branchhead", Role.BRANCH_MANAGER)
    cast.other_broker = staff("outsider", Role.BROKER, branch=branch_b)
    cast.head_office = staff("headoffice", Role.HEAD_OFFICE, branch=None)
    cast.admin = staff("admin", Role.ADMIN, branch=None)

    def served_by(person, cust_no):
        return CustomerFactory(cust_no=cust_no, branch=person.branch, manager=person)

    cast.broker_customer = served_by(cast.broker, "A0001")
    cast.teammate_customer = served_by(cast.teammate, "A0002")
    cast.lead_customer = served_by(cast.team_lead, "A0003")
    cast.manager_customer = served_by(cast.manager, "A0004")
    cast.unserved_customer = CustomerFactory(cust_no="A0005", branch=branch_a, manager=None)
    cast.other_customer = served_by(cast.other_broker, "B0001")
    return cast
