"""Ward-office XLSX: one sheet per ward, laid out the way ward offices keep the programme.

    令和4年度 中央区まちづくり推進経費
                                                        （単位：千円）
    № | 区分 | 事業名 | 事業内容 | 当初予算 | 2月補正後 | 決算額
          | 地域活動の負担軽減（pillar heading）
    1 | 新規 | …      | …        |    1,000 |       996 |    996
          | 小計                                …
          | 合計                                …

Figures are values, never formulas (the importer refuses formulas), so the
file re-imports to exactly the same ledger. A ward whose figures are not all
whole thousands is written in 円 so that nothing is rounded away.
"""

import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from machi.core.fiscal import wareki
from machi.core.money import NONE_DISPLAY, THOUSAND_YEN, YEN
from machi.ledger.exporters import needs_escape, programmes, sheet_groups
from machi.ledger.queries import MONEY_FIELDS

NUMBER_FORMAT = '#,##0;"△"#,##0'
COLUMNS = (  # (header, width)
    ("№", 6),
    ("区分", 7),
    ("事業名", 34),
    ("事業内容", 60),
    ("当初予算", 12),
    ("2月補正後", 12),
    ("決算額", 12),
)
NO, STATUS, NAME, DESCRIPTION, INITIAL = 1, 2, 3, 4, 5
TITLE_ROW, UNIT_ROW, HEADER_ROW = 1, 2, 3

_BOLD = Font(bold=True)
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOTAL_TOP = Border(left=_THIN, right=_THIN, top=Side(style="double", color="000000"), bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_PILLAR_FILL = PatternFill("solid", fgColor="F2F2F2")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_RIGHT_TOP = Alignment(horizontal="right", vertical="top")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def export_xlsx(path_or_stream, *, fiscal_year: int, ward: str | None = None) -> int:
    """Write the year's programmes (one ward's, or every ward's) as one sheet each; returns the project count.

    Raises ValueError when there is nothing to write for that year (and ward).
    """
    chosen = list(programmes(fiscal_year, ward))
    if not chosen:
        raise ValueError(f"{wareki(fiscal_year)}{'の' + ward if ward else ''}の事業計画がありません")
    workbook = Workbook()
    workbook.remove(workbook.active)
    count = 0
    used_names: set[str] = set()
    for programme in chosen:
        sheet = workbook.create_sheet(_sheet_name(programme.ward.name, used_names))
        count += _write_sheet(sheet, programme)
    workbook.save(path_or_stream)
    return count


def _sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_NAME_FORBIDDEN.sub("_", name).strip("'")[:31] or "区"
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base[: 31 - len(str(n)) - 1]}_{n}"
    used.add(candidate)
    return candidate


def _write_sheet(sheet, programme) -> int:
    groups, totals = sheet_groups(programme)
    projects = [p for g in groups for p in g.projects]
    figures = [getattr(p, f) for p in projects for f in MONEY_FIELDS if getattr(p, f) is not None]
    unit = THOUSAND_YEN if all(v % THOUSAND_YEN == 0 for v in figures) else YEN
    last_column = len(COLUMNS)

    sheet.cell(TITLE_ROW, 1, f"{wareki(programme.fiscal_year)} {programme.ward.name}まちづくり推進経費")
    sheet.cell(TITLE_ROW, 1).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=last_column)
    unit_cell = sheet.cell(
        UNIT_ROW, last_column, "（単位：千円）" if unit == THOUSAND_YEN else "（単位：円）"
    )
    unit_cell.alignment = Alignment(horizontal="right")
    for column, (label, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(HEADER_ROW, column, label)
        cell.font, cell.fill, cell.alignment, cell.border = _BOLD, _HEADER_FILL, _CENTER, _BOX
        sheet.column_dimensions[get_column_letter(column)].width = width

    row = HEADER_ROW + 1
    for group in groups:
        if group.pillar is not None:
            _text(sheet, row, NAME, group.pillar.name)
            sheet.merge_cells(start_row=row, start_column=NAME, end_row=row, end_column=DESCRIPTION)
            for column in range(1, last_column + 1):
                cell = sheet.cell(row, column)
                cell.font, cell.fill, cell.border = _BOLD, _PILLAR_FILL, _BOX
            row += 1
        for project in group.projects:
            sheet.cell(row, NO, project.no if project.no is not None else NONE_DISPLAY).alignment = _CENTER
            sheet.cell(row, STATUS, project.status or None).alignment = _CENTER
            _text(sheet, row, NAME, project.name)
            _text(sheet, row, DESCRIPTION, project.description)
            _figures(sheet, row, unit, [getattr(project, f) for f in MONEY_FIELDS])
            for column in range(1, last_column + 1):
                sheet.cell(row, column).border = _BOX
            row += 1
        if group.pillar is not None:
            _sum_row(sheet, row, "小計", unit, group.totals, _BOX)
            row += 1
    _sum_row(sheet, row, "合計", unit, totals, _TOTAL_TOP)

    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    return len(projects)


def _text(sheet, row: int, column: int, text: str) -> None:
    """A text cell; one that starts like a formula is stored as text with Excel's own quote prefix."""
    cell = sheet.cell(row, column)
    cell.value = text or None
    if text and needs_escape(text):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        cell.quotePrefix = True
    cell.alignment = _WRAP_TOP


def _figures(sheet, row: int, unit: int, values: list[int | None]) -> None:
    for offset, yen in enumerate(values):
        cell = sheet.cell(row, INITIAL + offset)
        if yen is None:
            cell.value = NONE_DISPLAY
            cell.alignment = _RIGHT_TOP
        else:
            cell.value = yen // unit
            cell.number_format = NUMBER_FORMAT
            cell.alignment = Alignment(vertical="top")


def _sum_row(sheet, row: int, label: str, unit: int, totals, border) -> None:
    sheet.cell(row, NAME, label).alignment = Alignment(horizontal="center")
    _figures(sheet, row, unit, [totals.initial_yen, totals.revised_yen, totals.settled_yen])
    for column in range(1, len(COLUMNS) + 1):
        cell = sheet.cell(row, column)
        cell.font, cell.border = _BOLD, border
