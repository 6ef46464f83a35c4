"""The annual reports as A4 PDFs (ReportLab platypus): one per ward-year, one for the city's year.

Read only: everything comes from the ledger's queries (`programme_sheet`, `ledger_check`,
`ProgrammeQuerySet.with_totals`). Built on the PDF kit in `machi.core.pdf` (the embedded
IPAexGothic, the palette, the document template, the page footer, the table style), as the
grant notices are; this module holds only the reports' own layout.

The reports are in Japanese whatever the interface language: they are the ward's
published record, laid out like the city's own 報告書.
"""

import datetime as dt
import math
from decimal import Decimal
from functools import cache
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle

from machi.core.fiscal import wareki
from machi.core.money import execution_rate, format_rate, format_thousands, unused_amount
from machi.core.pdf import (
    ACCENT,
    FONT,
    INK,
    MUTED,
    PAGE_WIDTH,
    TOTAL_BG,
    base_style,
    build_pdf,
    date_ja,
    footer_canvas,
    hex_colour,
    plain,
    register_font,
    ruled_table_style,
    styles_from,
)
from machi.ledger.queries import Totals, ledger_check
from machi.reports.queries import WardRow, city_overview, theme_spend, ward_report, year_over_year

MARGIN = 15 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN

PILLAR_BG = colors.HexColor("#f3f3f3")
WARN = colors.HexColor("#8a3b00")
WARN_BG = colors.HexColor("#fff4e5")
NEW_MARK = colors.HexColor("#00693e")
EXPANDED_MARK = colors.HexColor("#7a3d00")

FIGURE_HEADERS = ("当初予算", "2月補正後", "決算額", "執行率", "不用額")


@cache
def _styles() -> dict[str, ParagraphStyle]:
    base = base_style("base", font_size=9, leading=13)
    return {
        "body": base,
        **styles_from(
            base,
            eyebrow={"fontSize": 10, "leading": 14, "textColor": MUTED},
            title={"fontSize": 17, "leading": 24, "spaceAfter": 2 * mm},
            h2={
                "fontSize": 12,
                "leading": 17,
                "spaceBefore": 5 * mm,
                "spaceAfter": 2 * mm,
                "textColor": ACCENT,
            },
            vision={"fontSize": 12, "leading": 18, "leftIndent": 4 * mm, "spaceAfter": 1 * mm},
            bullet={"leftIndent": 5 * mm, "bulletIndent": 1 * mm, "spaceAfter": 1 * mm},
            note={"fontSize": 8, "leading": 11, "textColor": MUTED},
            warning={"textColor": WARN, "leftIndent": 5 * mm, "bulletIndent": 1 * mm, "spaceAfter": 1 * mm},
            cell={"fontSize": 8.5, "leading": 11.5},
            cell_desc={"fontSize": 7, "leading": 9.5, "textColor": MUTED},
            cell_head={"fontSize": 8, "leading": 10.5},
            num={"fontSize": 8.5, "leading": 11.5, "alignment": TA_RIGHT},
            num_head={"fontSize": 8, "leading": 10.5, "alignment": TA_RIGHT},
            pillar={"fontSize": 9, "leading": 12.5},
        ),
    }


def _p(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped) in one of the report's styles."""
    return plain(text, _styles()[style])


def _markup(markup: str, style: str = "body", *, bullet: str | None = None) -> Paragraph:
    return Paragraph(markup, _styles()[style], bulletText=bullet)


def _num(text: str, style: str = "num") -> Paragraph:
    return Paragraph(escape(text), _styles()[style])


def _figures(initial, revised, settled) -> list[Paragraph]:
    return [
        _num(format_thousands(initial)),
        _num(format_thousands(revised)),
        _num(format_thousands(settled)),
        _num(format_rate(execution_rate(settled, revised))),
        _num(format_thousands(unused_amount(settled, revised))),
    ]


def _totals_figures(totals: Totals) -> list[Paragraph]:
    return _figures(totals.initial_yen, totals.revised_yen, totals.settled_yen)


def _generated_on(generated_on: dt.date | None) -> dt.date:
    return generated_on or timezone.localdate()


# ---------------------------------------------------------------- the kit, as the reports use it


def _build(story: list, *, title: str, subject: str, generated_on: dt.date) -> bytes:
    """A4 with the title and "作成日" in every page's footer, between 15 mm margins."""
    return build_pdf(
        story,
        title=title,
        subject=subject,
        margin=MARGIN,
        bottom_margin=18 * mm,
        canvasmaker=footer_canvas(title, date_ja(generated_on), margin=MARGIN),
    )


def _head(labels, numeric_from: int) -> list[Paragraph]:
    return [
        _p(label, "num_head" if index >= numeric_from else "cell_head") for index, label in enumerate(labels)
    ]


# ---------------------------------------------------------------- the ward report


def ward_report_title(programme) -> str:
    demo = "（デモ用のデータです）" if programme.is_demo else ""
    return f"{wareki(programme.fiscal_year)} {programme.ward.name}まちづくり推進経費 報告書{demo}"


def render_ward_report_pdf(programme, *, generated_on: dt.date | None = None) -> bytes:
    """One ward-year: vision, priorities, each pillar's projects with subtotals, the total, the checks."""
    report = ward_report(programme)
    groups, totals, findings = report.groups, report.totals, report.findings
    day = _generated_on(generated_on)
    title = ward_report_title(programme)
    ward = programme.ward
    project_count = sum(len(group.projects) for group in groups)

    story: list = []
    if ward.city_name:
        story.append(_p(ward.city_name, "eyebrow"))
    story.append(_p(title, "title"))
    story.append(_summary_table(programme, totals, project_count))
    story.append(Spacer(0, 1.5 * mm))
    story.append(
        _p(
            "金額の単位は千円。執行率＝決算額÷2月補正後、不用額＝2月補正後－決算額。"
            "「―」は予算の計上がないことを表します（0円ではありません）。"
            + (f"データチェックの指摘が{len(findings)}件あります（末尾を参照）。" if findings else ""),
            "note",
        )
    )

    story.append(_p("めざす区の姿", "h2"))
    story.append(_p(programme.vision or "（登録されていません）", "vision"))
    priorities = [line.strip() for line in (programme.priorities or "").splitlines() if line.strip()]
    if priorities:
        story.append(_p("重点的取組・方針", "h2"))
        story.extend(_markup(escape(line), "bullet", bullet="・") for line in priorities)

    if groups:
        story.append(_p("柱ごとの集計", "h2"))
        story.append(_pillar_summary_table(groups, totals, ward.name, project_count))
        story.append(CondPageBreak(40 * mm))
        story.append(_p("事業の一覧", "h2"))
        story.append(_projects_table(groups, totals, ward.name))
        story.append(
            _p("区分：新規＝今年度からの事業、拡充＝前年度から拡充した事業、継続＝前年度からの継続。", "note")
        )
        if any(p.settled_exceeds_revised for group in groups for p in group.projects):
            story.append(
                _p("※ 決算額が2月補正後の予算を上回っている事業（事業間の流用などで生じます）。", "note")
            )
    else:
        story.append(_p("事業の一覧", "h2"))
        story.append(_p("登録された事業はありません。"))

    story.extend(_checks_section({ward.name: findings}, show_ward=False))
    return _build(
        story, title=title, subject=f"{ward.name} {wareki(programme.fiscal_year)}", generated_on=day
    )


def _summary_table(programme, totals: Totals, project_count: int) -> Table:
    labels = ("配分額", "当初予算", "2月補正後", "決算額", "執行率", "不用額", "事業数")
    values = (
        format_thousands(programme.allocation_yen),
        format_thousands(totals.initial_yen),
        format_thousands(totals.revised_yen),
        format_thousands(totals.settled_yen),
        format_rate(totals.execution_rate),
        format_thousands(totals.unused_yen),
        f"{project_count}件",
    )
    value_style = ParagraphStyle("summary", parent=_styles()["num"], fontSize=11.5, leading=15)
    table = Table(
        [_head(labels, 0), [Paragraph(escape(v), value_style) for v in values]],
        colWidths=[FRAME_WIDTH / len(labels)] * len(labels),
    )
    table.setStyle(ruled_table_style([("LINEBELOW", (0, 1), (-1, 1), 0.8, INK)]))
    return table


def _pillar_summary_table(groups, totals: Totals, ward_name: str, project_count: int) -> Table:
    figure_width = 19 * mm
    widths = [FRAME_WIDTH - 12 * mm - 5 * figure_width, 12 * mm, *[figure_width] * 5]
    rows = [_head(("柱", "事業数", *FIGURE_HEADERS), 1)]
    for index, group in enumerate(groups, start=1):
        name = group.pillar.name if group.pillar else "柱の指定なし"
        rows.append(
            [_p(f"{index}. {name}", "cell"), _num(str(len(group.projects))), *_totals_figures(group.totals)]
        )
    rows.append([_p(f"{ward_name}の合計", "cell"), _num(str(project_count)), *_totals_figures(totals)])
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        ruled_table_style(
            [("BACKGROUND", (0, -1), (-1, -1), TOTAL_BG), ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)]
        )
    )
    return table


# No. | 区分 | 事業名・事業内容 | 当初 | 補正後 | 決算 | 執行率 | 不用額
_PROJECT_WIDTHS = (9 * mm, 10 * mm, None, 17 * mm, 17 * mm, 17 * mm, 14 * mm, 16 * mm)


def _project_widths() -> list[float]:
    fixed = sum(width for width in _PROJECT_WIDTHS if width)
    return [width or FRAME_WIDTH - fixed for width in _PROJECT_WIDTHS]


def _status_mark(status: str) -> Paragraph:
    if status == "新規":
        return _markup(f'<font color="{hex_colour(NEW_MARK)}">新規</font>', "cell")
    if status == "拡充":
        return _markup(f'<font color="{hex_colour(EXPANDED_MARK)}">拡充</font>', "cell")
    return _p(status, "cell")


def _projects_table(groups, totals: Totals, ward_name: str) -> Table:
    """One table for all pillars, so that its header repeats on every page it spans."""
    span = len(_PROJECT_WIDTHS) - 1
    rows = [_head(("No.", "区分", "事業名・事業内容", *FIGURE_HEADERS), 3)]
    extra = []
    for index, group in enumerate(groups, start=1):
        pillar = group.pillar
        text = f"<b>{index}. {escape(pillar.name)}</b>" if pillar else "<b>柱の指定なし</b>"
        if pillar and pillar.description:
            text += f'<br/><font size="7.5" color="#595959">{escape(pillar.description)}</font>'
        row = len(rows)
        rows.append([_markup(text, "pillar")] + [""] * span)
        extra += [("SPAN", (0, row), (-1, row)), ("BACKGROUND", (0, row), (-1, row), PILLAR_BG)]
        for project in group.projects:
            name = [_p(project.name, "cell")]
            if project.description:
                name.append(_p(project.description, "cell_desc"))
            figures = _figures(project.initial_yen, project.revised_yen, project.settled_yen)
            if project.settled_exceeds_revised:
                figures[2] = _num(f"※{format_thousands(project.settled_yen)}")
                extra.append(("BACKGROUND", (5, len(rows)), (5, len(rows)), WARN_BG))
            rows.append(
                [
                    _num(str(project.no) if project.no is not None else "", "cell"),
                    _status_mark(project.status),
                    name,
                    *figures,
                ]
            )
        row = len(rows)
        rows.append([_p("小計", "cell"), "", "", *_totals_figures(group.totals)])
        extra += [("SPAN", (0, row), (2, row)), ("LINEABOVE", (0, row), (-1, row), 0.5, INK)]
    row = len(rows)
    rows.append([_p(f"{ward_name}の合計", "cell"), "", "", *_totals_figures(totals)])
    extra += [
        ("SPAN", (0, row), (2, row)),
        ("BACKGROUND", (0, row), (-1, row), TOTAL_BG),
        ("LINEABOVE", (0, row), (-1, row), 0.8, INK),
    ]
    table = Table(rows, colWidths=_project_widths(), repeatRows=1)
    table.setStyle(ruled_table_style(extra))
    return table


def _checks_section(findings: dict[str, list], *, show_ward: bool) -> list:
    flowables = [_p("データチェック", "h2")]
    listed = [(ward, finding) for ward, items in findings.items() for finding in items]
    if not listed:
        flowables.append(_p("指摘事項はありません。"))
    for ward, finding in listed:
        prefix = f"{escape(ward)}：" if show_ward else ""
        flowables.append(_markup(prefix + escape(finding.message), "warning", bullet="▲"))
    flowables.append(
        _p(
            "点検項目：当初予算の合計と配分額の一致、決算額が2月補正後を上回る事業、"
            "2月補正後の予算がない事業の決算額。",
            "note",
        )
    )
    return [KeepTogether(flowables)] if len(flowables) < 12 else flowables


# ---------------------------------------------------------------- the city report


def city_report_title(fiscal_year: int, city_name: str = "") -> str:
    city = f"{city_name} " if city_name else ""
    return f"{wareki(fiscal_year)} {city}区まちづくり推進経費 報告書（全区）"


def render_city_report_pdf(fiscal_year: int, *, generated_on: dt.date | None = None) -> bytes:
    """The city's year: the wards side by side, the city total, the execution-rate chart, spending by
    theme, the years side by side (when several are loaded), the checks."""
    overview = city_overview(fiscal_year)
    rows, city_total, city_name = overview.rows, overview.totals, overview.city_name
    title = city_report_title(fiscal_year, city_name) + ("（デモ用のデータです）" if overview.is_demo else "")
    day = _generated_on(generated_on)

    story: list = [_p(title, "title")]
    story.append(
        _p(
            "金額の単位は千円。執行率＝決算額÷2月補正後、不用額＝2月補正後－決算額。"
            "「―」は予算の計上がないことを表します。",
            "note",
        )
    )
    story.append(_p("区ごとの比較", "h2"))
    if rows:
        story.append(_city_table(rows, city_total, overview.allocation_yen, city_name))
        story.append(_p(f"決算の執行率（{wareki(fiscal_year)} 決算額÷2月補正後）", "h2"))
        story.append(_rate_chart_with_table(rows, city_total, fiscal_year))
        spend = theme_spend(fiscal_year)
        if spend.has_themes:
            story.append(_p(f"テーマ別の決算額（{wareki(fiscal_year)}、区ごと）", "h2"))
            story.append(
                _p(
                    "1つの事業が複数のテーマを持つときは、それぞれのテーマに計上しています"
                    "（テーマの合計は区の決算額の合計を上回ります）。",
                    "note",
                )
            )
            story.append(_theme_table(spend))
        history = year_over_year()
        if len(history.years) > 1:
            story.append(_p("年度ごとの推移（市の合計）", "h2"))
            story.append(_years_table(history))
    else:
        story.append(_p(f"{wareki(fiscal_year)}の区の計画は登録されていません。"))
    story.extend(_checks_section(ledger_check(fiscal_year), show_ward=True))
    return _build(story, title=title, subject=f"{city_name} {wareki(fiscal_year)}", generated_on=day)


def _city_table(rows: list[WardRow], city_total: Totals, allocation_total, city_name: str) -> Table:
    labels = ("区", "配分額", *FIGURE_HEADERS, "事業数")
    figure_width = (FRAME_WIDTH - 22 * mm - 14 * mm) / 6
    widths = [22 * mm, *[figure_width] * 6, 14 * mm]
    table_rows = [_head(labels, 1)]
    for row in rows:
        table_rows.append(
            [
                _p(row.ward.name, "cell"),
                _num(format_thousands(row.allocation_yen)),
                *_totals_figures(row.totals),
                _num(str(row.project_count)),
            ]
        )
    table_rows.append(
        [
            _p(f"{city_name}合計" if city_name else "合計", "cell"),
            _num(format_thousands(allocation_total)),
            *_totals_figures(city_total),
            _num(str(sum(r.project_count for r in rows))),
        ]
    )
    table = Table(table_rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        ruled_table_style(
            [("BACKGROUND", (0, -1), (-1, -1), TOTAL_BG), ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)]
        )
    )
    return table


def _theme_table(spend) -> Table:
    """決算額 per theme and ward (千円), the theme's total last; one phase only, never mixed."""
    wards = [ward.name for ward in spend.wards]
    name_width = 28 * mm
    width = (FRAME_WIDTH - name_width) / (len(wards) + 1)
    table_rows = [_head(("テーマ", *wards, "計"), 1)]
    rows = [*spend.rows, spend.untagged] if spend.untagged.project_count else spend.rows
    for row in rows:
        table_rows.append(
            [
                _p(row.name or "テーマなし", "cell"),
                *(_num(format_thousands(totals.settled_yen)) for totals in row.by_ward),
                _num(format_thousands(row.totals.settled_yen)),
            ]
        )
    table = Table(table_rows, colWidths=[name_width, *[width] * (len(wards) + 1)], repeatRows=1)
    table.setStyle(ruled_table_style())
    return table


def _years_table(history) -> Table:
    labels = ("年度", *FIGURE_HEADERS, "区の数")
    name_width, count_width = 26 * mm, 16 * mm
    width = (FRAME_WIDTH - name_width - count_width) / len(FIGURE_HEADERS)
    table_rows = [_head(labels, 1)]
    for year in history.years:
        table_rows.append(
            [_p(wareki(year.fiscal_year), "cell"), *_totals_figures(year.totals), _num(str(year.ward_count))]
        )
    table = Table(
        table_rows, colWidths=[name_width, *[width] * len(FIGURE_HEADERS), count_width], repeatRows=1
    )
    table.setStyle(ruled_table_style())
    return table


def _rate_percent(rate: Decimal | None) -> float:
    """For drawing only: the bar's height in per cent (0 where there is no rate)."""
    return float(rate * 100) if rate is not None else 0.0


def rate_chart(rows: list[WardRow], fiscal_year: int, *, width=105 * mm, height=78 * mm) -> Drawing:
    """Bars of each ward's execution rate at the settlement (決算) stage, labelled with the figure."""
    register_font()
    drawing = Drawing(width, height, initialFontName=FONT)
    drawing.add(
        String(
            width / 2,
            height - 11,
            f"区別の執行率（{wareki(fiscal_year)} 決算額÷2月補正後）",
            fontName=FONT,
            fontSize=9,
            textAnchor="middle",
            fillColor=INK,
        )
    )
    percents = [_rate_percent(r.totals.execution_rate) for r in rows]
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 26
    chart.width, chart.height = width - 40, height - 50
    chart.data = [percents]
    chart.valueAxis.valueMin = 0
    # Headroom above the tallest bar for its label; overspent wards can pass 100%.
    chart.valueAxis.valueMax = 20 * math.ceil((max([100.0, *percents]) + 10) / 20)
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    chart.valueAxis.gridStrokeWidth = 0.4
    chart.categoryAxis.categoryNames = [r.ward.name for r in rows]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.dy = -3
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.barWidth = 10
    chart.groupSpacing = 10
    chart.barLabelFormat = lambda value: f"{value:.1f}%"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    return drawing


def _rate_chart_with_table(rows: list[WardRow], city_total: Totals, fiscal_year: int) -> Table:
    chart_width = 105 * mm
    data = [_head(("区", "2月補正後", "決算額", "執行率"), 1)]
    for row in rows:
        data.append(
            [
                _p(row.ward.name, "cell"),
                _num(format_thousands(row.totals.revised_yen)),
                _num(format_thousands(row.totals.settled_yen)),
                _num(format_rate(row.totals.execution_rate)),
            ]
        )
    data.append(
        [
            _p("合計", "cell"),
            _num(format_thousands(city_total.revised_yen)),
            _num(format_thousands(city_total.settled_yen)),
            _num(format_rate(city_total.execution_rate)),
        ]
    )
    side_width = FRAME_WIDTH - chart_width - 4 * mm
    numbers = Table(
        data, colWidths=[side_width * 0.25, side_width * 0.27, side_width * 0.25, side_width * 0.23]
    )
    numbers.setStyle(ruled_table_style([("BACKGROUND", (0, -1), (-1, -1), TOTAL_BG)]))
    layout = Table(
        [[rate_chart(rows, fiscal_year, width=chart_width), numbers]],
        colWidths=[chart_width + 4 * mm, side_width],
    )
    layout.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (1, 0), (1, 0), 4 * mm),
            ]
        )
    )
    return layout
