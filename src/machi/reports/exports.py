"""The report pages as files: XLSX laid out for printing and reading, CSV for Excel and for machines.

- XLSX: in the one XLSX style (`machi.core.xlsx`): a title, the unit (千円), the figures with the
  Japanese number format `#,##0;"△"#,##0`, pillar subtotals and the ward (or city) total; 執行率 as
  a percentage. Values, never formulas.
- CSV: UTF-8 with a BOM so Excel opens it in Japanese; one header row, then one row per line of the
  report (kind: 事業 / 小計 / 合計) with plain numbers in 千円 ("―" is an empty field, never 0).
"""

import csv
import io
from decimal import Decimal

from django.utils.translation import gettext as _

from machi.core import xlsx
from machi.core.fiscal import wareki
from machi.core.importing import escape_formula
from machi.core.money import THOUSAND_YEN, csv_thousands
from machi.core.xlsx import NUMBER_FORMAT, RATE_FORMAT, XLSX_TYPE
from machi.ledger.queries import MONEY_FIELDS

__all__ = [
    "NUMBER_FORMAT",
    "RATE_FORMAT",
    "XLSX_TYPE",
    "city_overview_csv",
    "city_xlsx",
    "to_csv_bytes",
    "to_xlsx_bytes",
    "ward_report_csv",
    "ward_report_xlsx",
]


def _figure_headers() -> list[str]:
    return [_("当初予算"), _("2月補正後"), _("決算額"), _("執行率"), _("不用額")]


def ward_title(report) -> str:
    title = _("%(year)s %(ward)s まちづくり推進経費 報告") % {
        "year": wareki(report.fiscal_year),
        "ward": report.ward.name,
    }
    return demo_marked(title, report.programme.is_demo)


def city_title(overview) -> str:
    title = _("%(year)s %(city)s 区のまちづくり推進経費 比較") % {
        "year": wareki(overview.fiscal_year),
        "city": overview.city_name,
    }
    return demo_marked(title, overview.is_demo)


def demo_marked(title: str, is_demo: bool) -> str:
    """A demo year's files say so in their title (and its CSV on every row): no one takes it for a budget."""
    return f"{title}{_('（デモ用のデータです）')}" if is_demo else title


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
    # A demo year (`machi demo`) adds a last column saying so on every row; a real year's file is as it was.
    demo = [_("デモ用のデータです")] if report.programme.is_demo else []
    header = _csv_header([_("年度"), _("区"), _("行"), _("柱"), _("No."), _("区分"), _("事業名")])
    writer.writerow([*header, *([_("デモ")] if demo else [])])
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
                    escape_formula(project.name),
                    *_csv_figures(project),
                    *demo,
                ]
            )
        writer.writerow([year, ward, _("小計"), pillar, "", "", "", *_csv_figures(group.totals), *demo])
    writer.writerow([year, ward, _("合計"), "", "", "", "", *_csv_figures(report.totals), *demo])


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
    """A sheet written top to bottom in the one XLSX style: title, unit, header, then rows."""

    def __init__(self, workbook, name: str, title: str, columns: list[tuple[str, int]]):
        self.sheet = workbook.create_sheet(name)
        self.width = len(columns)
        self.row = xlsx.start_table(self.sheet, title=title, unit=_("（単位：千円）"), columns=columns)

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
            number_format = formats[column - 1] if column <= len(formats) else None
            cell = self.sheet.cell(self.row, column)
            if number_format:
                xlsx.number(cell, value, number_format)
            elif isinstance(value, str):
                xlsx.text(cell, value)
            else:
                cell.value = value
                cell.alignment = xlsx.WRAP_TOP
            cell.border = xlsx.BOX
            if kind:
                xlsx.emphasise(cell, kind)
        self.row += 1


def _figure_columns() -> list[tuple[str, int]]:
    return [(name, 12) for name in _figure_headers()]


def ward_report_xlsx(report, stream) -> None:
    workbook = xlsx.new_workbook()
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
    workbook = xlsx.new_workbook()
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


to_xlsx_bytes = xlsx.to_bytes
