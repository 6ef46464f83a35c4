"""Ward-office XLSX: one sheet per ward, laid out the way ward offices keep the programme.

    令和4年度 中央区まちづくり推進経費
                                                        （単位：千円）
    № | 区分 | 事業名 | 事業内容 | 当初予算 | 2月補正後 | 決算額
          | 地域活動の負担軽減（pillar heading）
    1 | 新規 | …      | …        |    1,000 |       996 |    996
          | 小計                                …
          | 合計                                …

Written in the one XLSX style (`machi.core.xlsx`). Figures are values, never
formulas (the importer refuses formulas), so the file re-imports to exactly the
same ledger. A ward whose figures are not all whole thousands is written in 円
so that nothing is rounded away.
"""

import re

from openpyxl.styles import Alignment

from machi.core import xlsx
from machi.core.fiscal import wareki
from machi.core.money import NONE_DISPLAY, THOUSAND_YEN, YEN
from machi.core.xlsx import HEADER_ROW, NUMBER_FORMAT, TITLE_ROW, UNIT_ROW
from machi.ledger.exporters import programmes, sheet_groups
from machi.ledger.queries import MONEY_FIELDS

__all__ = ["COLUMNS", "HEADER_ROW", "NUMBER_FORMAT", "TITLE_ROW", "UNIT_ROW", "export_xlsx"]
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
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def export_xlsx(path_or_stream, *, fiscal_year: int, ward: str | None = None) -> int:
    """Write the year's programmes (one ward's, or every ward's) as one sheet each; returns the project count.

    Raises ValueError when there is nothing to write for that year (and ward).
    """
    chosen = list(programmes(fiscal_year, ward))
    if not chosen:
        raise ValueError(f"{wareki(fiscal_year)}{'の' + ward if ward else ''}の事業計画がありません")
    workbook = xlsx.new_workbook()
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

    row = xlsx.start_table(
        sheet,
        title=f"{wareki(programme.fiscal_year)} {programme.ward.name}まちづくり推進経費",
        unit="（単位：千円）" if unit == THOUSAND_YEN else "（単位：円）",
        columns=COLUMNS,
    )
    for group in groups:
        if group.pillar is not None:
            _text(sheet, row, NAME, group.pillar.name)
            sheet.merge_cells(start_row=row, start_column=NAME, end_row=row, end_column=DESCRIPTION)
            for column in range(1, last_column + 1):
                xlsx.emphasise(sheet.cell(row, column), "subtotal")
            row += 1
        for project in group.projects:
            sheet.cell(
                row, NO, project.no if project.no is not None else NONE_DISPLAY
            ).alignment = xlsx.CENTER
            sheet.cell(row, STATUS, project.status or None).alignment = xlsx.CENTER
            _text(sheet, row, NAME, project.name)
            _text(sheet, row, DESCRIPTION, project.description)
            _figures(sheet, row, unit, [getattr(project, f) for f in MONEY_FIELDS])
            for column in range(1, last_column + 1):
                sheet.cell(row, column).border = xlsx.BOX
            row += 1
        if group.pillar is not None:
            _sum_row(sheet, row, "小計", unit, group.totals, xlsx.BOX)
            row += 1
    _sum_row(sheet, row, "合計", unit, totals, xlsx.TOTAL_BORDER)
    sheet.print_options.horizontalCentered = True
    return len(projects)


def _text(sheet, row: int, column: int, text: str) -> None:
    xlsx.text(sheet.cell(row, column), text)


def _figures(sheet, row: int, unit: int, values: list[int | None]) -> None:
    for offset, yen in enumerate(values):
        xlsx.number(sheet.cell(row, INITIAL + offset), None if yen is None else yen // unit)


def _sum_row(sheet, row: int, label: str, unit: int, totals, border) -> None:
    sheet.cell(row, NAME, label).alignment = Alignment(horizontal="center")
    _figures(sheet, row, unit, [totals.initial_yen, totals.revised_yen, totals.settled_yen])
    for column in range(1, len(COLUMNS) + 1):
        cell = sheet.cell(row, column)
        cell.font, cell.border = xlsx.BOLD, border
