import codecs

import pytest

from crm.csvsafe import csv_chunks, csv_safe


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        '=HYPERLINK("http://evil.example","click")',
        "+86 138",
        "-1+2",
        "-cmd|' /C calc'!A0",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
        "-",
        "-12.50\n",
        "-1e5",
    ],
)
def test_it_neutralises_what_a_spreadsheet_reads_as_a_formula(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["-12.50", "-3", "-0.0001", "12.50", "0"])
def test_it_leaves_plain_numbers_as_numbers(value):
    assert csv_safe(value) == value


@pytest.mark.parametrize("value", ["", "张三", "A0001", "a=b", "1+1", "Joe's", " =1"])
def test_it_leaves_ordinary_text_alone(value):
    assert csv_safe(value) == value


def test_csv_chunks_writes_the_byte_order_mark_once_and_neutralises_every_cell():
    rows = [["名称", "金额"], ["=cmd()", -12.5], ["张三", 3]]
    chunks = list(csv_chunks(rows, lines_per_chunk=2))
    assert len(chunks) == 2
    data = b"".join(chunks)
    assert data.count(codecs.BOM_UTF8) == 1 and data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig") == "名称,金额\r\n'=cmd(),-12.5\r\n张三,3\r\n"
