"""The events as the national standard open dataset イベント一覧, in and out as CSV.

The file has the 32 columns of the 推奨データセット イベント一覧 (都道府県コード又は市区町村コード, NO,
都道府県名, 市区町村名, イベント名 … 備考); the labels of the current 自治体標準オープンデータセット
(全国地方公共団体コード, ID, 地方公共団体名, イベント名_英字, 所在地_連結表記 …) and English labels
(Event name, Start date …) are read as the same columns. Machi's own columns follow the 32:

- 事業年度 and 事業No: the ledger project the event belongs to (an event always has one). A file
  without them takes the project from the import's `project` option (`--project 2026:3`, the No. in the
  row's ward); a row's own columns win over the option.
- 種類: 講座, 講演会 … (empty: その他).
- 開催日時: every session, 「2026-05-10 10:00-12:00; 2026-05-17 10:00-12:00」, so a course's series
  survives the round trip. Without it, 開始日–終了日 with 開始時間–終了時間 is one session, or one a day
  when the dates differ (a festival over two days).

Import is all or nothing: every problem of every row is reported with its row and column, and only a
file without any is written. An event already there (same project, name and first session) is left
as it is. Events are created published (the file is the public list), through the same actions staff
use (`actions.create_event`, `actions.publish_event`), so every rule is the same; a refusal of an
action is reported at its row. 参加申込終了日 (and 時間) closes registration (by default when the
first session starts); registration opens on import (or 30 days before it closes, for a past event);
cancelling is allowed until registration closes. 参加申込方法 containing 抽選 draws places by lottery.
料金(基本) is 無料 (or empty) or the fee in yen. Dates as people write them: 2026-05-10, 2026/5/10,
令和8年5月10日 (`core.fiscal.parse_date`; 令和4年2月30日 is refused at its cell).

Export writes the public events (受付中, 受付終了, 開催済み) in the same columns, UTF-8 with BOM (Excel
opens it as UTF-8) or CP932, CRLF; no registrant's data. The file guards (size, binary, encoding,
formulas) and the table reading are those of `core.importing` and the centres' importer.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from machi.core import importing
from machi.core.fiscal import parse_date, parse_fiscal_year
from machi.core.importing import ImportRefused, Problem, Where, escape_formula
from machi.core.lgcode import prefecture_name
from machi.core.mail import absolute_url
from machi.core.money import YEN, AmountError, parse_amount
from machi.core.text import normalize
from machi.events.models import Event
from machi.facilities.exporters import _decimal
from machi.facilities.importers import Reading as _Reading
from machi.facilities.importers import (
    _coordinate,
    _label_table,
    _lg_code,
    _open_table,
    _phone,
    _project_no,
    _Row,
    _text,
    _url,
    parse_time,
)

STANDARD_COLUMNS = (
    "都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "イベント名", "イベント名_カナ",
    "イベント名_英語", "開始日", "終了日", "開始時間", "終了時間", "開始日時特記事項", "説明", "料金(基本)",
    "料金(詳細)", "連絡先名称", "連絡先電話番号", "連絡先内線番号", "主催者", "場所名称", "住所", "方書",
    "緯度", "経度", "アクセス方法", "駐車場情報", "定員", "参加申込終了日", "参加申込終了時間",
    "参加申込方法", "URL", "備考",
)  # fmt: skip
# The current 自治体標準オープンデータセット's labels, and English ones, for the same columns.
STANDARD_ALIASES = {
    "都道府県コード又は市区町村コード": ("全国地方公共団体コード", "地方公共団体コード", "市区町村コード", "Local government code", "lg_code"),
    "NO": ("ID", "No.", "番号"),
    "都道府県名": ("Prefecture",),
    "市区町村名": ("地方公共団体名", "Municipality"),
    "イベント名": ("名称", "Event name", "Name", "Title"),
    "イベント名_カナ": ("イベント名カナ", "名称_カナ", "Event name kana", "Kana"),
    "イベント名_英語": ("イベント名_英字", "名称_英字", "Event name English", "Name (English)"),
    "開始日": ("Start date",),
    "終了日": ("End date",),
    "開始時間": ("Start time",),
    "終了時間": ("End time",),
    "開始日時特記事項": ("Date notes", "Schedule notes"),
    "説明": ("概要", "Description"),
    "料金(基本)": ("料金", "Fee"),
    "料金(詳細)": ("Fee details",),
    "連絡先名称": ("連絡先", "Contact"),
    "連絡先電話番号": ("電話番号", "Contact phone", "Phone"),
    "連絡先内線番号": ("内線番号", "Extension"),
    "主催者": ("Organizer", "Organiser"),
    "場所名称": ("会場", "会場名", "Venue"),
    "住所": ("所在地_連結表記", "所在地", "Address"),
    "方書": ("所在地_方書", "建物名等(方書)", "Address extra"),
    "緯度": ("Latitude",),
    "経度": ("Longitude",),
    "アクセス方法": ("Access",),
    "駐車場情報": ("Parking",),
    "定員": ("Capacity",),
    "参加申込終了日": ("申込締切日", "Registration end date"),
    "参加申込終了時間": ("申込締切時間", "Registration end time"),
    "参加申込方法": ("申込方法", "How to register"),
    "URL": ("ホームページ", "Website"),
    "備考": ("Notes", "Remarks"),
}  # fmt: skip
EXTRA_COLUMNS = ("事業年度", "事業No", "種類", "開催日時")
EXTRA_ALIASES = {
    "事業年度": ("Fiscal year",),
    "事業No": ("事業No.", "事業番号", "Project no"),
    "種類": ("Kind",),
    "開催日時": ("Sessions",),
}
COLUMNS = STANDARD_COLUMNS + EXTRA_COLUMNS
ENCODINGS = {
    "utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-8-sig": "utf-8-sig",
    "cp932": "cp932", "sjis": "cp932", "shift-jis": "cp932", "windows-31j": "cp932",
}  # fmt: skip
FREE = ("", "無料", "0", "0円", "なし", "free")
MAX_SESSIONS = 60
_SESSION = re.compile(r"^(\S+?)\s*(\d{1,2}:\d{2})\s*[-~～〜]\s*(\d{1,2}:\d{2})$")


@dataclass
class EventRow:
    where: Where
    ward_text: str
    lg_code: str
    project: tuple[int, int] | None
    values: dict
    sessions: list[tuple[datetime.datetime, datetime.datetime]]
    closes_at: datetime.datetime | None


@dataclass
class ImportReport:
    source: str
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed_anything(self) -> bool:
        return bool(self.created)

    def summary(self) -> str:
        head = "【試行・書き込みなし】" if self.dry_run else ""
        return f"{head}{self.source}: 催しを新規 {len(self.created)} 件、変更なし {len(self.unchanged)} 件"


# --- Reading ---------------------------------------------------------------------------------


def read_events(data: bytes, source: str) -> _Reading:
    """Rows and problems from the file's bytes (UTF-8 with or without BOM, or CP932); writes nothing."""
    reading = _Reading()
    labels = _label_table(COLUMNS, STANDARD_ALIASES | EXTRA_ALIASES)
    columns, records = _open_table(data, source, labels, reading)
    if "イベント名" not in columns:
        reading.problems.append(Problem(source, 1, "イベント名", "必須の列がありません"))
    if "開始日" not in columns and "開催日時" not in columns:
        reading.problems.append(
            Problem(source, 1, "開始日", "必須の列がありません（開始日、または開催日時）")
        )
    if not {"都道府県コード又は市区町村コード", "市区町村名"} & columns.keys():
        reading.problems.append(
            Problem(source, 1, "市区町村名", "区を示す列（団体コードまたは市区町村名）がありません")
        )
    if reading.problems:
        raise ImportRefused(reading.problems)
    for where, cells in records:
        row = _event_row(_Row(where, cells, reading))
        if row is not None:
            reading.rows.append(row)
    return reading


def _event_row(row: _Row) -> EventRow | None:
    values: dict = {}
    values["title"] = row.take("イベント名", lambda v: _text(v, 200))
    if values["title"] == "":
        row.problem("イベント名", "イベント名が空です")
    values["title_kana"] = row.take("イベント名_カナ", lambda v: _text(v, 200)) or ""
    if values["title_kana"] == "" and not row.broken:
        row.problem(
            "イベント名_カナ",
            "イベント名の読み（カナ）を入力してください（電話で申し込む方の名簿に使います）",
        )
    values["title_en"] = row.take("イベント名_英語", lambda v: _text(v, 200)) or ""
    description = row.take("説明", lambda v: _text(v, 4000, multiline=True)) or ""
    notes = [
        (label, row.take(column, lambda v: _text(v, 1000, multiline=True)) or "")
        for column, label in (
            ("料金(詳細)", "料金"),
            ("アクセス方法", "アクセス"),
            ("駐車場情報", "駐車場"),
            ("備考", "備考"),
        )
    ]
    values["description"] = "\n".join(
        [description, *(f"{label}: {text}" for label, text in notes if text)]
    ).strip()
    contact = row.take("連絡先名称", lambda v: _text(v, 150)) or ""
    phone = row.take("連絡先電話番号", lambda v: _phone(v, "連絡先電話番号")) or ""
    extension = row.take("連絡先内線番号", lambda v: _phone(v, "連絡先内線番号")) or ""
    values["contact"] = " ".join(
        part for part in (contact, phone, f"内線 {extension}" if extension else "") if part
    )[:200]
    values["venue_name"] = row.take("場所名称", lambda v: _text(v, 200)) or ""
    address = row.take("住所", lambda v: _text(v, 300)) or ""
    extra = row.take("方書", lambda v: _text(v, 200)) or ""
    values["venue_address"] = " ".join(part for part in (address, extra) if part)[:300]
    latitude = row.take("緯度", lambda v: _coordinate(v, 90, "緯度"))
    longitude = row.take("経度", lambda v: _coordinate(v, 180, "経度"))
    if (latitude is None) != (longitude is None) and not row.broken:
        row.problem(
            "経度" if longitude is None else "緯度", "緯度と経度は両方入力するか、両方空欄にしてください"
        )
    values["latitude"], values["longitude"] = latitude, longitude
    values["capacity_seats"] = row.take("定員", _capacity)
    values["fee_yen"] = row.take("料金(基本)", _fee)
    values["kind"] = row.take("種類", _kind)
    method = normalize(row.cells.get("参加申込方法", ""))
    values["allocation"] = Event.Allocation.LOTTERY if "抽選" in method else Event.Allocation.FIRST_COME
    row.take("URL", _url)  # checked, not kept: the event's URL is its Machi page
    lg_code = row.take("都道府県コード又は市区町村コード", _lg_code) or ""
    ward_text = row.take("市区町村名", lambda v: normalize(_text(v, 100))) or ""
    if not lg_code and not ward_text and not row.broken:
        row.problem("市区町村名", "区がわかりません（団体コードか市区町村名を入力してください）")

    project = None
    if row.has("事業年度") or row.has("事業No"):
        year = row.take("事業年度", lambda v: parse_fiscal_year(v) if normalize(v) else None)
        no = row.take("事業No", _project_no)
        if (year is None) != (no is None) and not row.broken:
            row.problem(
                "事業No" if no is None else "事業年度",
                "事業年度と事業No.は両方入力するか、両方空欄にしてください",
            )
        elif year is not None:
            project = (year, no)

    sessions = _sessions(row)
    closes_at = None
    if normalize(row.cells.get("参加申込終了日", "")):
        day = row.take("参加申込終了日", parse_date)
        at = row.take("参加申込終了時間", lambda v: parse_time(v, datetime.time(23, 59)))
        if day is not None and at is not None:
            closes_at = timezone.make_aware(datetime.datetime.combine(day, at))
    if row.broken:
        return None
    return EventRow(
        where=row.where,
        ward_text=ward_text,
        lg_code=lg_code,
        project=project,
        values=values,
        sessions=sessions,
        closes_at=closes_at,
    )


def _sessions(row: _Row) -> list:
    """開催日時 when the file has it, else 開始日–終了日 × 開始時間–終了時間."""
    listed = normalize(row.cells.get("開催日時", ""))
    if listed:
        return row.take("開催日時", parse_sessions) or []
    first = row.take("開始日", lambda v: parse_date(v) if normalize(v) else None)
    last = row.take("終了日", lambda v: parse_date(v) if normalize(v) else None)
    starts = row.take("開始時間", lambda v: parse_time(v, datetime.time(0, 0)) if normalize(v) else None)
    ends = row.take("終了時間", lambda v: parse_time(v, datetime.time(23, 59)) if normalize(v) else None)
    if first is None:
        if not row.broken:
            row.problem("開始日", "開始日を入力してください")
        return []
    last = last or first
    if last < first:
        row.problem("終了日", f"終了日（{last}）が開始日（{first}）より前です")
        return []
    if (last - first).days >= MAX_SESSIONS:
        row.problem("終了日", f"開始日から終了日までが長すぎます（{MAX_SESSIONS}日まで）")
        return []
    starts = starts or datetime.time(0, 0)
    ends = ends or datetime.time(23, 59)
    if ends <= starts:
        row.problem("終了時間", f"終了時間（{ends:%H:%M}）が開始時間（{starts:%H:%M}）より後ではありません")
        return []
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    return [(_aware(day, starts), _aware(day, ends)) for day in days]


def parse_sessions(value: str) -> list:
    """「2026-05-10 10:00-12:00; 2026-05-17 10:00-12:00」 → [(start, end), …] (Tokyo time)."""
    parts = [part.strip() for part in re.split(r"[;；\n]", normalize(value)) if part.strip()]
    if len(parts) > MAX_SESSIONS:
        raise ValueError(f"開催日時が多すぎます（{MAX_SESSIONS}回まで）")
    sessions = []
    for part in parts:
        match = _SESSION.fullmatch(part)
        if not match:
            raise ValueError(f"開催日時は「2026-05-10 10:00-12:00」のように書いてください: {part!r}")
        day = parse_date(match.group(1))
        starts = parse_time(match.group(2), datetime.time(0, 0))
        ends = parse_time(match.group(3), datetime.time(0, 0))
        if ends <= starts:
            raise ValueError(f"{part}: 終了時刻が開始時刻より後ではありません")
        sessions.append((_aware(day, starts), _aware(day, ends)))
    return sorted(sessions)


def _aware(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, at))


def _capacity(value: str) -> int:
    text = normalize(value).replace(" ", "").replace(",", "").removesuffix("人").removesuffix("名")
    if not text:
        raise ValueError("定員を入力してください（1人以上）")
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise ValueError(f"定員は1〜100000の整数（人）です: {value!r}")
    return int(text)


def _fee(value: str) -> int | None:
    text = normalize(value).replace(" ", "")
    if text.casefold() in FREE:
        return None
    try:
        yen = parse_amount(text.removesuffix("円"), unit=YEN)
    except AmountError as error:
        raise ValueError(f"料金(基本)は「無料」か金額（円）です: {value!r}（{error}）") from None
    if yen is None or yen < 0:
        raise ValueError(f"料金(基本)は「無料」か0円以上の金額（円）です: {value!r}")
    return yen or None


def _kind(value: str) -> str:
    text = normalize(value).replace(" ", "")
    if not text:
        return Event.Kind.OTHER
    with translation.override("ja"):
        for kind, label in Event.Kind.choices:
            if text in (kind, normalize(str(label)).replace(" ", "")):
                return kind
        known = "、".join(str(label) for _kind, label in Event.Kind.choices)
    raise ValueError(f"種類は {known} のいずれかです: {value!r}")


# --- Importing -------------------------------------------------------------------------------


def import_path(path: Path, *, actor, project: str | None = None, dry_run: bool = False) -> ImportReport:
    path = Path(path)
    if not path.is_file():
        raise ImportRefused([Problem(str(path), None, None, "ファイルがありません")])
    return import_events(
        importing.read_limited(path), source=path.name, actor=actor, project=project, dry_run=dry_run
    )


def parse_project_option(text: str) -> tuple[int, int]:
    """`--project 2026:3` or `令和8年度:3`: the fiscal year and the project's No. (in each row's ward)."""
    year, _colon, no = normalize(text).rpartition(":")
    if not year or not no:
        raise ValueError(f"事業は「2026:3」（年度:事業No.）のように指定してください: {text!r}")
    return parse_fiscal_year(year), _project_no(no)


def import_events(
    data: bytes, *, source: str, actor, project: str | tuple[int, int] | None = None, dry_run: bool = False
) -> ImportReport:
    """Read, check and write the file's events, all or nothing (`dry_run`: checked and rolled back)."""
    from machi.events import actions
    from machi.facilities.actions.centre_import import _ward_for
    from machi.ledger.models import Project, Ward

    default_project = parse_project_option(project) if isinstance(project, str) else project
    reading = read_events(data, source)
    problems = list(reading.problems)
    report = ImportReport(source=source, warnings=list(reading.warnings), dry_run=dry_run)
    wards = list(Ward.objects.all())
    projects = {
        (p.programme.ward_id, p.programme.fiscal_year, p.no): p
        for p in Project.objects.select_related("programme__ward").exclude(no=None)
    }
    now = timezone.now()
    with transaction.atomic():
        for row in reading.rows:
            ward, why = _ward_for(row.ward_text, row.lg_code, wards)
            if ward is None:
                problems.append(Problem.at(row.where, "市区町村名", why))
                continue
            wanted = row.project or default_project
            if wanted is None:
                problems.append(
                    Problem.at(
                        row.where,
                        "事業No",
                        "事業がわかりません（事業年度・事業No列か --project で指定してください）",
                    )
                )
                continue
            found = projects.get((ward.pk, *wanted))
            if found is None:
                problems.append(
                    Problem.at(
                        row.where, "事業No", f"{ward.name}の{wanted[0]}年度 No.{wanted[1]} の事業がありません"
                    )
                )
                continue
            label = f"{ward.name} {row.values['title']}（{row.sessions[0][0]:%Y-%m-%d}）"
            if Event.objects.filter(
                project=found, title=row.values["title"], sessions__starts_at=row.sessions[0][0]
            ).exists():
                report.unchanged.append(label)
                continue
            first_start = row.sessions[0][0]
            closes = row.closes_at or first_start
            opens = min(now, closes - datetime.timedelta(days=30))
            values = {k: v for k, v in row.values.items() if v is not None}
            values.setdefault("kind", Event.Kind.OTHER)
            try:
                with transaction.atomic():
                    event = actions.create_event(
                        actor=actor,
                        project=found,
                        ward=ward,
                        registration_opens_at=opens,
                        registration_closes_at=closes,
                        cancel_until=closes,
                        sessions=row.sessions,
                        **values,
                    )
                    actions.publish_event(actor=actor, event=event)
            except actions.EventRefused as refusal:
                problems.append(Problem.at(row.where, _column_of(refusal), " ".join(refusal.messages)))
                continue
            report.created.append(label)
        if problems:
            transaction.set_rollback(True)
            raise ImportRefused(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
        if dry_run:
            transaction.set_rollback(True)
    return report


_REFUSAL_COLUMNS = {
    "events.capacity": "定員",
    "events.window": "参加申込終了日",
    "events.session_order": "終了時間",
    "events.no_session": "開始日",
    "events.max_party": "定員",
}


def _column_of(refusal) -> str | None:
    return _REFUSAL_COLUMNS.get(getattr(refusal, "code", None))


# --- Exporting -------------------------------------------------------------------------------


def events_for_export(*, ward=None, fiscal_year: int | None = None):
    events = (
        Event.objects.published()
        .select_related("ward", "project__programme", "organiser_group", "venue_room__centre")
        .prefetch_related("sessions")
    )
    if ward is not None:
        events = events.filter(ward=ward)
    if fiscal_year is not None:
        events = events.filter(project__programme__fiscal_year=fiscal_year)
    return events.order_by("ward__code", "registration_closes_at", "pk")


def export_events(stream, *, events=None, encoding: str = "utf-8", request=None, **filters) -> int:
    """Write the public events to a binary stream as イベント一覧 CSV; returns the number of rows.

    `encoding`: utf-8 (with a BOM) or cp932. A character CP932 has no code for is refused, naming the
    event, rather than written as "?".
    """
    codec = ENCODINGS.get(normalize(encoding).casefold().replace("_", "-"))
    if codec is None:
        raise ValueError(f"文字コードは utf-8 か cp932 です: {encoding!r}")
    events = events_for_export(**filters) if events is None else events
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    with translation.override("ja"):
        for event in events:
            row = event_row(event, request=request)
            if codec == "cp932":
                _check_cp932(event, row)
            writer.writerow(row)
            count += 1
    stream.write(text.getvalue().encode(codec))
    return count


def _check_cp932(event: Event, row: list) -> None:
    for column, value in zip(COLUMNS, row, strict=True):
        try:
            str(value).encode("cp932")
        except UnicodeEncodeError as error:
            raise ValueError(
                f"催し「{event.title}」（id {event.pk}）の「{column}」に CP932 で書けない文字"
                f"「{error.object[error.start : error.end]}」があります。UTF-8 で出力してください"
            ) from None


def event_row(event: Event, *, request=None) -> list:
    ward = event.ward
    sessions = sorted(event.sessions.all(), key=lambda s: (s.starts_at, s.pk))
    first = timezone.localtime(sessions[0].starts_at) if sessions else None
    first_end = timezone.localtime(sessions[0].ends_at) if sessions else None
    last = timezone.localtime(sessions[-1].starts_at) if sessions else None
    closes = timezone.localtime(event.registration_closes_at)
    room = event.venue_room
    venue = event.venue_name or (f"{room.centre.name} {room.name}" if room else "")
    address = event.venue_address or (room.centre.address if room else "")
    latitude = event.latitude if event.latitude is not None else (room.centre.latitude if room else None)
    longitude = event.longitude if event.longitude is not None else (room.centre.longitude if room else None)
    organiser = event.organiser_group.name if event.organiser_group_id else f"{ward.city_name}{ward.name}役所"
    notes = []
    if len(sessions) > 1:
        notes.append(f"全{len(sessions)}回")
    if event.status == Event.Status.HELD:
        notes.append("開催済み")
    demo = " デモ用のデータです" if event.project.programme.is_demo else ""
    return [
        ward.code,
        event.pk,
        prefecture_name(ward.code),
        f"{ward.city_name}{ward.name}",
        _out(event.title),
        _out(event.title_kana),
        _out(event.title_en),
        f"{first:%Y-%m-%d}" if first else "",
        f"{last:%Y-%m-%d}" if last else "",
        f"{first:%H:%M}" if first else "",
        f"{first_end:%H:%M}" if first_end else "",
        "、".join(notes),
        _out(event.description),
        "無料" if not event.fee_yen else event.fee_yen,
        "" if not event.fee_yen else "当日会場でお支払いください",
        _out(event.contact),
        "",
        "",
        _out(organiser),
        _out(venue),
        _out(address),
        "",
        _decimal(latitude),
        _decimal(longitude),
        "",
        "",
        event.capacity_seats,
        f"{closes:%Y-%m-%d}",
        f"{closes:%H:%M}",
        f"{event.get_allocation_display()}（Machiの催しのページ、または{ward.name}役所へ電話・窓口で）",
        event_url(event, request),
        ("区のまちづくり推進経費の事業: " + event.project.name + demo).strip(),
        event.project.programme.fiscal_year,
        event.project.no if event.project.no is not None else "",
        event.get_kind_display(),
        "; ".join(
            f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M}-{timezone.localtime(s.ends_at):%H:%M}"
            for s in sessions
        ),
    ]


def event_url(event: Event, request=None) -> str:
    """The event's public page."""
    return absolute_url(reverse("events:event", args=[event.pk]), request)


def _out(value: str) -> str:
    return escape_formula(value or "")
