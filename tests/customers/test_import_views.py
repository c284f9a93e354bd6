"""The import monitoring pages of head office: history, starting an import, one run, rejects
download and the re-import of corrected rows. Runs come from the real import services on a
tiny day folder."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from analytics.models import CustomerDay
from analytics.services import metrics_compute_stale
from crm.models import AuditEntry
from crm.pipeline import METRICS_QUEUED_KEY, PIPELINE_BUSY_KEY
from customers.models import ImportProfile, ImportReject, ImportRun, RunKind, RunStatus, Trade
from customers.services import counter_day_import, progress_key

pytestmark = pytest.mark.django_db


DAY = "20260318"
GOOD_TRADE = "T0001,2026-03-18,F9001,SH,600519,B,100,1500.00,150000.00,45.00,,,,,-150045.00,mobile"
BAD_TRADE = "T0002,2026-03-18,F9001,SH,600519,B,100,abc,150000.00,45.00,,,,,-150045.00,mobile"
FIXED_TRADE = BAD_TRADE.replace(",abc,", ",1500.00,")
FILES = {
    "branches.csv": ["branch_code,name,region", "0909,测试营业部,浙江分公司"],
    "staff.csv": ["staff_code,name,branch_code,role,team,status", "S9001,王强,0909,manager,,"],
    "securities.csv": [
        "market,sec_code,name,sec_type,industry",
        "SH,600519,贵州茅台,stock,食品饮料",
    ],
    "customers.csv": [
        "cust_no,name,cust_type,branch_code,manager_code,open_date,status",
        "C9001,李娜,0,0909,S9001,2020-05-06,0",
        "C9002,赵敏,0,0909,S9001,2020-13-45,0",
    ],
    "capital_accounts.csv": [
        "fund_account,cust_no,account_kind,currency,open_date,status",
        "F9001,C9001,normal,CNY,2020-05-06,0",
    ],
    # Files a first day needs, delivered empty: the contract has the counter send them.
    "shareholder_accounts.csv": ["holder_account,fund_account,market,open_date"],
    "balances.csv": ["fund_account,currency,balance,available,frozen"],
    "positions.csv": [
        "fund_account,market,sec_code,quantity,available_qty,cost_price,market_value"
    ],
    "credit_accounts.csv": [
        (
            "fund_account,financing_debt,lending_debt,accrued_interest,collateral_value,"
            "maintenance_ratio"
        )
    ],
    "trades.csv": [
        (
            "serial_no,trade_date,fund_account,market,sec_code,side,quantity,price,amount,"
            "commission,stamp_tax,transfer_fee,handling_fee,regulatory_fee,net_amount,channel"
        ),
        GOOD_TRADE,
        BAD_TRADE,
    ],
}


def write_day(root, *, broken_checksum_of: str | None = None):
    """A day folder per shared/COUNTER_EXPORTS.md, the manifest written last."""
    folder = root / DAY
    folder.mkdir(parents=True)
    manifest = ["file,rows,sha256"]
    for name, lines in FILES.items():
        data = ("\n".join(lines) + "\n").encode()
        (folder / name).write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        if name == broken_checksum_of:
            digest = "0" * 64
        manifest.append(f"{name},{len(lines) - 1},{digest}")
    (folder / "manifest.csv").write_text("\n".join(manifest) + "\n")
    return folder


@pytest.fixture
def day_run(tmp_path):
    run = counter_day_import(folder=write_day(tmp_path / "good"), profile=None)
    assert run.status == RunStatus.LOADED_WITH_REJECTS
    return run


@pytest.fixture
def refused_run(tmp_path):
    run = counter_day_import(
        folder=write_day(tmp_path / "refused", broken_checksum_of="trades.csv")
    )
    assert run.status == RunStatus.REFUSED
    return run


@pytest.fixture
def running_run(db):
    run = ImportRun.objects.create(
        business_date="2026-03-19", profile=ImportProfile.objects.get(is_default=True)
    )
    cache.set(
        progress_key(run.pk),
        {"file": "trades.csv", "done": 4, "total": 6, "rows": 1234, "message": "trades.csv (5/6)"},
    )
    yield run
    cache.delete(progress_key(run.pk))


def import_urls(run):
    return [
        ("get", reverse("customers:imports")),
        ("post", reverse("customers:import-start")),
        ("get", reverse("customers:import-run", args=[run.pk])),
        ("get", reverse("customers:import-progress", args=[run.pk])),
        ("get", reverse("customers:import-rejects-csv", args=[run.pk, "trades"])),
        ("post", reverse("customers:import-corrections", args=[run.pk])),
    ]


def csv_text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_it_shows_head_office_the_import_history(client, org, day_run):
    client.force_login(org.head_office.user)
    response = client.get("/customers/imports/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "2026-03-18" in body
    assert "badge-rejects" in body
    assert "Loaded with rejected rows" in body
    assert reverse("customers:import-run", args=[day_run.pk]) in body
    assert 'hx-trigger="every 3s"' not in body  # nothing runs, nothing polls


def test_it_says_so_when_no_import_has_run(client, org):
    client.force_login(org.admin.user)
    body = client.get("/customers/imports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No import has run yet." in body


def test_it_filters_the_history_by_status_and_business_day(client, org, day_run, refused_run):
    client.force_login(org.head_office.user)
    body = client.get("/customers/imports/", {"status": "refused"}).content.decode()
    assert f"#{refused_run.pk}<" in body and f"#{day_run.pk}<" not in body
    body = client.get("/customers/imports/", {"day_from": "2026-03-19"}).content.decode()
    assert f"#{day_run.pk}<" not in body and f"#{refused_run.pk}<" not in body


def test_it_shows_a_run_with_its_files_and_translated_rejects(client, org, day_run):
    client.force_login(org.head_office.user)
    url = reverse("customers:import-run", args=[day_run.pk])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "trades" in body and "capital_accounts" in body
    assert "not a number" in body
    assert BAD_TRADE in body
    assert reverse("customers:import-rejects-csv", args=[day_run.pk, "trades"]) in body
    assert reverse("customers:import-corrections", args=[day_run.pk]) in body
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "not a number" not in chinese  # the stored msgid is translated when shown


def test_it_filters_a_runs_rejects_by_file(client, org, day_run):
    client.force_login(org.head_office.user)
    url = reverse("customers:import-run", args=[day_run.pk])
    assert BAD_TRADE in client.get(url, {"file": "trades"}).content.decode()
    body = client.get(url, {"file": "customers"}).content.decode()
    assert BAD_TRADE not in body and "C9002" in body


@pytest.mark.parametrize("who", ["broker", "branch_manager"])
def test_it_forbids_every_import_page_to_sales_and_branch_staff(client, org, day_run, who):
    client.force_login(getattr(org, who).user)
    for method, url in import_urls(day_run):
        assert getattr(client, method)(url).status_code == 403, url
    assert not AuditEntry.objects.filter(action__startswith="import.").exists()


def test_it_sends_anonymous_visitors_to_the_login(client, day_run):
    for method, url in import_urls(day_run):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_it_lets_a_superuser_without_staff_record_in(client, django_user_model, day_run):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    assert client.get(reverse("customers:import-run", args=[day_run.pk])).status_code == 200


def test_it_shows_imports_in_the_navigation_of_head_office_only(client, org):
    client.force_login(org.head_office.user)
    assert reverse("customers:imports") in client.get("/").content.decode()
    client.force_login(org.branch_manager.user)
    assert reverse("customers:imports") not in client.get("/").content.decode()


def test_it_downloads_the_open_rejects_as_a_csv_to_correct(client, org, day_run):
    client.force_login(org.head_office.user)
    response = client.get(reverse("customers:import-rejects-csv", args=[day_run.pk, "trades"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f"attachment; filename={DAY}-trades-rejects.csv"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")  # utf-8 with a BOM, for spreadsheet users
    assert data.decode("utf-8-sig").splitlines() == [FILES["trades.csv"][0], BAD_TRADE]
    entry = AuditEntry.objects.get(action="import.rejects_download")
    assert entry.actor == org.head_office.user
    assert entry.object_id == str(day_run.pk)
    assert entry.details == {"file": "trades", "rows": 1}


def test_it_refuses_the_rejects_of_a_file_the_run_does_not_have(client, org, day_run):
    client.force_login(org.head_office.user)
    url = reverse("customers:import-rejects-csv", args=[day_run.pk, "cash_flows"])
    assert client.get(url).status_code == 404


def test_it_loads_a_corrected_csv_and_supersedes_the_old_reject(client, org, day_run):
    client.force_login(org.head_office.user)
    download = client.get(reverse("customers:import-rejects-csv", args=[day_run.pk, "trades"]))
    corrected = csv_text(download).replace(",abc,", ",1500.00,").encode("utf-8-sig")
    upload = _upload(corrected)
    response = client.post(
        reverse("customers:import-corrections", args=[day_run.pk]),
        {"file": "trades", "upload": upload},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    correction = ImportRun.objects.get(kind=RunKind.CORRECTION)
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:import-run", args=[correction.pk])
    assert correction.status == RunStatus.LOADED
    assert correction.rows_loaded == 1
    assert correction.started_by == org.head_office.user
    assert Trade.objects.filter(serial_no="T0002").exists()
    assert ImportReject.objects.get(run=day_run, file="trades").resolved_by == correction
    assert ImportReject.objects.get(run=day_run, file="customers").resolved_by is None
    assert AuditEntry.objects.filter(action="import.corrections", object_id=str(day_run.pk))
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 loaded, 0 rejected" in page
    old = client.get(reverse("customers:import-run", args=[day_run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert f"superseded by run #{correction.pk}" in old.content.decode()
    form = old.content.decode().split('id="corrections"')[1]
    assert '<option value="customers">' in form and '<option value="trades">' not in form


def test_it_names_the_cause_when_a_corrected_csv_is_refused(client, org, day_run):
    client.force_login(org.head_office.user)
    misspelt = FILES["trades.csv"][0].replace("commission", "commision")
    response = client.post(
        reverse("customers:import-corrections", args=[day_run.pk]),
        {"file": "trades", "upload": _upload(misspelt.encode() + b"\n" + FIXED_TRADE.encode())},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    correction = ImportRun.objects.get(kind=RunKind.CORRECTION)
    assert correction.status == RunStatus.REFUSED
    body = response.content.decode()
    assert "The corrected file was refused" in body
    assert "trades.csv: required column missing" in body
    assert ImportReject.objects.get(run=day_run, file="trades").resolved_by is None


def test_it_shows_the_form_again_when_no_file_was_uploaded(client, org, day_run):
    client.force_login(org.head_office.user)
    response = client.post(
        reverse("customers:import-corrections", args=[day_run.pk]), {"file": "trades"}
    )
    assert response.status_code == 400
    assert not ImportRun.objects.filter(kind=RunKind.CORRECTION).exists()


def test_it_accepts_corrections_only_by_post(client, org, day_run):
    client.force_login(org.head_office.user)
    assert client.get(reverse("customers:import-corrections", args=[day_run.pk])).status_code == 405


def test_it_shows_why_a_run_was_refused_naming_the_file(client, org, refused_run):
    client.force_login(org.head_office.user)
    response = client.get(
        reverse("customers:import-run", args=[refused_run.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    assert "badge-refused" in body
    assert "Why the run was refused" in body
    assert "trades.csv: checksum does not match the manifest" in body


def test_it_shows_the_progress_of_a_running_run_from_the_cache(client, org, running_run):
    client.force_login(org.head_office.user)
    url = reverse("customers:import-progress", args=[running_run.pk])
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "4 of 6 files" in body
    assert "1234 rows read so far" in body
    assert "trades.csv (5/6)" in body
    assert f'hx-get="{url}"' in body and 'hx-trigger="every 3s"' in body
    for page in ("/customers/imports/", reverse("customers:import-run", args=[running_run.pk])):
        body = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "4 of 6 files" in body and 'hx-trigger="every 3s"' in body


def test_it_refreshes_the_page_when_a_polled_run_has_finished(client, org, day_run):
    client.force_login(org.head_office.user)
    url = reverse("customers:import-progress", args=[day_run.pk])
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"


def test_it_lists_the_history_in_a_bounded_number_of_queries(
    client, org, tmp_path, django_assert_max_num_queries, running_run
):
    for number in range(3):
        counter_day_import(folder=write_day(tmp_path / str(number)))
    client.force_login(org.head_office.user)
    with django_assert_max_num_queries(7):  # the start form's profiles among them
        assert client.get("/customers/imports/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("customers:import-run", args=[running_run.pk])).status_code


def _upload(content: bytes):
    return SimpleUploadedFile(f"{DAY}-trades-rejects.csv", content, content_type="text/csv")


# -- starting an import from the Imports page -----------------------------------------------


@pytest.fixture
def import_root(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "exports"
    write_day(settings.IMPORT_ROOT)
    (settings.IMPORT_ROOT / "20260319").mkdir()  # no manifest yet: not a choice
    (settings.IMPORT_ROOT / "notes").mkdir()
    return settings.IMPORT_ROOT


def start(client, data, **extra):
    return client.post(reverse("customers:import-start"), data, **extra)


def test_it_offers_head_office_the_day_folders_and_the_default_profile(client, org, import_root):
    ImportProfile.objects.create(name="vendor-b")
    client.force_login(org.head_office.user)
    body = client.get("/customers/imports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = body.split('id="import-start"')[1].split("</form>")[0]
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<option value="" selected>Every pending day</option>' in form
    assert '<option value="20260318">2026-03-18 — not loaded yet</option>' in form
    assert "20260319" not in form and "notes" not in form
    default = ImportProfile.objects.get(is_default=True).name
    assert f'<option value="{default}" selected>' in form
    assert '<option value="vendor-b">vendor-b</option>' in form


def test_the_start_form_says_which_days_are_loaded_or_refused(client, org, import_root):
    counter_day_import(folder=import_root / DAY)
    refused = write_day(import_root / "refused", broken_checksum_of="trades.csv")
    refused.rename(import_root / "20260317")
    counter_day_import(folder=import_root / "20260317")
    client.force_login(org.head_office.user)
    body = client.get("/customers/imports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = body.split('id="import-start"')[1].split("</form>")[0]
    assert '<option value="20260318">2026-03-18 — Loaded with rejected rows</option>' in form
    assert '<option value="20260317">2026-03-17 — Refused</option>' in form


def test_head_office_starts_the_pending_days_and_their_metrics_follow(
    client, org, import_root, django_capture_on_commit_callbacks
):
    client.force_login(org.head_office.user)
    default = ImportProfile.objects.get(is_default=True).name
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, {"day": "", "profile": default}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:imports")
    run = ImportRun.objects.get()
    assert (run.status, run.started_by) == (RunStatus.LOADED_WITH_REJECTS, org.head_office.user)
    assert run.source == str(import_root / DAY)
    assert run.metrics_at is not None
    day = CustomerDay.objects.get(customer__cust_no="C9001", business_date="2026-03-18")
    assert day.commission == Decimal("45.00")
    entry = AuditEntry.objects.get(action="import.start")
    assert entry.actor == org.head_office.user
    assert entry.details == {"day": "pending", "profile": default}
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Import of every pending day with profile {default} started:" in page
    assert 'hx-trigger="every 3s"' not in page  # it ran at once: nothing left to follow


def test_head_office_imports_a_chosen_day_again_with_a_chosen_profile(
    client, org, import_root, django_capture_on_commit_callbacks
):
    counter_day_import(folder=import_root / DAY)
    other = ImportProfile.objects.create(name="vendor-b")
    client.force_login(org.head_office.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, {"day": DAY, "profile": "vendor-b"}, HTTP_ACCEPT_LANGUAGE="en")
    again = ImportRun.objects.order_by("-pk").first()
    assert (again.profile, again.started_by) == (other, org.head_office.user)
    assert again.status == RunStatus.LOADED_WITH_REJECTS
    assert AuditEntry.objects.get(action="import.start").details == {
        "day": DAY,
        "profile": "vendor-b",
    }
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Import of business day 2026-03-18 with profile vendor-b started:" in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"day": "20260319", "profile": "default"}, "Day"),  # a folder without a manifest
        ({"day": "../20260318", "profile": "default"}, "Day"),
        ({"day": "20261399", "profile": "default"}, "Day"),
        ({"day": "", "profile": "no-such-profile"}, "Profile"),
        ({"day": ""}, "Profile"),
    ],
)
def test_it_says_why_an_import_with_a_bad_day_or_profile_was_not_started(
    client, org, import_root, django_capture_on_commit_callbacks, data, field
):
    client.force_login(org.head_office.user)
    if data.get("profile") == "default":
        data = {**data, "profile": ImportProfile.objects.get(is_default=True).name}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = start(client, data, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "The import was not started." in body
    assert f"{field}: " in body
    assert callbacks == []
    assert not ImportRun.objects.exists()
    assert not AuditEntry.objects.filter(action="import.start").exists()


@pytest.mark.parametrize("who", ["broker", "branch_manager", "team_lead", "manager"])
def test_it_refuses_to_start_an_import_for_anyone_but_head_office(
    client, org, import_root, django_capture_on_commit_callbacks, who
):
    client.force_login(getattr(org, who).user)
    default = ImportProfile.objects.get(is_default=True).name
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert start(client, {"day": "", "profile": default}).status_code == 403
    assert callbacks == []
    assert not ImportRun.objects.exists()


def test_it_starts_imports_only_by_post(client, org, import_root):
    client.force_login(org.head_office.user)
    assert client.get(reverse("customers:import-start")).status_code == 405
    assert not ImportRun.objects.exists()


def test_the_history_follows_an_import_just_started_and_stops_once_none_runs(client, org):
    client.force_login(org.head_office.user)
    # Queued, not yet picked up by a worker: no run exists, yet the history follows it.
    cache.set(PIPELINE_BUSY_KEY, timezone.now())
    body = client.get("/customers/imports/", {"status": "loaded"}).content.decode()
    assert 'hx-trigger="every 3s"' in body
    assert 'hx-get="/customers/imports/?status=loaded"' in body
    polled = client.get("/customers/imports/", {"status": "loaded"}, HTTP_HX_REQUEST="true")
    partial = polled.content.decode()
    assert partial.lstrip().startswith('<section class="card" id="import-runs"')
    assert 'hx-trigger="every 3s"' in partial and "<html" not in partial
    cache.delete(PIPELINE_BUSY_KEY)
    partial = client.get("/customers/imports/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="import-runs"' in partial and "hx-trigger" not in partial


def test_a_running_row_of_the_history_leaves_the_polling_to_the_table(client, org, running_run):
    client.force_login(org.head_office.user)
    body = client.get("/customers/imports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert body.count('hx-trigger="every 3s"') == 1
    assert reverse("customers:import-progress", args=[running_run.pk]) not in body


# -- a correction reaches its day's metrics ---------------------------------------------------


def _corrected_trades(client, run) -> SimpleUploadedFile:
    download = client.get(reverse("customers:import-rejects-csv", args=[run.pk, "trades"]))
    return _upload(csv_text(download).replace(",abc,", ",1500.00,").encode("utf-8-sig"))


def test_a_correction_recomputes_its_days_metrics_and_the_page_says_so(
    client, org, day_run, django_capture_on_commit_callbacks
):
    metrics_compute_stale()
    assert CustomerDay.objects.get(customer__cust_no="C9001").commission == Decimal("45.00")
    client.force_login(org.head_office.user)
    upload = _corrected_trades(client, day_run)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("customers:import-corrections", args=[day_run.pk]),
            {"file": "trades", "upload": upload},
        )
    correction = ImportRun.objects.get(kind=RunKind.CORRECTION)
    assert correction.metrics_at is not None
    assert CustomerDay.objects.get(customer__cust_no="C9001").commission == Decimal("90.00")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    at = timezone.localtime(correction.metrics_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"Metrics recomputed at {at}." in page
    assert "stale" not in page


def test_the_run_page_says_when_a_days_metrics_are_stale_and_who_recomputes_them(
    client, org, day_run, django_capture_on_commit_callbacks
):
    client.force_login(org.head_office.user)
    upload = _corrected_trades(client, day_run)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("customers:import-corrections", args=[day_run.pk]),
            {"file": "trades", "upload": upload},
        )
    assert len(callbacks) == 1  # the metrics, queued once the correction has committed
    url = response["Location"]
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The metrics of this day are stale: the next nightly run recomputes them." in page
    # Queued (a worker has it): the page says so and follows it.
    cache.set(METRICS_QUEUED_KEY, timezone.now() + datetime.timedelta(seconds=1))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The metrics of this day are stale: they are being recomputed." in page
    assert f'hx-get="{url}" hx-select="#day-metrics"' in page
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "being recomputed" not in chinese


def test_a_run_that_loaded_nothing_says_nothing_about_metrics(client, org, refused_run):
    client.force_login(org.head_office.user)
    page = client.get(
        reverse("customers:import-run", args=[refused_run.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Metrics recomputed" not in page and "stale" not in page


# -- how the pages read ----------------------------------------------------------------------


def test_the_rejects_name_a_column_by_its_label_with_the_counters_name_after_it(
    client, org, day_run
):
    client.force_login(org.head_office.user)
    url = reverse("customers:import-run", args=[day_run.pk])
    body = client.get(url, {"file": "trades"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '价格 <small class="muted mono">price</small>' in body
    assert '<td class="nowrap">尚未导入</td>' in body


def test_the_pages_show_the_profiles_description_and_counts_with_thousands_separators(
    client, org, day_run
):
    ImportRun.objects.filter(pk=day_run.pk).update(rows_read=21274)
    client.force_login(org.head_office.user)
    profile = day_run.profile
    with translation.override("en"):
        shown = f'{profile.description_shown} <small class="muted mono">{profile.name}</small>'
    history = client.get("/customers/imports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert shown in history and "21,274" in history
    url = reverse("customers:import-run", args=[day_run.pk])
    detail = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert shown in detail and "21,274" in detail
    assert "Duration (s)" in detail


def test_a_date_reject_names_the_profiles_date_format(client, org, day_run):
    client.force_login(org.head_office.user)
    url = reverse("customers:import-run", args=[day_run.pk])
    body = client.get(url, {"file": "customers"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not a valid date: the profile writes dates as YYYY-MM-DD" in body
