"""Server-rendered SVG charts for the report pages: no JavaScript, no library, no inline styles.

Each function returns SVG markup (safe to put in a template) drawn in a viewBox that scales to
its container. The SVG has role="img", a <title> and a <desc>; the page puts it in a <figure>
with a <figcaption> and a data table with the same numbers beside it, so nothing is only in
the picture. Colours are the Okabe–Ito palette (told apart with colour-blindness too), and every
bar has a text label or a <title> giving its figure.

Text uses the page's font (CSS) and falls back to the system's Japanese font through the
font-family attribute when the SVG is shown on its own.
"""

from decimal import Decimal
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from machi.core.display import in_brackets
from machi.core.money import format_rate, format_thousands, format_thousands_unit

FONT = "'Noto Sans JP', 'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', Meiryo, sans-serif"
TEXT = "#1a1a1c"
SUB = "#4d4d50"
LINE = "#b4b4b7"
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
WIDTH = 640
FONT_SIZE = 15
_ids = count(1)


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """A fair estimate of drawn width: full-width characters are 1em, others about 0.6em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """The text, cut with "…" to fit the width (the full text is in the table and the bar's <title>)."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _svg(title: str, description: str, height: float, body: list[str]) -> SafeString:
    n = next(_ids)
    return mark_safe(
        f'<svg class="chart__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'role="img" aria-labelledby="chart-{n}-title chart-{n}-desc" font-family="{FONT}" '
        f'font-size="{FONT_SIZE}" fill="{TEXT}">'
        f'<title id="chart-{n}-title">{escape(title)}</title><desc id="chart-{n}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _legend(series: list[tuple[str, str]], y: float) -> tuple[list[str], float]:
    """Colour keys in a row, wrapping to the next line; returns the markup and the next free y."""
    parts, x = [], 0.0
    for name, colour in series:
        width = 22 + text_width(name) + 18
        if x and x + width > WIDTH:
            x, y = 0.0, y + 24
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="16" height="16" fill="{colour}" stroke="{TEXT}" stroke-width="0.5"/>'
            f'<text x="{x + 22:.1f}" y="{y + 13:.1f}">{escape(name)}</text>'
        )
        x += width
    return parts, y + 30


def grouped_bars(
    title: str, description: str, rows: list[tuple[str, list[int | None]]], series: list[str]
) -> SafeString:
    """Horizontal bars, one group per row (label above), one bar per series, each with its figure in 千円."""
    # the same colour for the same stage in every chart: 当初 orange, 2月補正後 light blue, 決算 dark blue
    colours = [PALETTE[1], PALETTE[4], PALETTE[0]][-len(series) :]
    body, y = _legend(list(zip(series, colours, strict=True)), 0)
    peak = max([v for _, values in rows for v in values if v is not None] + [1])
    room = WIDTH - 90
    bar = 14
    for label, values in rows:
        body.append(f'<text x="0" y="{y + 14:.1f}">{escape(fit(label, WIDTH))}</text>')
        y += 20
        for name, colour, value in zip(series, colours, values, strict=True):
            figure = format_thousands_unit(value)
            length = 0 if not value else max(value / peak * room, 1)
            body.append(
                f"<g><title>{escape(label)} {escape(name)}: {escape(figure)}</title>"
                f'<rect x="0" y="{y:.1f}" width="{length:.1f}" height="{bar}" fill="{colour}"/>'
                f'<text x="{length + 6:.1f}" y="{y + 12:.1f}" font-size="13">{escape(format_thousands(value))}</text></g>'
            )
            y += bar + 2
        y += 10
    return _svg(title, description, y, body)


def rate_bars(title: str, description: str, rows: list[tuple[str, Decimal | None]]) -> SafeString:
    """Execution rate per row as a horizontal bar, with a dashed reference line at 100%."""
    label_width = max([text_width(label) for label, _ in rows] + [40]) + 12
    room = WIDTH - label_width - 80  # the figures stand in a column at the right, clear of the 100% line
    top = max([float(rate) for _, rate in rows if rate is not None] + [1.0])
    scale = room / top
    height, gap, y = 22, 10, 28.0
    body = []
    for label, rate in rows:
        length = 0 if rate is None else float(rate) * scale
        body.append(
            f"<g><title>{escape(label)}: {escape(format_rate(rate))}</title>"
            f'<text x="{label_width - 8:.1f}" y="{y + 16:.1f}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width:.1f}" y="{y:.1f}" width="{length:.1f}" height="{height}" fill="{PALETTE[0]}"/>'
            f'<text x="{WIDTH - 2}" y="{y + 16:.1f}" text-anchor="end">{escape(format_rate(rate))}</text></g>'
        )
        y += height + gap
    line_x = label_width + scale
    body.insert(
        0,
        f'<line x1="{line_x:.1f}" y1="20" x2="{line_x:.1f}" y2="{y:.1f}" stroke="{TEXT}" stroke-width="1.5" '
        f'stroke-dasharray="6 4"/><text x="{line_x:.1f}" y="14" text-anchor="middle" fill="{SUB}">100%</text>',
    )
    return _svg(title, description, y + 4, body)


def stacked_bars(
    title: str,
    description: str,
    rows: list[tuple[str, list[int | None]]],
    segments: list[str],
    *,
    percent: bool = False,
) -> SafeString:
    """One horizontal bar per row (label above), split into the segments; `percent` draws each as 100%.

    Every bar is one stage's money only: the caller never mixes stages in one total.
    """
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(segments))]
    body, y = _legend(list(zip(segments, colours, strict=True)), 0)
    totals = [sum(v for v in values if v) for _, values in rows]
    peak = max([*totals, 1])
    room = WIDTH - (10 if percent else 90)
    for (label, values), total in zip(rows, totals, strict=True):
        body.append(f'<text x="0" y="{y + 14:.1f}">{escape(fit(label, WIDTH))}</text>')
        y += 20
        length = room if percent and total else (total / peak * room if total else 0)
        x = 0.0
        for name, colour, value in zip(segments, colours, values, strict=True):
            if not value:
                continue
            width = value / total * length
            share = format_rate(Decimal(value) / Decimal(total))
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="24" fill="{colour}" stroke="#fff" '
                f'stroke-width="1"><title>{escape(label)} {escape(name)}: '
                f"{escape(format_thousands_unit(value))}{escape(in_brackets(share))}</title></rect>"
            )
            x += width
        if not percent:
            body.append(
                f'<text x="{x + 6:.1f}" y="{y + 17:.1f}" font-size="13">{escape(format_thousands(total))}</text>'
            )
        y += 36
    if percent:
        for share in (0, 50, 100):
            x = room * share / 100
            anchor = "start" if share == 0 else "end" if share == 100 else "middle"
            body.append(
                f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="12" text-anchor="{anchor}" fill="{SUB}">{share}%</text>'
            )
        y += 12
    return _svg(title, description, y, body)


# The charts of each report page


def _project_label(project) -> str:
    return f"{project.no}. {project.name}" if project.no is not None else project.name


def ward_charts(report) -> dict[str, SafeString]:
    from django.utils.translation import gettext as _

    projects = report.projects
    shares = report.pillar_shares
    return {
        "projects": grouped_bars(
            _("事業ごとの2月補正後の予算と決算額（千円）"),
            _("事業ごとに、2月補正後の予算額と決算額を横棒で並べています。数値は下の表にあります。"),
            [(_project_label(p), [p.revised_yen, p.settled_yen]) for p in projects],
            [_("2月補正後"), _("決算額")],
        ),
        "pillars": stacked_bars(
            _("柱ごとの構成比（決算額）"),
            _("区の決算額の合計を100%として、柱ごとの割合を帯で示しています。数値は下の表にあります。"),
            [(_("決算額"), [share.settled_yen for share in shares])],
            [share.name for share in shares],
            percent=True,
        ),
    }


def city_charts(overview, spend, history) -> dict[str, SafeString]:
    from django.utils.translation import gettext as _

    result = {
        "rates": rate_bars(
            _("区ごとの執行率（決算額÷2月補正後）"),
            _("区ごとの執行率を横棒で示し、100%の位置に破線を引いています。数値は下の表にあります。"),
            [(row.ward.name, row.totals.execution_rate) for row in overview.rows],
        ),
    }
    if spend.rows:
        result["themes"] = stacked_bars(
            _("テーマ別の決算額と区ごとの内訳（千円）"),
            _(
                "テーマごとの決算額を、区ごとに色分けした横棒で示しています。"
                "複数のテーマを持つ事業はそれぞれに計上しています。数値は下の表にあります。"
            ),
            [(row.name, [t.settled_yen for t in row.by_ward]) for row in spend.rows],
            [ward.name for ward in spend.wards],
        )
    if len(history.years) > 1:
        from machi.core.fiscal import wareki

        result["years"] = grouped_bars(
            _("年度ごとの当初予算・2月補正後・決算額（市の合計、千円）"),
            _(
                "年度ごとに、市全体の当初予算、2月補正後の予算、決算額を横棒で並べています。数値は下の表にあります。"
            ),
            [
                (wareki(y.fiscal_year), [y.totals.initial_yen, y.totals.revised_yen, y.totals.settled_yen])
                for y in history.years
            ],
            [_("当初予算"), _("2月補正後"), _("決算額")],
        )
    return result
