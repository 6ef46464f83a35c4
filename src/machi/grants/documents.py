"""The grant's letters as A4 PDFs in Japanese: 交付決定通知書 and 交付額確定通知書.

Read only. Each notice is dated the day of the step it records (the decision, the
confirmation), not the day it is printed, so the same application always gives the same
letter. The issuer is the ward's mayor as a title (熊本市西区長), without a seal image.

Built on the PDF kit in `machi.core.pdf`, as the annual reports are: the embedded
IPAexGothic (ReportLab embeds the glyphs used, so the letter prints the same on any
machine), the palette, the document template and the boxed table style.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.utils import timezone
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from machi.core.fiscal import fiscal_year_bounds, wareki, wareki_date
from machi.core.money import format_yen
from machi.core.pdf import (
    HEAD_BG,
    MUTED,
    PAGE_WIDTH,
    PDF_TYPE,
    TOTAL_BG,
    base_style,
    build_pdf,
    grid_table_style,
    plain,
    styles_from,
)
from machi.grants.actions import GrantRefused
from machi.grants.models import Application, ExpenseLine
from machi.grants.queries import expenses_yen
from machi.grants.rules import compute_grant

MARGIN = 22 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
LABEL_WIDTH = 42 * mm


class NoticeUnavailable(GrantRefused):
    """The application has not reached the step the notice records (or has left it)."""


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str  # follows the programme's name: 地域コミュニティづくり支援補助金交付決定通知書
    mark: str  # in the document number: 西区補交第4-12号
    statuses: tuple[str, ...]
    not_yet: str  # why there is no such notice for this application


DECISION = Kind(
    "decision",
    "交付決定通知書",
    "補交",
    Application.COMMITTED,
    "交付決定されていない申請",
)
CONFIRMATION = Kind(
    "confirmation",
    "交付額確定通知書",
    "補確",
    (Application.Status.CONFIRMED, Application.Status.PAID),
    "交付額が確定していない申請",
)
KINDS = {kind.slug: kind for kind in (DECISION, CONFIRMATION)}


@dataclass(frozen=True)
class Notice:
    content: bytes
    filename: str
    number: str
    content_type: str = PDF_TYPE


def notice(application: Application, kind: str) -> Notice:
    """The notice of that kind ("decision" or "confirmation"); NoticeUnavailable if the step has not happened."""
    chosen = KINDS.get(kind)
    if chosen is None:
        raise NoticeUnavailable(f"通知書の種類「{kind}」はありません（{'、'.join(KINDS)}）")
    render = render_decision_notice if chosen is DECISION else render_confirmation_notice
    return Notice(
        render(application), notice_filename(application, chosen), document_number(application, chosen)
    )


def notice_filename(application: Application, kind: Kind) -> str:
    """交付決定通知書_G2022-00012.pdf: the Content-Disposition header writes it for the browser (RFC 5987)."""
    return f"{kind.title}_{application.number}.pdf"


def document_number(application: Application, kind: Kind) -> str:
    """文書番号: the ward, the kind, the era year of the fiscal year and the application: 西区補交第4-12号."""
    era_year = wareki(application.programme.fiscal_year).removesuffix("年度")[2:]
    return f"{application.programme.ward.name}{kind.mark}第{era_year}-{application.pk}号"


def issuer(application: Application) -> str:
    ward = application.programme.ward
    return f"{ward.city_name}{ward.name}長"


def _require(application: Application, kind: Kind) -> None:
    if application.status not in kind.statuses:
        raise NoticeUnavailable(
            f"申請番号 {application.number} は「{application.get_status_display()}」のため、"
            f"{kind.title}はありません（{kind.not_yet}です）"
        )


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def _rate_terms(application: Application) -> str:
    track = application.track
    cap = application.cap_yen if application.cap_yen is not None else track.cap_yen
    return f"補助率{track.rate}、上限額{format_yen(cap)}円、{track.get_rounding_display()}"


# ---------------------------------------------------------------- 交付決定通知書


def render_decision_notice(application: Application) -> bytes:
    _require(application, DECISION)
    programme = application.programme
    decided_on = _local_date(application.decided_at)
    submitted_on = _local_date(application.submitted_at)
    _, planned_eligible = expenses_yen(application, ExpenseLine.Phase.PLANNED)
    period_end = fiscal_year_bounds(programme.fiscal_year)[1]
    applied = f"{wareki_date(submitted_on)}付けで" if submitted_on else ""

    body = (
        f"{applied}申請のあった{wareki(programme.fiscal_year)}{programme.name}については、"
        "下記のとおり交付することに決定したので通知します。"
    )
    period = f"交付決定の日から{wareki_date(period_end)}まで"
    if application.schedule:
        period += f"\n（実施時期：{application.schedule}）"
    conditions = ["補助事業が完了したときは、領収書を添えて速やかに実績報告を行うこと。"]
    conditions += [line.strip() for line in application.conditions.splitlines() if line.strip()]
    items = [
        ("補助事業の名称", _text(application.title)),
        ("申請番号", _text(application.number)),
        ("補助の区分", _text(f"{application.track.name}（{_rate_terms(application)}）")),
        ("補助対象経費（計画）", _text(f"{format_yen(planned_eligible)}円")),
        ("交付決定額", _amount(application.decided_yen)),
        ("補助事業の期間", _text(period)),
        ("交付の条件", _text("\n".join(f"（{n}）{c}" for n, c in enumerate(conditions, start=1)))),
    ]
    story = [
        *_letterhead(application, DECISION, decided_on),
        _p(body, "body"),
        _p("記", "centre"),
        _items_table(items),
        _p("以上", "closing"),
    ]
    return _build(story, application, DECISION)


# ---------------------------------------------------------------- 交付額確定通知書


def render_confirmation_notice(application: Application) -> bytes:
    _require(application, CONFIRMATION)
    programme = application.programme
    confirmed_on = _local_date(application.confirmed_at)
    decided_on = _local_date(application.decided_at)
    reported_on = _local_date(application.reported_at)
    actual_total, actual_eligible = expenses_yen(application, ExpenseLine.Phase.ACTUAL)
    # The rule `actions.confirm_amount` applied: min(decided, the grant on the actual eligible expenses).
    recomputed = compute_grant(application.track, actual_eligible)

    decided = f"{wareki_date(decided_on)}付け{document_number(application, DECISION)}で" if decided_on else ""
    reported = f"{wareki_date(reported_on)}付けで提出のあった" if reported_on else ""
    body = (
        f"{decided}交付決定した{wareki(programme.fiscal_year)}{programme.name}については、"
        f"{reported}実績報告に基づき、下記のとおり交付額を確定したので通知します。"
    )
    items = [
        ("補助事業の名称", _text(application.title)),
        ("申請番号", _text(application.number)),
        ("補助の区分", _text(f"{application.track.name}（{_rate_terms(application)}）")),
        ("交付決定額", _text(f"{format_yen(application.decided_yen)}円")),
        (
            "補助対象経費（実績）",
            _text(f"{format_yen(actual_eligible)}円（経費の合計 {format_yen(actual_total)}円）"),
        ),
        ("実績に基づく算定額", _text(f"{format_yen(recomputed)}円")),
        ("確定額", _amount(application.confirmed_yen)),
    ]
    story = [
        *_letterhead(application, CONFIRMATION, confirmed_on),
        _p(body, "body"),
        _p("記", "centre"),
        _items_table(items),
        Spacer(0, 2 * mm),
        _p("確定額は、交付決定額と、実績の補助対象経費に基づく算定額のうち、少ない方の額です。", "note"),
        Spacer(0, 4 * mm),
        _p("実績の経費の内訳", "heading"),
        _expenses_table(application, actual_total, actual_eligible),
        _p("以上", "closing"),
    ]
    return _build(story, application, CONFIRMATION)


def _expenses_table(application: Application, total: int, eligible: int) -> Table:
    lines = application.expenses.filter(phase=ExpenseLine.Phase.ACTUAL).select_related("category")
    rows = [[_p("費目", "cell"), _p("内容", "cell"), _p("補助対象", "cell_centre"), _p("金額（円）", "num")]]
    for line in lines.order_by("id"):
        rows.append(
            [
                _p(line.category.name, "cell"),
                _p(line.description, "cell"),
                _p("○" if line.category.eligible else "対象外", "cell_centre"),
                _p(format_yen(line.amount_yen), "num"),
            ]
        )
    rows.append([_p("経費の合計", "cell"), "", "", _p(format_yen(total), "num")])
    rows.append([_p("うち補助対象経費", "cell"), "", "", _p(format_yen(eligible), "num")])
    table = Table(rows, colWidths=[32 * mm, FRAME_WIDTH - 32 * mm - 20 * mm - 30 * mm, 20 * mm, 30 * mm])
    table.setStyle(
        grid_table_style(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("SPAN", (0, -2), (2, -2)),
                ("SPAN", (0, -1), (2, -1)),
                ("BACKGROUND", (0, -2), (-1, -1), TOTAL_BG),
            ]
        )
    )
    return table


# ---------------------------------------------------------------- the letter's parts


@cache
def _styles() -> dict[str, ParagraphStyle]:
    base = base_style("letter", font_size=10.5, leading=17)
    return styles_from(
        base,
        body={"firstLineIndent": 10.5, "spaceBefore": 6 * mm, "spaceAfter": 5 * mm},
        right={"alignment": TA_RIGHT},
        addressee={"fontSize": 12, "leading": 19},
        issuer={"fontSize": 12, "leading": 19, "alignment": TA_RIGHT, "spaceBefore": 4 * mm},
        title={"fontSize": 15, "leading": 22, "alignment": TA_CENTER, "spaceBefore": 10 * mm},
        centre={"alignment": TA_CENTER, "spaceAfter": 4 * mm},
        closing={"alignment": TA_RIGHT, "spaceBefore": 6 * mm},
        heading={"spaceAfter": 2 * mm},
        label={"fontSize": 10, "leading": 15},
        value={"fontSize": 10, "leading": 15},
        amount={"fontSize": 14, "leading": 20},
        cell={"fontSize": 9, "leading": 13},
        cell_centre={"fontSize": 9, "leading": 13, "alignment": TA_CENTER},
        num={"fontSize": 9, "leading": 13, "alignment": TA_RIGHT},
        note={"fontSize": 9, "leading": 14, "textColor": MUTED},
    )


def _p(text: str, style: str) -> Paragraph:
    return plain(text, _styles()[style])


def _text(text: str) -> Paragraph:
    return _p(text, "value")


def _amount(yen: int) -> Paragraph:
    return _p(f"金 {format_yen(yen)} 円", "amount")


def _letterhead(application: Application, kind: Kind, issued_on: dt.date | None) -> list:
    programme, group = application.programme, application.group
    representative = str(group.representative)
    return [
        _p(document_number(application, kind), "right"),
        _p(wareki_date(issued_on) if issued_on else "", "right"),
        Spacer(0, 8 * mm),
        _p(group.name, "addressee"),
        _p(f"代表者　{representative}　様", "addressee"),
        _p(issuer(application), "issuer"),
        _p(f"{wareki(programme.fiscal_year)}{programme.name}{kind.title}", "title"),
    ]


def _items_table(items: list[tuple[str, Paragraph]]) -> Table:
    rows = [[_p(f"{n}　{label}", "label"), value] for n, (label, value) in enumerate(items, start=1)]
    table = Table(rows, colWidths=[LABEL_WIDTH, FRAME_WIDTH - LABEL_WIDTH])
    table.setStyle(grid_table_style([("BACKGROUND", (0, 0), (0, -1), HEAD_BG)]))
    return table


def _build(story: list, application: Application, kind: Kind) -> bytes:
    return build_pdf(
        story,
        title=f"{kind.title} {application.number}",
        subject=f"{application.group.name} {application.title}",
        author=issuer(application),
        margin=MARGIN,
        top_margin=20 * mm,
        bottom_margin=20 * mm,
    )
