"""Static segments (issue 14, "Dynamic and static"): a list of customer numbers uploaded in
CSV or text, UTF-8 or GBK, replacing the members or adding to them, with a report of the
numbers that matched no customer the uploader may see (unknown and out of scope alike); bad
files refused with the file's name and why, never a 500; snapshots of a dynamic segment,
today's members or a past day's from the history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crm.models import AuditEntry
from marketing.models import EvaluationTrigger, Segment, SegmentKind, SegmentMember, SegmentUpload
from marketing.services.segment_lists import (
    ADD,
    REPLACE,
    SnapshotRefused,
    UploadRefused,
    segment_snapshot,
    segment_upload,
    upload_numbers_read,
)
from tests.marketing.segment_pages_data import (
    days_ago,
    evaluate_on,
    risk,
    segment_make,
    static_make,
)

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def members(segment) -> list[str]:
    rows = SegmentMember.objects.filter(segment=segment).order_by("customer__cust_no")
    return list(rows.values_list("customer__cust_no", flat=True))


# -- reading files ------------------------------------------------------------------------------


def test_it_reads_the_first_column_of_a_utf8_csv_with_a_bom_and_a_header():
    content = "客户号,姓名\r\nA0001,张三\r\nA0002,李四\r\n\r\nA0001,张三\r\n".encode("utf-8-sig")
    assert upload_numbers_read(content, file_name="名单.csv") == ["A0001", "A0002"]


def test_it_reads_gbk_text_one_number_a_line():
    content = "客户号\n 020100000116 \n020100000117\n".encode("gbk")
    assert upload_numbers_read(content, file_name="list.txt") == ["020100000116", "020100000117"]


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        (b"", "it holds no customer numbers."),
        (b"cust_no\n", "it holds no customer numbers."),
        (b"PK\x03\x04\x14\x00\x06\x00", "it is not a text file (save a workbook as CSV first)."),
        (b"A0001\x00\x00", "it is not a text file (save a workbook as CSV first)."),
        (b"\x80\x81A0001\n", "it is neither UTF-8 nor GBK text."),
        (b"A" * 40 + b"1\n", "line 1 holds"),
    ],
)
def test_it_refuses_a_bad_file_naming_it_and_the_cause(content, cause):
    with pytest.raises(UploadRefused) as refused, translation.override("en"):
        upload_numbers_read(content, file_name="客户.xlsx")
    assert str(refused.value).startswith("客户.xlsx cannot be uploaded: ")
    assert cause in str(refused.value)


# -- uploading -------------------------------------------------------------------------------


def test_an_upload_replaces_the_members_and_reports_the_numbers_that_matched_nobody(org):
    segment = static_make()
    SegmentMember.objects.create(segment=segment, customer=org.lead_customer, joined_on=days_ago(3))
    content = b"A0001\nA0002\nZ9999\nB0001\n"
    result = segment_upload(
        segment=segment, uploader=org.head_office.user, file_name="a.csv", content=content
    )
    assert members(segment) == ["A0001", "A0002", "B0001"]
    assert (result.joined, result.left) == (3, 1)
    upload = SegmentUpload.objects.get()
    assert (upload.numbers, upload.matched, upload.unmatched) == (4, 3, ["Z9999"])
    assert upload.uploaded_by == org.head_office.user
    evaluation = segment.evaluations.get()
    assert evaluation.trigger == EvaluationTrigger.UPLOAD and evaluation.members == 3
    entry = AuditEntry.objects.get(action="segment.upload")
    assert entry.details == {"file": "a.csv", "mode": "replace", "numbers": 4, "matched": 3}


def test_an_upload_in_add_mode_keeps_the_members(org):
    segment = static_make()
    segment_upload(segment=segment, uploader=org.head_office.user, file_name="a", content=b"A0001")
    result = segment_upload(
        segment=segment, uploader=org.head_office.user, file_name="b", content=b"A0002", mode=ADD
    )
    assert members(segment) == ["A0001", "A0002"]
    assert (result.joined, result.left) == (1, 0)
    # The stayer kept its first day: written as a difference, not deleted and re-inserted.
    again = segment_upload(
        segment=segment,
        uploader=org.head_office.user,
        file_name="c",
        content=b"A0001\nA0002",
        mode=REPLACE,
    )
    assert (again.joined, again.left) == (0, 0)


def test_numbers_out_of_the_uploaders_scope_are_reported_as_unknown_ones_are(org):
    """An uploader who may not see a customer learns nothing of it: its number is reported
    as matching no customer, like a number nobody has, and it does not join."""
    segment = static_make()
    segment_upload(
        segment=segment, uploader=org.broker.user, file_name="a.csv", content=b"A0001\nB0001\nX1"
    )
    upload = SegmentUpload.objects.get()
    assert upload.unmatched == ["B0001", "X1"] and upload.matched == 1
    assert members(segment) == ["A0001"]


def test_a_scoped_replace_leaves_the_members_the_uploader_cannot_see(org):
    segment = static_make()
    segment_upload(
        segment=segment, uploader=org.head_office.user, file_name="a", content=b"A0002\nB0001"
    )
    segment_upload(segment=segment, uploader=org.broker.user, file_name="b", content=b"A0001")
    assert members(segment) == ["A0001", "A0002", "B0001"]
    segment_upload(segment=segment, uploader=org.teammate.user, file_name="c", content=b"X1")
    assert members(segment) == ["A0001", "B0001"]


def test_a_dynamic_segment_takes_no_upload(org):
    with pytest.raises(UploadRefused):
        segment_upload(
            segment=segment_make(), uploader=org.head_office.user, file_name="a", content=b"A1"
        )


def test_the_page_uploads_and_shows_the_report(client, org):
    segment = static_make()
    client.force_login(org.head_office.user)
    upload = SimpleUploadedFile("名单.csv", "客户号\nA0001\nNOPE1\n".encode("gbk"))
    response = client.post(
        f"/marketing/segments/{segment.pk}/upload/", {"file": upload, "mode": "replace"}, **EN
    )
    assert response.status_code == 302
    page = client.get(f"/marketing/segments/{segment.pk}/", **EN).content.decode()
    assert "名单.csv: 1 of 2 numbers matched; 1 joined, 0 left." in page
    assert "1 number matched no customer you may see:" in page
    assert "NOPE1" in page


def test_a_bad_file_is_a_message_naming_the_file_never_a_500(client, org):
    segment = static_make()
    client.force_login(org.head_office.user)
    upload = SimpleUploadedFile("book.xlsx", b"PK\x03\x04rest of a workbook")
    response = client.post(
        f"/marketing/segments/{segment.pk}/upload/",
        {"file": upload, "mode": "add"},
        follow=True,
        **EN,
    )
    assert response.status_code == 200
    assert "book.xlsx cannot be uploaded: it is not a text file" in response.content.decode()
    assert SegmentUpload.objects.count() == 0 and members(segment) == []


def test_a_broker_may_not_upload(client, org):
    segment = static_make()
    client.force_login(org.broker.user)
    upload = SimpleUploadedFile("a.csv", b"A0001")
    response = client.post(f"/marketing/segments/{segment.pk}/upload/", {"file": upload}, **EN)
    assert response.status_code == 403
    assert members(segment) == []


# -- snapshots -------------------------------------------------------------------------------


@pytest.fixture
def evaluated(org):
    """Evaluated 10 and 5 days ago and today: the broker's customer all along, the
    teammate's from 5 days ago, the lead's only 10 days ago."""
    org.segment = segment_make()
    risk("C4", org.broker_customer, org.lead_customer)
    evaluate_on(org.segment, days_ago(10))
    risk("C3", org.lead_customer)
    risk("C4", org.teammate_customer)
    evaluate_on(org.segment, days_ago(5))
    risk("C4", org.other_customer)
    evaluate_on(org.segment, days_ago(0))
    return org


def test_a_snapshot_of_today_holds_todays_members(evaluated):
    snapshot = segment_snapshot(
        source=evaluated.segment, on=days_ago(0), created_by=evaluated.head_office.user
    )
    assert snapshot.kind == SegmentKind.STATIC
    assert (snapshot.frozen_from, snapshot.frozen_on) == (evaluated.segment, days_ago(0))
    assert members(snapshot) == ["A0001", "A0002", "B0001"]
    assert snapshot.members_count == 3
    assert snapshot.name == f"进取型客户 on {days_ago(0).isoformat()}"


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (10, ["A0001", "A0003"]),
        (7, ["A0001", "A0003"]),
        (5, ["A0001", "A0002"]),
        (1, ["A0001", "A0002"]),
    ],
)
def test_a_snapshot_of_a_past_day_is_read_back_from_the_history(evaluated, ago, expected):
    snapshot = segment_snapshot(source=evaluated.segment, on=days_ago(ago), name=f"快照{ago}")
    assert members(snapshot) == expected
    assert SegmentMember.objects.filter(segment=snapshot).first().joined_on == days_ago(ago)


def test_a_snapshot_is_refused_before_the_history_after_today_or_of_a_static_list(evaluated):
    with pytest.raises(SnapshotRefused, match="first evaluated on"):
        segment_snapshot(source=evaluated.segment, on=days_ago(11))
    with pytest.raises(SnapshotRefused):
        segment_snapshot(source=evaluated.segment, on=days_ago(-1))
    with pytest.raises(SnapshotRefused):
        segment_snapshot(source=static_make(), on=days_ago(0))
    segment_snapshot(source=evaluated.segment, on=days_ago(0), name="同名")
    with pytest.raises(SnapshotRefused, match="exists already"):
        segment_snapshot(source=evaluated.segment, on=days_ago(0), name="同名")


def test_the_page_freezes_a_snapshot_and_opens_it(client, evaluated):
    client.force_login(evaluated.head_office.user)
    response = client.post(
        f"/marketing/segments/{evaluated.segment.pk}/snapshot/",
        {"on": days_ago(5).isoformat(), "name": "五天前"},
        **EN,
    )
    snapshot = Segment.objects.get(name="五天前")
    assert response.status_code == 302
    assert response["Location"] == f"/marketing/segments/{snapshot.pk}/"
    assert members(snapshot) == ["A0001", "A0002"]
    page = client.get(response["Location"], **EN).content.decode()
    assert "Snapshot of" in page and "进取型客户" in page
