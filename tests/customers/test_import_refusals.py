"""What the import says when a delivery cannot be read as the profile describes it: huge
lines, the wrong delimiter, every delimiter a profile may choose, and refusals in the
reader's language. On SQLite and on PostgreSQL, like tests/customers/test_import.py."""

import csv
import hashlib

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from customers.etl.sources import LINE_LIMIT, RefusedFile, count_records
from customers.etl.specs import RAW_KEPT
from customers.models import Customer, Delimiter, ImportProfile, ImportReject, RunStatus, Trade
from customers.services import counter_corrections_import, counter_day_import
from customers.services.imports import ImportNotStarted

from .counter_files import HEADERS, base_day, csv_text, write_day
from .profile_layout import rewrite_for_profile
from .test_import import rejects_of, snapshot_of_business_data
from .test_import_profiles import forget_business_data

pytestmark = pytest.mark.django_db

DAY = "20260302"
FIVE_MB = 5 * 1024 * 1024
BEYOND_THE_LIMIT = LINE_LIMIT + 1024


def customer_row(cust_no: str, address: str) -> list[str]:
    row = list(base_day()["customers"][1])
    row[0], row[9] = cust_no, address
    return row


def cut_mark(length: int) -> str:
    return f" …[cut: {length} characters in all]"


def profile_with(delimiter: str, other: str = "") -> ImportProfile:
    return ImportProfile.objects.create(
        name=f"delimited-{delimiter}", delimiter=delimiter, other_delimiter=other
    )


# -- huge lines -----------------------------------------------------------------------------


def test_a_5mb_line_is_rejected_alone_with_its_text_cut_and_marked(tmp_path):
    rows = base_day()
    huge = customer_row("C003", "x" * FIVE_MB)
    rows["customers"].append(huge)
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    assert run.status == RunStatus.LOADED_WITH_REJECTS, run.error
    assert rejects_of(run) == [("customers", 4, "address", "value too long")]
    raw = ImportReject.objects.get(run=run).raw
    line = ",".join(huge)
    assert raw == line[:RAW_KEPT] + cut_mark(len(line))
    assert sorted(Customer.objects.values_list("cust_no", flat=True)) == ["C001", "C002"]
    assert Trade.objects.count() == 2
    assert run.rows_loaded == run.rows_read - 1


def test_a_5mb_line_with_the_wrong_number_of_fields_is_cut_too(tmp_path):
    rows = base_day()
    huge = "T0003,2026-03-02," + "F" * FIVE_MB
    text = csv_text(HEADERS["trades"], rows["trades"]) + huge + "\n"
    rows["trades"].append(["placeholder"])  # counted by the manifest
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows, raw={"trades": text.encode()}))
    assert rejects_of(run) == [("trades", 4, "", "wrong number of fields on the line")]
    assert ImportReject.objects.get(run=run).raw == huge[:RAW_KEPT] + cut_mark(len(huge))
    assert Trade.objects.count() == 2


def test_a_short_rejected_line_is_kept_whole_and_unmarked(tmp_path):
    rows = base_day()
    rows["customers"].append(customer_row("C003", "x" * 300))
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    assert ImportReject.objects.get(run=run).raw == ",".join(rows["customers"][-1])


def test_an_over_long_header_refuses_its_file_naming_it(tmp_path):
    rows = base_day()
    header = ["branch_code", "name", "region", "remark" * (BEYOND_THE_LIMIT // 6)]
    for row in rows["branches"]:
        row.append("")
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows, headers={"branches": header}))
    assert run.status == RunStatus.REFUSED
    assert run.error == (
        "branches.csv: the header line is longer than 16 MiB, the most a line may hold"
    )
    assert Customer.objects.count() == 0


def test_a_line_beyond_the_limit_refuses_its_file_naming_the_line(tmp_path):
    rows = base_day()
    rows["trades"][1][15] = "m" * BEYOND_THE_LIMIT
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    assert run.status == RunStatus.REFUSED
    assert run.error == "trades.csv: line 3 is longer than 16 MiB, the most a line may hold"


def test_a_quoted_field_beyond_the_csv_limit_refuses_its_file(tmp_path):
    # Every line is short, but the quoted field they make is longer than the csv module reads.
    field = "\n".join(["y" * (1 << 20)] * 17)
    rows = base_day()
    rows["branches"][0][2] = field
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    assert run.status == RunStatus.REFUSED
    assert run.error.startswith("branches.csv: not valid CSV at line ")
    assert "field larger than field limit" in run.error


def test_counting_records_refuses_a_field_beyond_the_csv_limit(tmp_path):
    path = tmp_path / "trades.csv"
    path.write_text('a,b\n"' + "z\n" * (LINE_LIMIT // 2 + 1) + '",1\n')
    with pytest.raises(RefusedFile, match=r"^trades\.csv: not valid CSV at line \d+"):
        count_records(path, "utf-8")


def test_a_corrected_upload_with_an_over_long_header_is_refused_naming_it(tmp_path):
    rows = base_day()
    rows["trades"][1][5] = "X"
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    upload = tmp_path / "fixed.csv"
    upload.write_text("serial_no," + "h" * BEYOND_THE_LIMIT + "\n")
    correction = counter_corrections_import(run=run, file="trades", upload=upload)
    assert correction.status == RunStatus.REFUSED
    assert correction.error.startswith("fixed.csv: not valid CSV at line 1 (field larger")


def test_the_run_page_shows_the_start_of_a_long_rejected_line(client, org, tmp_path):
    rows = base_day()
    rows["customers"].append(customer_row("C003", "x" * FIVE_MB))
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    raw = ImportReject.objects.get(run=run).raw
    reveal_allowed(org.head_office.user)  # the line as stored: personal data in full
    client.force_login(org.head_office.user)
    response = client.get(reverse("customers:import-run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert raw[:300] + "…" in body
    assert raw[:301] not in body
    assert f"{len(raw)} characters; download the rejects to read the whole line" in body
    assert len(body) < 100_000


def test_the_rejects_download_keeps_the_line_as_stored(client, org, tmp_path):
    rows = base_day()
    rows["customers"].append(customer_row("C003", "x" * FIVE_MB))
    run = counter_day_import(folder=write_day(tmp_path, DAY, rows))
    reveal_allowed(org.head_office.user)  # the line as stored: personal data in full
    client.force_login(org.head_office.user)
    url = reverse("customers:import-rejects-csv", args=[run.pk, "customers"])
    lines = b"".join(client.get(url).streaming_content).decode("utf-8-sig").splitlines()
    assert lines[1] == ImportReject.objects.get(run=run).raw
    assert lines[1].endswith(" characters in all]")


# -- delimiters -----------------------------------------------------------------------------


def day_with_delimiters_in_values() -> dict[str, list[list[str]]]:
    """The canonical day, with values that hold every delimiter (the writer quotes them) and
    one trade that is rejected (its raw text is written back with the profile's delimiter)."""
    rows = base_day()
    rows["customers"][0][9] = "杭州市西湖区,文三路|1号;2楼~3室\t北"
    rows["branches"][0][2] = "浙江;华东|东南,~"
    rows["trades"][1][7] = "10,50"  # a thousands separator the canonical profile lacks
    return rows


@pytest.mark.parametrize(
    ("delimiter", "other", "character"),
    [
        (Delimiter.COMMA, "", ","),
        (Delimiter.TAB, "", "\t"),
        (Delimiter.SEMICOLON, "", ";"),
        (Delimiter.PIPE, "", "|"),
        (Delimiter.OTHER, "~", "~"),
    ],
)
def test_every_delimiter_choice_imports_the_same_day_to_the_same_data(
    tmp_path, delimiter, other, character
):
    canonical = write_day(tmp_path / "canonical", DAY, day_with_delimiters_in_values())
    expected_run = counter_day_import(folder=canonical)
    assert expected_run.status == RunStatus.LOADED_WITH_REJECTS, expected_run.error
    expected, expected_rejects = snapshot_of_business_data(), rejects_of(expected_run)
    forget_business_data()

    profile = profile_with(delimiter, other)
    assert profile.delimiter_character == character
    folder = rewrite_for_profile(canonical, tmp_path / "delimited" / DAY, profile)
    assert (folder / "trades.csv").read_text().startswith(f"serial_no{character}trade_date")
    run = counter_day_import(folder=folder, profile=profile)
    assert run.status == RunStatus.LOADED_WITH_REJECTS, run.error
    assert snapshot_of_business_data() == expected
    assert rejects_of(run) == expected_rejects == [("trades", 3, "price", "not a number")]
    raw = ImportReject.objects.get(run=run).raw
    assert (
        next(csv.reader([raw], delimiter=character)) == day_with_delimiters_in_values()["trades"][1]
    )


def canonical_day_written_with(tmp_path, delimiter: str, other: str = ""):
    canonical = write_day(tmp_path / "canonical", DAY, base_day())
    return rewrite_for_profile(
        canonical, tmp_path / delimiter / DAY, profile_with(delimiter, other)
    )


@pytest.mark.parametrize(
    ("written", "read", "message"),
    [
        (
            (Delimiter.TAB,),
            (Delimiter.COMMA,),
            (
                "branches.csv: 1 column found; the header holds tabs: is the delimiter right?"
                " The profile expects Comma ( , )."
            ),
        ),
        (
            (Delimiter.COMMA,),
            (Delimiter.TAB,),
            (
                "branches.csv: 1 column found; the header holds commas: is the delimiter right?"
                " The profile expects Tab."
            ),
        ),
        (
            (Delimiter.SEMICOLON,),
            (Delimiter.OTHER, "~"),
            (
                "branches.csv: 1 column found; the header holds semicolons: is the delimiter"
                " right? The profile expects “~”."
            ),
        ),
        (
            (Delimiter.OTHER, "~"),
            (Delimiter.PIPE,),
            (
                "branches.csv: 1 column found where 2 are required; the header reads"
                " “branch_code~name~region”: is the delimiter right?"
                " The profile expects Vertical bar ( | )."
            ),
        ),
    ],
)
def test_a_day_read_with_the_wrong_delimiter_is_refused_saying_what_the_header_holds(
    tmp_path, written, read, message
):
    folder = canonical_day_written_with(tmp_path, *written)
    reading = ImportProfile.objects.create(
        name="reading", delimiter=read[0], other_delimiter=read[1] if len(read) > 1 else ""
    )
    run = counter_day_import(folder=folder, profile=reading)
    assert run.status == RunStatus.REFUSED
    assert run.error == message
    with translation.override("en"):
        assert run.error_text == message


def test_a_header_split_right_but_lacking_a_column_names_the_column(tmp_path):
    headers = {"customers": ["customer_id", *HEADERS["customers"][1:]]}
    run = counter_day_import(folder=write_day(tmp_path, DAY, base_day(), headers=headers))
    assert run.error == "customers.csv: required column missing: cust_no"


# -- refusals in the reader's language ------------------------------------------------------


def _rewrite_manifest_rows(folder, name: str, rows: int) -> None:
    digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    lines = (folder / "manifest.csv").read_text().splitlines()
    fixed = [f"{name},{rows},{digest}" if line.startswith(name + ",") else line for line in lines]
    (folder / "manifest.csv").write_text("\n".join(fixed) + "\n")


def refused_day(tmp_path, cause: str):
    rows, options = base_day(), {}
    if cause == "checksum":
        options["manifest_overrides"] = {"trades": (2, "0" * 64)}
    elif cause == "undecodable":
        options["raw"] = {
            "customers": csv_text(HEADERS["customers"], rows["customers"]).encode("gbk")
        }
    elif cause == "missing_column":
        options["headers"] = {"customers": ["customer_id", *HEADERS["customers"][1:]]}
    elif cause == "empty":
        options["raw"] = {"quotes": b""}
        options["manifest_overrides"] = {"quotes": (0, hashlib.sha256(b"").hexdigest())}
    elif cause == "long_header":
        options["headers"] = {"branches": ["branch_code", "name", "r" * BEYOND_THE_LIMIT]}
    folder = write_day(tmp_path, DAY, rows, **options)
    if cause == "row_count":
        _rewrite_manifest_rows(folder, "trades.csv", 5)
    elif cause == "not_delivered":
        (folder / "cash_flows.csv").unlink()
    elif cause == "no_manifest":
        (folder / "manifest.csv").unlink()
    elif cause == "bad_manifest":
        (folder / "manifest.csv").write_text("name,count\nbranches.csv,1\n")
    elif cause == "unreadable_manifest":
        (folder / "manifest.csv").write_text("file,rows,sha256\nbranches.csv,many,0\n")
    elif cause == "wrong_delimiter":
        folder = canonical_day_written_with(tmp_path / "tabs", Delimiter.TAB)
    run = counter_day_import(folder=folder)
    assert run.status == RunStatus.REFUSED
    return run


@pytest.mark.parametrize(
    ("cause", "english", "chinese"),
    [
        (
            "checksum",
            "trades.csv: checksum does not match the manifest",
            "trades.csv: 校验和与清单不符",
        ),
        (
            "row_count",
            "trades.csv: row count does not match the manifest (5 announced)",
            "trades.csv: 行数与清单不符（清单声明 5 行）",
        ),
        (
            "wrong_delimiter",
            (
                "branches.csv: 1 column found; the header holds tabs: is the delimiter right?"
                " The profile expects Comma ( , )."
            ),
            "branches.csv: 只识别出 1 列；表头中含有制表符：分隔符是否设置正确？",
        ),
    ],
)
def test_a_refused_day_is_told_in_the_readers_language(tmp_path, cause, english, chinese):
    run = refused_day(tmp_path, cause)
    run.refresh_from_db()
    assert run.error == english
    with translation.override("en"):
        assert run.error_text == english
    with translation.override("zh-hans"):
        assert run.error_text.startswith(chinese)


@pytest.mark.parametrize(
    "cause",
    [
        "checksum",
        "row_count",
        "undecodable",
        "missing_column",
        "empty",
        "long_header",
        "not_delivered",
        "no_manifest",
        "bad_manifest",
        "unreadable_manifest",
        "wrong_delimiter",
    ],
)
def test_every_refusal_has_its_chinese_wording(tmp_path, cause):
    run = refused_day(tmp_path, cause)
    run.refresh_from_db()
    with translation.override("en"):
        assert run.error_text == run.error
    with translation.override("zh-hans"):
        chinese = run.error_text
    assert chinese != run.error
    assert chinese.split(": ", 1)[0] == run.error.split(": ", 1)[0]  # the file, as named


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("zh-hans", "trades.csv: 行数与清单不符（清单声明 5 行）"),
        ("en", "trades.csv: row count does not match the manifest (5 announced)"),
    ],
)
def test_the_run_page_shows_a_refusal_in_the_readers_language(
    client, org, tmp_path, language, shown
):
    run = refused_day(tmp_path, "row_count")
    client.force_login(org.head_office.user)
    response = client.get(
        reverse("customers:import-run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert f'<p class="error">{shown}</p>' in response.content.decode()


# -- day folders --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["00010101", "18991231", "99991231"])
def test_a_day_folder_no_counter_can_have_exported_is_refused_naming_it(tmp_path, name):
    folder = write_day(tmp_path, name, base_day())
    with pytest.raises(ImportNotStarted, match=f"{name} is before 1900 or after tomorrow"):
        counter_day_import(folder=folder)
    assert not Customer.objects.exists()


def test_a_day_folder_that_is_no_date_is_refused_naming_it(tmp_path):
    folder = write_day(tmp_path, "20260230", base_day())
    with pytest.raises(ImportNotStarted, match="20260230 is not a date"):
        counter_day_import(folder=folder)


def reveal_allowed(user):
    user.user_permissions.add(Permission.objects.get(codename="reveal_pii"))
