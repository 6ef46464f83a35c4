"""Hostile and broken files are refused with a clear problem, never a traceback, and write nothing."""

import datetime as dt
import io
import zipfile

import pytest
from tests.ledger.xlsx_factory import assert_refused, good_rows, put, rewrite_part, seed_ledger, write_xlsx

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.importers.xlsx_reader import MAX_COLUMNS, MAX_ROWS

pytestmark = pytest.mark.django_db

UNREADABLE = "Excel（.xlsx）のファイルとして読めません"
SHEET = "xl/worksheets/sheet1.xml"


def good_file(tmp_path):
    return write_xlsx(tmp_path / "book.xlsx", {"中央区": good_rows()})


def test_it_rejects_a_file_over_the_import_limit_before_reading_it(tmp_path, settings):
    seed_ledger()
    path = good_file(tmp_path)
    settings.MACHI_MAX_IMPORT_BYTES = path.stat().st_size - 1

    assert_refused(path, "ファイルが大きすぎます")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02junk" * 100,
        "fiscal_year,ward\n2022,中央区\n".encode(),
        b"PK\x03\x04" + b"\x00" * 60,
    ],
    ids=["empty", "binary-junk", "csv-renamed", "zip-header-only"],
)
def test_it_rejects_what_is_not_an_xlsx(tmp_path, content):
    seed_ledger()
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)

    assert_refused(path, UNREADABLE)


def test_it_rejects_an_old_or_password_protected_excel_file_with_advice(tmp_path):
    seed_ledger()
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000)

    assert_refused(path, "パスワードを外して .xlsx 形式で保存し直してください")


def test_it_rejects_a_zip_that_is_not_a_workbook(tmp_path):
    seed_ledger()
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")

    assert_refused(path, UNREADABLE)


def test_it_rejects_a_truncated_workbook(tmp_path):
    seed_ledger()
    data = good_file(tmp_path).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])

    assert_refused(path, UNREADABLE)


def test_it_rejects_a_zip_bomb_without_inflating_it(tmp_path):
    seed_ledger()
    path = good_file(tmp_path)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/image1.bin", "w") as member,
    ):
        chunk = b"\x00" * (1 << 20)
        for _ in range(201):
            member.write(chunk)
    assert path.stat().st_size < 1_000_000

    assert_refused(path, "展開後の大きさが上限を超えています")


def test_it_rejects_a_workbook_with_too_many_cells_before_opening_it(tmp_path):
    seed_ledger()
    path = good_file(tmp_path)
    cells = b'<row r="100">' + b"<c/>" * 1_000_001 + b"</row>"
    rewrite_part(path, SHEET, lambda xml: xml.replace(b"</sheetData>", cells + b"</sheetData>"))

    assert_refused(path, "セルが多すぎます")


def test_it_rejects_a_merged_range_over_the_whole_sheet(tmp_path):
    seed_ledger()
    path = good_file(tmp_path)
    merge = b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    rewrite_part(path, SHEET, lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + merge))

    assert_refused(path, "セルが多すぎます")


def test_it_rejects_xml_with_entity_declarations(tmp_path):
    seed_ledger()
    path = good_file(tmp_path)
    doctype = b'<!DOCTYPE lol [<!ENTITY lol "lol">]>'
    rewrite_part(path, "xl/workbook.xml", lambda xml: doctype + xml)

    assert_refused(path, "DTD・エンティティ宣言を含むXMLは読み込みません")


def test_it_rejects_a_sheet_with_too_many_rows(tmp_path):
    seed_ledger()
    rows = put(good_rows(), f"A{MAX_ROWS + 1}", "x")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, f"中央区: 表が大きすぎます（{MAX_ROWS + 1:,}行 × 7列")


def test_it_rejects_a_sheet_with_too_many_columns(tmp_path):
    seed_ledger()
    from openpyxl.utils import get_column_letter

    rows = put(good_rows(), f"{get_column_letter(MAX_COLUMNS + 1)}5", "x")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, f"× {MAX_COLUMNS + 1}列")


def test_it_rejects_a_far_away_cell_that_stretches_the_sheet(tmp_path):
    seed_ledger()
    rows = put(good_rows(), "XFD1048576", "end")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, "表が大きすぎます（1,048,576行 × 16384列")


@pytest.mark.parametrize(
    ("coordinate", "value", "message"),
    [
        ("A5", "一", "「No.」列: No. は数字です"),
        ("A5", "1-2", "「No.」列: No. は数字です"),
        ("A5", dt.date(2022, 4, 1), "「No.」列: 日付が入っています（No. は数字です）"),
        ("A5", 0, "「No.」列: No. は1〜9999です"),
        ("C5", "事" * 201, "「事業名」列: 200文字を超えています（201文字）"),
        ("D5", "説" * 4001, "「事業内容」列: 4000文字を超えています"),
    ],
)
def test_it_rejects_wrong_types_and_sizes_in_cells(tmp_path, coordinate, value, message):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": put(good_rows(), coordinate, value)})

    assert_refused(path, f"中央区 5行目 {message}")


def test_it_rejects_a_workbook_with_nothing_to_import(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"Sheet1": []})

    assert_refused(path, "取り込む事業の行がありません")


def test_a_refusal_is_a_list_of_problems_not_a_traceback(tmp_path):
    seed_ledger()
    path = tmp_path / "book.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet/></sheets></workbook>")
    path.write_bytes(buffer.getvalue())

    assert assert_refused(path, UNREADABLE) == [f"book.xlsx: {UNREADABLE}"]
    with pytest.raises(Exception) as refused:
        import_path(path, actor=SYSTEM)
    assert type(refused.value).__name__ == "LedgerImportError"


def test_it_counts_the_cells_of_a_sheet_stored_as_utf16(tmp_path):
    seed_ledger()
    path = good_file(tmp_path)
    cells = b'<row r="100">' + b"<c/>" * 1_000_001 + b"</row>"

    def to_utf16(xml: bytes) -> bytes:
        xml = xml.replace(b"</sheetData>", cells + b"</sheetData>")
        if xml.startswith(b"<?xml"):
            xml = xml[xml.index(b"?>") + 2 :]
        return ('<?xml version="1.0" encoding="UTF-16"?>' + xml.decode()).encode("utf-16")

    rewrite_part(path, SHEET, to_utf16)

    assert_refused(path, "セルが多すぎます")
