"""The report pages as files: XLSX laid out for printing and reading, CSV for Excel and for machines.

- XLSX: a title, the unit (千円), the figures with the Japanese number format `#,##0;"△"#,##0`,
  pillar subtotals and the ward (or city) total; 執行率 as a percentage. Values, never formulas.
- CSV: UTF-8 with a BOM so Excel opens it in Japanese; one header row, then one row per line of the
  report (kind: 事業 / 小計 / 合計) with plain numbers in 千円 ("―" is an empty field, never 0).
"""

import csv
import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from machi.core.fiscal import wareki
from machi.core.money import NONE_DISPLAY, THOUSAND_YEN, csv_thousands
from machi.ledger.queries import MONEY_FIELDS

NUMBER_FORMAT = '#,##0;"△"#,##0'
RATE_FORMAT = "0.0%"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOTAL = Border(left=_THIN, right=_THIN, top=Side(style="double", color="000000"), bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_SUB_FILL = PatternFill("solid", fgColor="F2F2F2")
_TOTAL_FILL = PatternFill("solid", fgColor="E8F1FE")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _figure_headers() -> list[str]:
    return [_("当初予算"), _("2月補正後"), _("決算額"), _("執行率"), _("不用額")]


def ward_title(report) -> str:
    return _("%(year)s %(ward)s まちづくり推進経費 報告") % {
        "year": wareki(report.fiscal_year),
        "ward": report.ward.name,
    }


def city_title(overview) -> str:
    return _("%(year)s %(city)s 区のまちづくり推進経費 比較") % {
        "year": wareki(overview.fiscal_year),
        "city": overview.city_name,
    }


# CSV


def _csv_figures(f) -> list[str]:
    rate = f.execution_rate
    return [
        *(csv_thousands(getattr(f, field)) for field in MONEY_FIELDS),
        "" if rate is None else format((rate * 100).quantize(Decimal("0.1")), "f"),
        csv_thousands(f.unused_yen),
    ]


def _csv_header(first: list[str]) -> list[str]:
    unit, percent = _("（千円）"), _("（%）")
    names = _figure_headers()
    return [*first, *(n + unit for n in names[:3]), names[3] + percent, names[4] + unit]


def _csv_writer(stream):
    stream.write("\ufeff")
    return csv.writer(stream, lineterminator="\r\n")


def ward_report_csv(report, stream) -> None:
    writer = _csv_writer(stream)
    writer.writerow(_csv_header([_("年度"), _("区"), _("行"), _("柱"), _("No."), _("区分"), _("事業名")]))
    year, ward = report.fiscal_year, report.ward.name
    for group in report.groups:
        pillar = group.pillar.name if group.pillar else ""
        for project in group.projects:
            no = "" if project.no is None else project.no
            writer.writerow(
                [
                    year,
                    ward,
                    _("事業"),
                    pillar,
                    no,
                    project.status,
                    _escape(project.name),
                    *_csv_figures(project),
                ]
            )
        writer.writerow([year, ward, _("小計"), pillar, "", "", "", *_csv_figures(group.totals)])
    writer.writerow([year, ward, _("合計"), "", "", "", "", *_csv_figures(report.totals)])


def city_overview_csv(overview, stream) -> None:
    writer = _csv_writer(stream)
    header = _csv_header([_("年度"), _("団体コード"), _("区"), _("配分額（千円）")])
    writer.writerow([*header, _("事業数")])
    for row in overview.rows:
        writer.writerow(
            [
                overview.fiscal_year,
                row.ward.code,
                row.ward.name,
                csv_thousands(row.allocation_yen),
                *_csv_figures(row.totals),
                row.project_count,
            ]
        )
    writer.writerow(
        [
            overview.fiscal_year,
            "",
            _("市の合計"),
            csv_thousands(overview.allocation_yen),
            *_csv_figures(overview.totals),
            overview.project_count,
        ]
    )


def _escape(text: str) -> str:
    """A text a spreadsheet would run as a formula gets a leading "'" (CSV injection)."""
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def to_csv_bytes(write, *args) -> bytes:
    text = io.StringIO(newline="")
    write(*args, text)
    return text.getvalue().encode("utf-8")


# XLSX


def _thousands(yen: int | None):
    if yen is None:
        return None
    return yen // THOUSAND_YEN if yen % THOUSAND_YEN == 0 else yen / THOUSAND_YEN


class _Sheet:
    """A sheet written top to bottom: title, unit, header, rows, with the report's number formats."""

    def __init__(self, workbook, name: str, title: str, columns: list[tuple[str, int]]):
        self.sheet = workbook.create_sheet(name)
        self.width = len(columns)
        self.sheet.cell(1, 1, title).font = _TITLE
        self.sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=self.width)
        unit = self.sheet.cell(2, self.width, _("（単位：千円）"))
        unit.alignment = Alignment(horizontal="right")
        for column, (label, width) in enumerate(columns, start=1):
            cell = self.sheet.cell(3, column, label)
            cell.font, cell.fill, cell.alignment, cell.border = _BOLD, _HEADER_FILL, _CENTER, _BOX
            self.sheet.column_dimensions[get_column_letter(column)].width = width
        self.row = 4
        self.sheet.freeze_panes = "A4"
        self.sheet.print_title_rows = "3:3"
        self.sheet.page_setup.paperSize = self.sheet.PAPERSIZE_A4
        self.sheet.page_setup.orientation = self.sheet.ORIENTATION_LANDSCAPE
        self.sheet.page_setup.fitToWidth = 1
        self.sheet.page_setup.fitToHeight = 0
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True

    def add(self, texts: list, figures=None, *, extra: list | None = None, kind: str = "") -> None:
        """One row: leading texts, then (when given) the five figures of `figures`, then extra numbers."""
        values = list(texts)
        formats = [None] * len(values)
        if figures is not None:
            values += [
                *(_thousands(getattr(figures, f)) for f in MONEY_FIELDS),
                None if figures.execution_rate is None else float(figures.execution_rate),
                _thousands(figures.unused_yen),
            ]
            formats += [NUMBER_FORMAT] * 3 + [RATE_FORMAT, NUMBER_FORMAT]
        for value in extra or []:
            values.append(value)
            formats.append(NUMBER_FORMAT if isinstance(value, int | float) else None)
        for column in range(1, self.width + 1):
            value = values[column - 1] if column <= len(values) else None
            cell = self.sheet.cell(self.row, column)
            if formats[column - 1 : column] and formats[column - 1] and value is None:
                cell.value = NONE_DISPLAY
                cell.alignment = Alignment(horizontal="right", vertical="top")
            else:
                if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                cell.value = value
                if column <= len(formats) and formats[column - 1]:
                    cell.number_format = formats[column - 1]
                else:
                    cell.alignment = _WRAP
            cell.border = _TOTAL if kind == "total" else _BOX
            if kind:
                cell.font = _BOLD
                cell.fill = _TOTAL_FILL if kind == "total" else _SUB_FILL
        self.row += 1


def _figure_columns() -> list[tuple[str, int]]:
    return [(name, 12) for name in _figure_headers()]


def ward_report_xlsx(report, stream) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    columns = [(_("柱"), 26), (_("No."), 6), (_("区分"), 7), (_("事業名"), 40), *_figure_columns()]
    sheet = _Sheet(workbook, report.ward.name[:31], ward_title(report), columns)
    for group in report.groups:
        pillar = group.pillar.name if group.pillar else _("柱の指定なし")
        for project in group.projects:
            sheet.add([pillar, project.no, project.status or None, project.name], project)
        sheet.add([pillar, None, None, _("小計")], group.totals, kind="subtotal")
    sheet.add(
        [_("%(ward)sの合計") % {"ward": report.ward.name}, None, None, None], report.totals, kind="total"
    )
    workbook.save(stream)


def city_xlsx(overview, spend, history, stream) -> None:
    """Three sheets: the wards side by side, the themes across wards (決算額), and year over year."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    wards = _Sheet(
        workbook,
        _("区の比較"),
        city_title(overview),
        [(_("区"), 12), (_("配分額"), 12), *_figure_columns(), (_("事業数"), 8)],
    )
    for row in overview.rows:
        wards.add([row.ward.name, _thousands(row.allocation_yen)], row.totals, extra=[row.project_count])
        wards.sheet.cell(wards.row - 1, 2).number_format = NUMBER_FORMAT
    wards.add(
        [_("市の合計"), _thousands(overview.allocation_yen)],
        overview.totals,
        extra=[overview.project_count],
        kind="total",
    )
    wards.sheet.cell(wards.row - 1, 2).number_format = NUMBER_FORMAT

    themes = _Sheet(
        workbook,
        _("テーマ別"),
        _("%(year)s テーマ別の決算額（区ごと）") % {"year": wareki(overview.fiscal_year)},
        [(_("テーマ"), 16), *((w.name, 12) for w in spend.wards), (_("計"), 12)],
    )
    for row in [*spend.rows, spend.untagged]:
        name = row.name or _("テーマなし")
        themes.add(
            [name],
            extra=[_thousands(t.settled_yen) or 0 for t in row.by_ward]
            + [_thousands(row.totals.settled_yen) or 0],
        )
    themes.sheet.cell(
        themes.row + 1, 1, _("1つの事業が複数のテーマを持つときは、それぞれのテーマに計上しています。")
    )

    years = _Sheet(
        workbook,
        _("年度比較"),
        _("年度ごとの予算と決算（市の合計）"),
        [(_("年度"), 14), (_("配分額"), 12), *_figure_columns(), (_("区の数"), 8), (_("事業数"), 8)],
    )
    for row in history.years:
        years.add(
            [wareki(row.fiscal_year), _thousands(row.allocation_yen)],
            row.totals,
            extra=[row.ward_count, row.project_count],
        )
        years.sheet.cell(years.row - 1, 2).number_format = NUMBER_FORMAT
    workbook.save(stream)


def to_xlsx_bytes(write, *args) -> bytes:
    stream = io.BytesIO()
    write(*args, stream)
    return stream.getvalue()
