"""The demo's data (issue 12, point 18): a counter that trades on the exchanges' calendar,
accounts that keep opening, a few planted rejects to correct, and a relationship history on
every demo login's workbench. The generator tests need no database; the rest run the real
import, metrics and demo commands on SQLite and on PostgreSQL."""

import csv
import datetime
import io
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.management import call_command

from analytics.models import BranchDay
from crm.dates import day_from_digits
from crm.models import Role, Staff
from crm.scoping import scope_for_user
from customers.demo.days import business_days
from customers.demo.exports import generate_exports
from customers.management.commands.demo_users import DEMO_LOGINS
from customers.models import (
    Customer,
    ImportReject,
    ImportRun,
    Interaction,
    RunKind,
    RunStatus,
    ServiceRequest,
    Task,
    TaskStatus,
)
from customers.selectors.relationship import tasks_for_user
from customers.services import counter_corrections_import
from tests.crm.factories import BranchFactory, StaffFactory, TeamFactory
from tests.customers.factories import CustomerFactory

NATIONAL_DAY = [datetime.date(2026, 10, day) for day in range(1, 8)]
# What `make demo` asks for (the Makefile's demo target), at a size a test can afford.
DEMO = {"calendar": "exchange", "openings": True, "planted_rejects": True}


def _days(folders) -> list[datetime.date]:
    return [day_from_digits(folder.name) for folder in folders]


def _rows(folder: Path, name: str) -> list[dict]:
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# -- the calendar ---------------------------------------------------------------------------


def test_the_demo_command_writes_day_folders_for_trading_days_only(tmp_path):
    call_command(
        "make_counter_exports",
        *("--out", str(tmp_path), "--customers", "40", "--days", "60", "--seed", "7"),
        *("--calendar", "exchange", "--openings", "--plant-rejects"),
        stdout=io.StringIO(),
    )
    days = sorted(_days(tmp_path.iterdir()))
    assert len(days) == 60
    assert days[-1] == datetime.date(2026, 11, 20)
    assert days[0] <= datetime.date(2026, 9, 1)  # the period spans the National Day week
    assert all(day.weekday() < 5 for day in days)
    # National Day and Mid-Autumn are closed; so are the weekend make-up working days
    # (Sunday 20 September and Saturday 10 October), as on the exchanges.
    assert not set(days) & {*NATIONAL_DAY, datetime.date(2026, 9, 25)}
    assert datetime.date(2026, 9, 30) in days and datetime.date(2026, 10, 8) in days
    for folder in tmp_path.iterdir():  # each folder's trades are of its own day
        day = day_from_digits(folder.name)
        dates = {row["trade_date"] for row in _rows(folder, "trades.csv")}
        assert dates - {f"{day:%d/%m/%Y}"} <= {day.isoformat()}  # but the planted bad date


def test_the_exchange_calendar_skips_the_spring_festival_and_its_make_up_saturdays():
    days = business_days(datetime.date(2026, 2, 12), 4, "exchange")
    assert days == [
        datetime.date(2026, 2, 12),
        datetime.date(2026, 2, 13),
        datetime.date(2026, 2, 24),  # 14 Feb (a make-up Saturday) to 23 Feb closed
        datetime.date(2026, 2, 25),
    ]


def test_the_benchmarks_shape_stays_every_weekday_with_every_account_opened_before(tmp_path):
    folders = generate_exports(
        out_dir=tmp_path, customers=60, days=3, seed=7, start_date=datetime.date(2026, 9, 30)
    )
    assert _days(folders) == [datetime.date(2026, 9, 30), *NATIONAL_DAY[:2]]
    first = _rows(folders[0], "customers.csv")
    assert len(first) == 60
    assert max(row["open_date"] for row in first) < "2026-09-30"


# -- accounts keep opening ------------------------------------------------------------------


def test_accounts_open_in_every_week_and_month_of_the_demo_period(tmp_path):
    folders = generate_exports(out_dir=tmp_path, customers=300, days=60, seed=7, **DEMO)
    days = _days(folders)
    opened = defaultdict(list)
    for row in _rows(folders[-1], "customers.csv"):
        opened[datetime.date.fromisoformat(row["open_date"])].append(row["cust_no"])
    assert all(day in days for day in opened if day >= days[0])  # opened on trading days
    weeks = {day.isocalendar()[:2] for day in days}
    assert weeks == {day.isocalendar()[:2] for day in opened if day >= days[0]}
    months = {(day.year, day.month) for day in days}
    assert months == {(day.year, day.month) for day in opened if day >= days[0]}
    # An account appears on the day it opens, with its first deposit, and not before.
    day = days[len(days) // 2]
    new = set(opened[day])
    assert new
    before = {row["cust_no"] for row in _rows(folders[days.index(day) - 1], "customers.csv")}
    assert not new & before
    accounts = {
        r["fund_account"]
        for r in _rows(folders[days.index(day)], "capital_accounts.csv")
        if r["cust_no"] in new
    }
    deposits = {
        r["fund_account"]
        for r in _rows(folders[days.index(day)], "cash_flows.csv")
        if r["biz_type"] == "BANK_IN"
    }
    assert accounts and accounts <= deposits


# -- the demo through the real import --------------------------------------------------------

# How to put each planted reject right again, by the column the import names.
FIXES = {
    "fund_account": lambda value: value.replace("O", "0"),
    "trade_date": lambda value: datetime.datetime.strptime(value, "%d/%m/%Y").date().isoformat(),
    "amount": lambda value: value.replace(",", ""),
    "sec_code": lambda value: value.zfill(6),
    "mobile": lambda value: value.replace(" ", ""),
}


@pytest.fixture
def demo_import(tmp_path, db):
    """Four trading days around National Day with `make demo`'s options, imported by the
    same command as `make demo`, with the metrics computed."""
    folders = generate_exports(
        out_dir=tmp_path / "exports",
        customers=150,
        days=4,
        seed=7,
        start_date=datetime.date(2026, 9, 29),
        **DEMO,
    )
    call_command("import_counter", str(tmp_path / "exports"), stdout=io.StringIO())
    call_command("compute_metrics", stdout=io.StringIO())
    return folders


@pytest.mark.django_db
def test_the_planted_rejects_are_kept_with_reasons_and_the_demo_import_succeeds(
    demo_import, tmp_path
):
    folders = demo_import
    assert _days(folders) == [
        datetime.date(2026, 9, 29),
        datetime.date(2026, 9, 30),
        datetime.date(2026, 10, 8),
        datetime.date(2026, 10, 9),
    ]
    runs = {run.business_date: run for run in ImportRun.objects.filter(kind=RunKind.DAY)}
    assert len(runs) == 4  # and the command, which raises for a refused day, did not
    last = runs.pop(datetime.date(2026, 10, 9))
    assert {run.status for run in runs.values()} == {RunStatus.LOADED}
    assert last.status == RunStatus.LOADED_WITH_REJECTS
    rejects = ImportReject.objects.filter(run=last)
    assert {(r.file, r.column, r.reason) for r in rejects} == {
        ("trades", "fund_account", "unknown fund account"),
        ("trades", "trade_date", "not a valid date in the profile's date format"),
        ("cash_flows", "amount", "not a number"),
        ("positions", "sec_code", "value in the wrong format"),
        ("customers", "mobile", "value in the wrong format"),
    }
    assert all(r.line_no > 1 and r.raw for r in rejects)
    # The correction flow: each file's rejects, put right, load and retire the rejects.
    for file in ("trades", "cash_flows", "positions", "customers"):
        header = next(csv.reader([_header(folders[-1], file)]))
        lines = []
        for reject in rejects.filter(file=file):
            row = next(csv.reader([reject.raw]))
            at = header.index(reject.column)
            row[at] = FIXES[reject.column](row[at])
            lines.append(row)
        upload = tmp_path / f"{file}-corrected.csv"
        with upload.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([header, *lines])
        correction = counter_corrections_import(run=last, file=file, upload=upload)
        assert correction.status == RunStatus.LOADED, correction.error_text
        assert correction.rows_loaded == len(lines)
    assert not ImportReject.objects.filter(run=last, resolved_by__isnull=True).exists()


def _header(folder: Path, file: str) -> str:
    return (folder / f"{file}.csv").read_text(encoding="utf-8").split("\n", 1)[0]


@pytest.mark.django_db
def test_every_imported_day_of_the_demo_has_accounts_opened(demo_import):
    folders = demo_import
    opened = defaultdict(int)
    for row in BranchDay.objects.values("business_date", "new_accounts"):
        opened[row["business_date"]] += row["new_accounts"]
    assert {day: opened[day] > 0 for day in _days(folders)} == dict.fromkeys(_days(folders), True)
    assert Customer.objects.filter(open_date__in=_days(folders)).count() == sum(opened.values())


@pytest.mark.django_db
def test_the_demo_activity_lands_on_the_imported_demo(demo_import):
    call_command("demo_users", stdout=io.StringIO())
    call_command("demo_activity", stdout=io.StringIO())
    for username, _ in DEMO_LOGINS:
        staff = Staff.objects.select_related("user").get(user__username=username)
        assert Interaction.objects.filter(staff=staff).exists(), username
        assert tasks_for_user(staff.user).exists(), username


# -- every demo login's workbench ------------------------------------------------------------


@pytest.fixture
def busy_branch(db):
    """A branch as the import leaves it: staff without logins, and the most customers (so
    demo_users picks it); a team of a lead-to-be and two teammates."""
    branch = BranchFactory(code="0909", name="成都锦江人民路证券营业部")
    team = TeamFactory(branch=branch, name="财富管理一组")

    def staff(code, role, customers, team=None):
        member = StaffFactory(user=None, staff_code=code, role=role, branch=branch, team=team)
        CustomerFactory.create_batch(customers, branch=branch, manager=member)
        return member

    return {
        "broker": staff("0909101", Role.BROKER, 8),
        "manager": staff("0909102", Role.CUSTOMER_MANAGER, 7),
        "lead": staff("0909103", Role.CUSTOMER_MANAGER, 6, team),
        "mates": [staff(f"090910{k}", Role.CUSTOMER_MANAGER, 3, team) for k in (4, 5)],
        "head": staff("0909100", Role.BRANCH_MANAGER, 0),
    }


@pytest.mark.django_db
def test_every_demo_login_has_contacts_and_tasks_in_scope(busy_branch):
    call_command("demo_users", stdout=io.StringIO())
    call_command("demo_activity", stdout=io.StringIO())
    lead = Staff.objects.get(user__username="demo-lead")
    assert lead == busy_branch["lead"]
    for username, _ in DEMO_LOGINS:
        staff = Staff.objects.select_related("user").get(user__username=username)
        user = staff.user
        mine = Interaction.objects.filter(staff=staff)
        assert mine.exists(), username
        assert scope_for_user(user, mine).count() == mine.count(), username
        assert tasks_for_user(user).exists(), username
        assert scope_for_user(user, ServiceRequest.objects.filter(assignee=staff)).exists()
    # The lead's teammates are worked too, so the team's pages are not empty.
    for mate in busy_branch["mates"]:
        assert Interaction.objects.filter(staff=mate).exists(), mate.staff_code
        assert Task.objects.filter(assignee=mate, status=TaskStatus.DONE).exists()
        assert ServiceRequest.objects.filter(assignee=mate, created_by=lead.user).exists()
    assert scope_for_user(lead.user, Interaction.objects.exclude(staff=lead)).exists()


@pytest.mark.django_db
def test_the_demo_activity_is_logged_once_however_often_it_runs(busy_branch):
    call_command("demo_users", stdout=io.StringIO())
    call_command("demo_activity", stdout=io.StringIO())
    counts = Interaction.objects.count(), ServiceRequest.objects.count()
    call_command("demo_activity", stdout=io.StringIO())
    assert (Interaction.objects.count(), ServiceRequest.objects.count()) == counts
