"""An event's door documents: the A4 roster and sign-in sheet (PDF) and the attendance list (XLSX).

Both carry personal data (names, kana, callers' phones): the views and the command give them only to
the event's ward staff and helpers, and every download is audited (`events.download_roster_pdf`,
`events.download_roster_xlsx`). Both are built from `queries.roster_rows`, in kana order, on the
PDF kit and XLSX style every Machi document shares (`machi.core.pdf`, `machi.core.xlsx`).
"""

from dataclasses import dataclass

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from machi.core import pdf, xlsx
from machi.events.models import Event
from machi.events.queries import RosterRow

BLANK_ROWS = 6  # for walk-ins written in by hand


@dataclass(frozen=True)
class Document:
    content: bytes
    filename: str
    content_type: str


def _sessions(event: Event) -> list:
    return list(event.sessions.order_by("position", "starts_at"))


def _when(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local:%Y年%-m月%-d日 %H:%M}"


def _kind(row: RosterRow) -> str:
    registration = row.registration
    if registration.walk_in:
        return "当日"
    return "代理" if registration.on_behalf else "本人"


def roster_pdf(event: Event, rows: list[RosterRow]) -> Document:
    """The roster and sign-in sheet: one line per party in kana order, a box per session (the time where
    already checked in), a column to sign, and blank lines for walk-ins."""
    base = pdf.base_style("door-body", font_size=8.5, leading=11)
    styles = pdf.styles_from(base, title={"fontSize": 15, "leading": 20}, note={"textColor": pdf.MUTED})
    sessions = _sessions(event)
    story = [
        Paragraph("参加者名簿・受付簿", styles["title"]),
        pdf.plain(event.title, base),
        pdf.plain(
            " ／ ".join(f"第{s.position}回 {_when(s.starts_at)}" for s in sessions)
            + (f"　会場：{event.venue_name}" if event.venue_name else ""),
            styles["note"],
        ),
        pdf.plain(
            f"確定 {len(rows)} 組 {sum(r.party_size for r in rows)} 人（定員 {event.capacity_seats} 人）",
            styles["note"],
        ),
        Spacer(1, 4 * mm),
    ]
    head = [
        "No.",
        "受付番号",
        "ふりがな／氏名",
        "人数",
        "電話",
        *[f"第{s.position}回" for s in sessions],
        "署名",
    ]
    table = [head]
    for n, row in enumerate(rows, start=1):
        table.append(
            [
                str(n),
                row.code,
                pdf.plain(f"{row.kana}\n{row.name}" if row.kana else row.name, base),
                str(row.party_size),
                row.phone,
                *[
                    f"済 {timezone.localtime(row.checkins[s.pk].checked_in_at):%H:%M}"
                    if s.pk in row.checkins
                    else "□"
                    for s in sessions
                ],
                "",
            ]
        )
    for n in range(len(rows) + 1, len(rows) + 1 + BLANK_ROWS):
        table.append([str(n), "当日", "", "", "", *["□" for _s in sessions], ""])
    fixed = [10 * mm, 18 * mm, 48 * mm, 10 * mm, 28 * mm]
    session_width = 16 * mm if len(sessions) <= 4 else 11 * mm
    sign = max(pdf.PAGE_WIDTH - 30 * mm - sum(fixed) - session_width * len(sessions), 15 * mm)
    story.append(
        Table(
            table,
            colWidths=[*fixed, *[session_width] * len(sessions), sign],
            repeatRows=1,
            style=pdf.grid_table_style(
                [("FONTSIZE", (0, 0), (-1, -1), 8.5), ("BACKGROUND", (0, 0), (-1, 0), pdf.HEAD_BG)]
            ),
        )
    )
    day = timezone.localdate()
    content = pdf.build_pdf(
        story,
        title=f"参加者名簿・受付簿 {event.title}",
        subject="参加者名簿・受付簿",
        canvasmaker=pdf.footer_canvas(f"{event.title}（個人情報を含みます。取扱注意）", pdf.date_ja(day)),
    )
    return Document(content, f"名簿_{event.title}_{event.pk}.pdf", pdf.PDF_TYPE)


def attendance_xlsx(event: Event, rows: list[RosterRow]) -> Document:
    """The attendance list: each party with its check-in (when, by whom) at every session, no-show and fee."""
    sessions = _sessions(event)
    workbook = xlsx.new_workbook()
    sheet = workbook.create_sheet("出席者一覧")
    columns = [
        ("受付番号", 11),
        ("ふりがな", 18),
        ("氏名", 18),
        ("人数", 7),
        ("電話", 15),
        ("申込", 7),
        *[(f"第{s.position}回 受付", 17) for s in sessions],
        *[(f"第{s.position}回 受付者", 14) for s in sessions],
        ("欠席", 7),
        ("参加費（円）", 11),
    ]
    line = xlsx.start_table(sheet, title=f"出席者一覧　{event.title}", unit=None, columns=columns)
    for row in rows:
        registration = row.registration
        xlsx.text(sheet.cell(line, 1), row.code)
        xlsx.text(sheet.cell(line, 2), row.kana)
        xlsx.text(sheet.cell(line, 3), row.name)
        xlsx.number(sheet.cell(line, 4), row.party_size, xlsx.COUNT_FORMAT)
        xlsx.text(sheet.cell(line, 5), row.phone)
        xlsx.text(sheet.cell(line, 6), _kind(row))
        for i, session in enumerate(sessions):
            checkin = row.checkins.get(session.pk)
            when = timezone.localtime(checkin.checked_in_at).replace(tzinfo=None) if checkin else None
            xlsx.number(sheet.cell(line, 7 + i), when, "yyyy/m/d h:mm", none="")
            by = str(checkin.checked_in_by) if checkin and checkin.checked_in_by else ""
            xlsx.text(sheet.cell(line, 7 + len(sessions) + i), by)
        xlsx.text(sheet.cell(line, 7 + 2 * len(sessions)), "欠席" if registration.no_show else "")
        xlsx.number(sheet.cell(line, 8 + 2 * len(sessions)), registration.fee_paid_yen, none="")
        line += 1
    return Document(
        xlsx.to_bytes(lambda stream: workbook.save(stream)),
        f"出席者一覧_{event.title}_{event.pk}.xlsx",
        xlsx.XLSX_TYPE,
    )
