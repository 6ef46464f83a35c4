"""The one XLSX style in machi.core.xlsx: written, saved, and read back with openpyxl."""

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from machi.core import xlsx
from machi.core.money import NONE_DISPLAY

HOSTILE = ['=HYPERLINK("http://example.com","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1"]


def _round_trip(write) -> object:
    workbook = xlsx.new_workbook()
    sheet = workbook.create_sheet("表")
    write(sheet)
    stream = BytesIO()
    workbook.save(stream)
    return load_workbook(BytesIO(stream.getvalue()))["表"]


@pytest.mark.parametrize("typed", HOSTILE)
def test_a_formula_like_text_stays_text_through_the_saved_file(typed):
    sheet = _round_trip(lambda sheet: xlsx.text(sheet.cell(1, 1), typed))
    cell = sheet.cell(1, 1)
    assert cell.value == typed
    assert cell.data_type == "s"  # a string, not a formula ("f")
    assert cell.quotePrefix


def test_plain_text_has_no_quote_prefix_and_empty_text_is_an_empty_cell():
    def write(sheet):
        xlsx.text(sheet.cell(1, 1), "中央区 防災マップ")
        xlsx.text(sheet.cell(2, 1), "")

    sheet = _round_trip(write)
    assert sheet.cell(1, 1).value == "中央区 防災マップ" and not sheet.cell(1, 1).quotePrefix
    assert sheet.cell(2, 1).value is None


def test_yen_are_numbers_in_the_japanese_format_and_none_is_a_dash_never_zero():
    def write(sheet):
        xlsx.number(sheet.cell(1, 1), 1_798_000)
        xlsx.number(sheet.cell(2, 1), -4_000)
        xlsx.number(sheet.cell(3, 1), None)
        xlsx.number(sheet.cell(4, 1), 12, xlsx.COUNT_FORMAT, none=None)

    sheet = _round_trip(write)
    assert sheet.cell(1, 1).value == 1_798_000 and sheet.cell(1, 1).number_format == '#,##0;"△"#,##0'
    assert sheet.cell(2, 1).value == -4_000 and sheet.cell(2, 1).number_format == xlsx.YEN_FORMAT
    assert sheet.cell(3, 1).value == NONE_DISPLAY
    assert sheet.cell(4, 1).value == 12 and sheet.cell(4, 1).number_format == "#,##0"


def test_dates_are_dates_and_an_aware_moment_is_its_day_in_tokyo():
    late_evening_utc = dt.datetime(2023, 1, 9, 20, 0, tzinfo=dt.UTC)  # 2023-01-10 05:00 in Tokyo

    def write(sheet):
        xlsx.date(sheet.cell(1, 1), dt.date(2022, 6, 1))
        xlsx.date(sheet.cell(2, 1), late_evening_utc)
        xlsx.date(sheet.cell(3, 1), None)

    sheet = _round_trip(write)
    assert sheet.cell(1, 1).is_date and sheet.cell(1, 1).value.date() == dt.date(2022, 6, 1)
    assert sheet.cell(1, 1).number_format == xlsx.DATE_FORMAT
    assert timezone.localdate(late_evening_utc) == dt.date(2023, 1, 10)
    assert sheet.cell(2, 1).is_date and sheet.cell(2, 1).value.date() == dt.date(2023, 1, 10)
    assert sheet.cell(3, 1).value is None


def test_a_table_has_its_title_unit_styled_header_widths_and_print_setup():
    columns = [("事業名", 34), ("決算額", 12)]
    first = {}

    def write(sheet):
        first["row"] = xlsx.start_table(
            sheet, title="令和4年度 中央区", unit="（単位：千円）", columns=columns
        )
        xlsx.text(sheet.cell(first["row"], 1), "合計")
        xlsx.number(sheet.cell(first["row"], 2), 16_701)
        for column in (1, 2):
            xlsx.emphasise(sheet.cell(first["row"], column), "total")

    sheet = _round_trip(write)
    assert first["row"] == 4
    assert sheet.cell(1, 1).value == "令和4年度 中央区" and sheet.cell(1, 1).font.b
    assert "A1:B1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.cell(2, 2).value == "（単位：千円）"
    header = [sheet.cell(3, c) for c in (1, 2)]
    assert [c.value for c in header] == ["事業名", "決算額"]
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("D9E1F2") for c in header)
    assert sheet.column_dimensions["A"].width == 34 and sheet.column_dimensions["B"].width == 12
    assert sheet.freeze_panes == "A4"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    total = sheet.cell(4, 2)
    assert total.font.b and total.border.top.style == "double"


def test_to_bytes_returns_a_workbook_that_opens():
    def write(stream):
        workbook = xlsx.new_workbook()
        xlsx.text(workbook.create_sheet("一覧").cell(1, 1), "=cmd")
        workbook.save(stream)

    data = xlsx.to_bytes(write)
    assert data[:2] == b"PK"
    assert load_workbook(BytesIO(data))["一覧"].cell(1, 1).value == "=cmd"
