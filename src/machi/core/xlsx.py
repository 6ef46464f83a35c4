"""The one XLSX style every Machi workbook is written in (openpyxl).

The ledger's ward-office sheets, the reports' tables and the grants' lists share it: a bold
title row, the unit on the right of the second row, a tinted and boxed header row with the
columns' widths, amounts as numbers in the Japanese format `#,##0;"△"#,##0` (△ for a
negative), dates as dates, "―" for "not budgeted" (never 0), a double rule above a total,
printed A4 landscape one page wide with the header repeated.

Values, never formulas: a text a spreadsheet would run as a formula (it starts with = + - @)
is stored as a string with Excel's own quote prefix (CSV/XLSX injection), and the ledger's
importer reads it back as typed (`machi.core.importing.check_text`).
"""

import datetime as dt
import io
from collections.abc import Callable, Iterable

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from machi.core.importing import needs_escape
from machi.core.money import NONE_DISPLAY

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

YEN_FORMAT = '#,##0;"△"#,##0'  # whole amounts (円 or 千円) with thousands separators, △ for negative
NUMBER_FORMAT = YEN_FORMAT  # the name the exporters have used
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy/m/d"

TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOTAL_BORDER = Border(left=THIN, right=THIN, top=Side(style="double", color="000000"), bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
TOTAL_FILL = PatternFill("solid", fgColor="E8F1FE")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right")
RIGHT_TOP = Alignment(horizontal="right", vertical="top")
TOP = Alignment(vertical="top")

TITLE_ROW, UNIT_ROW, HEADER_ROW = 1, 2, 3


def new_workbook() -> Workbook:
    """A workbook without openpyxl's default empty sheet: each export creates the sheets it names."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def start_table(
    sheet: Worksheet, *, title: str, unit: str | None, columns: Iterable[tuple[str, float]]
) -> int:
    """Title (row 1, merged across), unit (row 2, right), header (row 3) with widths; returns the first data row.

    Also the page set-up: frozen header, header repeated on every printed page, A4 landscape one page wide.
    """
    columns = list(columns)
    width = len(columns)
    sheet.cell(TITLE_ROW, 1, title).font = TITLE_FONT
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=width)
    if unit:
        sheet.cell(UNIT_ROW, width, unit).alignment = RIGHT
    for index, (label, column_width) in enumerate(columns, start=1):
        header(sheet.cell(HEADER_ROW, index, label))
        sheet.column_dimensions[get_column_letter(index)].width = column_width
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    print_setup(sheet, header_row=HEADER_ROW)
    return HEADER_ROW + 1


def print_setup(sheet: Worksheet, *, header_row: int) -> None:
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def header(cell: Cell) -> Cell:
    cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEADER_FILL, CENTER, BOX
    return cell


def text(cell: Cell, value: str | None) -> Cell:
    """A text cell (wrapped, top-aligned); one that starts like a formula stays text with the quote prefix."""
    cell.value = value or None
    if value and needs_escape(value):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        cell.quotePrefix = True
    cell.alignment = WRAP_TOP
    return cell


def number(cell: Cell, value, number_format: str = YEN_FORMAT, *, none=NONE_DISPLAY) -> Cell:
    """An amount (or count, rate, date) in its format; `None` is written as `none` ("―"), right-aligned."""
    if value is None:
        cell.value = none
        cell.alignment = RIGHT_TOP
    else:
        cell.value = value
        cell.number_format = number_format
        cell.alignment = TOP
    return cell


def date(cell: Cell, value: dt.date | dt.datetime | None) -> Cell:
    """A date as a date (not text), shown yyyy/m/d; an aware datetime becomes its local (Asia/Tokyo) day."""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return number(cell, value, DATE_FORMAT, none=None)


def emphasise(cell: Cell, kind: str) -> Cell:
    """A subtotal or total row's cell: bold and tinted; a total with the double rule above it."""
    cell.font = BOLD
    cell.fill = TOTAL_FILL if kind == "total" else SUBTOTAL_FILL
    cell.border = TOTAL_BORDER if kind == "total" else BOX
    return cell


def to_bytes(write: Callable, *args) -> bytes:
    """Run `write(*args, stream)` into memory and return the workbook's bytes."""
    stream = io.BytesIO()
    write(*args, stream)
    return stream.getvalue()
