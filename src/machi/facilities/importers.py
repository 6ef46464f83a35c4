"""Centres from the Digital Agency's 公共施設一覧 CSV, and their rooms from a small rooms CSV.

The centres file has the 24 columns of the 推奨データセット 公共施設一覧 (都道府県コード又は
市区町村コード, NO, 都道府県名, 市区町村名, 名称 … 備考); the labels of the current 自治体標準
データセット (全国地方公共団体コード, ID, 地方公共団体名, 所在地_連結表記 …) are read as the
same columns. What the standard has no column for comes after the 24 as extra columns:
校区, the ledger project (事業年度 + 事業No), and the 減免 percentages (減免率_自治会 …).

A column the file does not have leaves that part of an existing centre as it is; a
column that is there but empty clears it (or sets the default: every day, 9:00–21:00).
利用可能日時特記事項 carries the closure rules in words: 「年末年始（12月29日～1月3日）休館」
or 「年末年始も開館」, 「祝日休館」 or 「祝日も開館」.

Reading is pure: it turns a file into rows and problems. `actions.import_centres`
then matches the rows to the database (ward + normalised name) and writes them all or
nothing. The file guards (size, binary, encoding, formulas) are `machi.core.importing`'s.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from machi.accounts.models import CommunityGroup
from machi.core import importing
from machi.core.fiscal import parse_fiscal_year
from machi.core.importing import FORMULA_CHARACTERS, ImportRefused, Problem, Where, check_text
from machi.core.money import YEN, AmountError, parse_amount
from machi.core.text import clean_display, name_key, normalize
from machi.facilities.models import WEEKDAY_LABELS

MAX_COLUMNS = 80
MAX_ROWS = 10_000

# The 24 columns of 公共施設一覧, in the standard's order.
STANDARD_COLUMNS = (
    "都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "名称", "名称_カナ", "名称_通称",
    "POIコード", "住所", "方書", "緯度", "経度", "電話番号", "内線番号", "法人番号", "団体名",
    "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項", "説明", "バリアフリー情報", "URL", "備考",
)  # fmt: skip
# Other labels for the same columns: the current 自治体標準データセット and common variants.
STANDARD_ALIASES = {
    "都道府県コード又は市区町村コード": ("全国地方公共団体コード", "市区町村コード", "団体コード", "地方公共団体コード"),
    "NO": ("ID", "No.", "番号"),
    "市区町村名": ("地方公共団体名",),
    "名称_カナ": ("名称カナ", "名称(カナ)"),
    "名称_通称": ("通称",),
    "住所": ("所在地_連結表記", "所在地"),
    "方書": ("建物名等(方書)", "所在地_方書", "建物名等"),
    "URL": ("ホームページ", "URL(ホームページ)"),
}  # fmt: skip
EXEMPTION_PREFIX = "減免率_"
EXTRA_COLUMNS = (
    "校区",
    "事業年度",
    "事業No",
    *(f"{EXEMPTION_PREFIX}{label}" for _kind, label in CommunityGroup.Kind.choices),
)
EXTRA_ALIASES = {"事業No": ("事業No.", "事業番号")}
CENTRE_COLUMNS = STANDARD_COLUMNS + EXTRA_COLUMNS
EXEMPTION_COLUMNS = {f"{EXEMPTION_PREFIX}{label}": kind for kind, label in CommunityGroup.Kind.choices}

ROOM_COLUMNS = (
    "区", "センター名", "部屋名", "定員（人）", "設備", "使用料（円／1区分）", "承認が必要", "1回に予約できる区分の数",
)  # fmt: skip
ROOM_ALIASES = {
    "区": ("区名", "全国地方公共団体コード", "市区町村名"),
    "センター名": ("センター", "施設名", "名称"),
    "部屋名": ("部屋", "室名"),
    "定員（人）": ("定員",),
    "使用料（円／1区分）": ("使用料", "1区分の使用料", "料金"),
    "承認が必要": ("承認制", "要承認", "管理者の承認"),
    "1回に予約できる区分の数": ("1回の区分数の上限", "最大区分数"),
}  # fmt: skip

# Text fields: column → (model field, length limit, multi-line).
CENTRE_TEXT = {
    "名称": ("name", 200, False),
    "名称_カナ": ("name_kana", 200, False),
    "名称_通称": ("name_common", 200, False),
    "住所": ("address", 300, False),
    "方書": ("address_extra", 200, False),
    "団体名": ("operator", 200, False),
    "説明": ("description", 4000, True),
    "バリアフリー情報": ("barrier_free", 4000, True),
    "備考": ("notes", 4000, True),
    "校区": ("school_district", 50, False),
}
DEFAULT_HOURS = (datetime.time(9, 0), datetime.time(21, 0))
ALL_WEEKDAYS = "0123456"

YEAR_END_CLOSED = "年末年始（12月29日～1月3日）休館"
YEAR_END_OPEN = "年末年始も開館"
HOLIDAYS_CLOSED = "祝日休館"
HOLIDAYS_OPEN = "祝日も開館"
_RANGE_MARKS = str.maketrans({c: "~" for c in "～〜~ー－-‐―—–"})
_TILDES = str.maketrans({c: "~" for c in "～〜"})
_YEAR_END = re.compile(
    r"^年末年始(?:\(12月29日~1月3日\))?(?:は|の)?(休館|休み|休業|閉館)日?$|^年末年始(?:も|は)?(開館|利用可)$"
)
_HOLIDAYS = re.compile(
    r"^(?:国民の)?祝(?:日|祭日)(?:・休日)?(?:は|も)?(休館|休み|休業|閉館)日?$|^(?:国民の)?祝(?:日|祭日)(?:・休日)?(?:も|は)?(開館|利用可)$"
)


@dataclass
class CentreRow:
    where: Where
    lg_code: str
    prefecture: str
    municipality: str
    values: dict  # model field → value, for the columns the file has
    project: tuple[int, int] | None = None  # (fiscal year, No.)
    has_project: bool = False  # the file has the project columns (absent: keep the centre's project)
    exemptions: dict = field(default_factory=dict)  # group kind → percent or None, for the file's columns

    @property
    def name(self) -> str:
        return self.values["name"]


@dataclass
class RoomRow:
    where: Where
    ward: str
    centre: str
    values: dict


@dataclass
class Reading:
    rows: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Names of the rows that could not be read, so the rooms of such a centre are not also reported.
    unreadable_names: set[str] = field(default_factory=set)


# --- Files -------------------------------------------------------------------------------


def read_centres_path(path: Path) -> Reading:
    return read_centres(importing.read_limited(path), path.name)


def read_rooms_path(path: Path) -> Reading:
    return read_rooms(importing.read_limited(path), path.name)


def import_path(path: Path, *, actor, rooms: Path | None = None, dry_run: bool = False, source: str = ""):
    """Import a centres CSV (and a rooms CSV), or a folder holding centres.csv and rooms.csv.

    Both files are read and checked before anything is written; every problem of both
    is reported at once, and any problem writes nothing.
    """
    from machi.facilities.actions import import_centres

    path = Path(path)
    if path.is_dir():
        folder = path
        path = folder / "centres.csv"
        if rooms is None and (folder / "rooms.csv").exists():
            rooms = folder / "rooms.csv"
    for file in (path, rooms):
        if file is not None and not file.is_file():
            raise ImportRefused([Problem(str(file), None, None, "ファイルがありません")])
    centres = read_centres_path(path)
    room_rows = read_rooms_path(rooms) if rooms is not None else Reading()
    return import_centres(
        actor=actor,
        centres=centres,
        rooms=room_rows,
        source=source or path.name,
        dry_run=dry_run,
    )


# --- Tables ------------------------------------------------------------------------------


def header_key(label: str) -> str:
    """A header cell as labels are compared: NFKC, no spaces, lower case, no trailing （…） unit."""
    key = normalize(label).replace(" ", "").casefold()
    return re.sub(r"\([^()]*\)$", "", key) or key


def _label_table(columns, aliases) -> dict[str, str]:
    table = {}
    for column in columns:
        for label in (column, *aliases.get(column, ())):
            table.setdefault(header_key(label), column)
            table.setdefault(normalize(label).replace(" ", "").casefold(), column)
    return table


def _open_table(data: bytes, source: str, labels: dict[str, str], reading: Reading):
    """The columns found in the header, and an iterator of (Where, {column: cell}) for each record."""
    text = importing.decode_text(data, source)
    csv.field_size_limit(100_000)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ImportRefused([Problem(source, 1, None, f"CSVとして読めません: {error}")]) from None
    if not header or not any(cell.strip() for cell in header):
        raise ImportRefused([Problem(source, None, None, "空のファイルです")])
    if len(header) > MAX_COLUMNS:
        raise ImportRefused(
            [Problem(source, 1, None, f"列が多すぎます（{len(header)}列、上限 {MAX_COLUMNS}列）")]
        )
    columns: dict[str, int] = {}
    ignored = []
    for index, label in enumerate(header):
        plain = normalize(label).replace(" ", "").casefold()
        column = labels.get(plain) or labels.get(header_key(label))
        if column is None:
            if normalize(label):
                ignored.append(normalize(label))
        elif column in columns:
            reading.problems.append(Problem(source, 1, column, "同じ列が2回あります"))
        else:
            columns[column] = index
    if ignored:
        reading.warnings.append(f"{source}: 取り込まない列: {'、'.join(ignored)}")

    def records():
        try:
            for line_no, record in enumerate(reader, start=2):
                if line_no > MAX_ROWS + 1:
                    raise ImportRefused(
                        [Problem(source, line_no, None, f"行が多すぎます（上限 {MAX_ROWS}行）")]
                    )
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) > len(header):
                    reading.problems.append(Problem(source, line_no, None, "見出しより列が多い行です"))
                    continue
                yield (
                    Where(source, line_no),
                    {c: (record[i] if i < len(record) else "") for c, i in columns.items()},
                )
        except csv.Error as error:
            raise ImportRefused(
                [Problem(source, reader.line_num, None, f"CSVとして読めません: {error}")]
            ) from None

    return columns, records()


class _Row:
    """One record being read: each parse records its problem at (row, column) and returns None."""

    def __init__(self, where: Where, cells: dict, reading: Reading):
        self.where, self.cells, self.reading = where, cells, reading
        self.before = len(reading.problems)

    def has(self, column: str) -> bool:
        return column in self.cells

    def take(self, column: str, parse):
        try:
            return parse(self.cells.get(column, ""))
        except (ValueError, AmountError, ValidationError) as error:
            message = "、".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.problem(column, message)
            return None

    def problem(self, column: str | None, message: str) -> None:
        self.reading.problems.append(Problem.at(self.where, column, message))

    @property
    def broken(self) -> bool:
        return len(self.reading.problems) > self.before


# --- Centres -----------------------------------------------------------------------------


def read_centres(data: bytes, source: str) -> Reading:
    reading = Reading()
    labels = _label_table(CENTRE_COLUMNS, STANDARD_ALIASES | EXTRA_ALIASES)
    columns, records = _open_table(data, source, labels, reading)
    if "名称" not in columns:
        reading.problems.append(Problem(source, 1, "名称", "必須の列がありません"))
    if not {"都道府県コード又は市区町村コード", "市区町村名"} & columns.keys():
        reading.problems.append(
            Problem(
                source,
                1,
                "都道府県コード又は市区町村コード",
                "区を示す列（団体コードまたは市区町村名）がありません",
            )
        )
    if reading.problems:
        raise ImportRefused(reading.problems)
    poi_codes = 0
    for where, cells in records:
        poi_codes += bool(normalize(cells.get("POIコード", "")))
        row = _centre_row(_Row(where, cells, reading))
        if row is not None:
            reading.rows.append(row)
    if poi_codes:
        reading.warnings.append(
            f"{source}: POIコード（{poi_codes} 件）は保存しません（出力では空欄になります）"
        )
    return reading


def _centre_row(row: _Row) -> CentreRow | None:
    values: dict = {}
    for column, (field_name, limit, multiline) in CENTRE_TEXT.items():
        if row.has(column):
            values[field_name] = row.take(column, lambda v, n=limit, m=multiline: _text(v, n, multiline=m))
    if "name" in values and values["name"] == "":
        row.problem("名称", "名称が空です")
    lg_code = row.take("都道府県コード又は市区町村コード", _lg_code) or ""
    prefecture = row.take("都道府県名", lambda v: normalize(_text(v, 20))) or ""
    municipality = row.take("市区町村名", lambda v: name_key(_text(v, 100))) or ""
    if not normalize(row.cells.get("都道府県コード又は市区町村コード", "")) and not municipality:
        row.problem("市区町村名", "区がわかりません（団体コードか市区町村名を入力してください）")

    latitude = row.take("緯度", lambda v: _coordinate(v, 90, "緯度"))
    longitude = row.take("経度", lambda v: _coordinate(v, 180, "経度"))
    if row.has("緯度") or row.has("経度"):
        if (latitude is None) != (longitude is None) and not row.broken:
            row.problem(
                "経度" if longitude is None else "緯度", "緯度と経度は両方入力するか、両方空欄にしてください"
            )
        values["latitude"], values["longitude"] = latitude, longitude
    if row.has("電話番号"):
        values["phone"] = row.take("電話番号", lambda v: _phone(v, "電話番号"))
    if row.has("内線番号"):
        values["extension"] = row.take("内線番号", lambda v: _phone(v, "内線番号"))
    if row.has("法人番号"):
        values["corporate_number"] = row.take("法人番号", _corporate_number)
    if row.has("URL"):
        values["url"] = row.take("URL", _url)
    if row.has("利用可能曜日"):
        values["open_weekdays"] = row.take("利用可能曜日", parse_weekdays)
    opens = row.take("開始時間", lambda v: parse_time(v, DEFAULT_HOURS[0])) if row.has("開始時間") else None
    closes = row.take("終了時間", lambda v: parse_time(v, DEFAULT_HOURS[1])) if row.has("終了時間") else None
    if opens is not None:
        values["opens_at"] = opens
    if closes is not None:
        values["closes_at"] = closes
    if opens is not None and closes is not None and opens >= closes:
        row.problem("終了時間", f"終了時間（{closes:%H:%M}）が開始時間（{opens:%H:%M}）より前です")
    if row.has("利用可能日時特記事項"):
        rules = row.take("利用可能日時特記事項", lambda v: parse_closure_notes(v, row))
        if rules is not None:
            values["closed_year_end"], values["closed_on_holidays"] = rules

    project = None
    has_project = row.has("事業年度") or row.has("事業No")
    if has_project:
        year = row.take("事業年度", lambda v: parse_fiscal_year(v) if normalize(v) else None)
        no = row.take("事業No", _project_no)
        if (year is None) != (no is None) and not row.broken:
            row.problem(
                "事業No" if no is None else "事業年度",
                "事業年度と事業No.は両方入力するか、両方空欄にしてください",
            )
        elif year is not None:
            project = (year, no)
    exemptions = {}
    for column, kind in EXEMPTION_COLUMNS.items():
        if row.has(column):
            exemptions[kind] = row.take(column, _percent)

    if row.broken:
        if values.get("name"):
            row.reading.unreadable_names.add(name_key(values["name"]))
        return None
    return CentreRow(
        where=row.where,
        lg_code=lg_code,
        prefecture=prefecture,
        municipality=municipality,
        values=values,
        project=project,
        has_project=has_project,
        exemptions=exemptions,
    )


def _unescape(value: str) -> str:
    """Take off the "'" an exporter puts before a leading formula character."""
    return value[1:] if value.startswith("'") and value[1:2] in FORMULA_CHARACTERS else value


def _text(value: str, limit: int, *, multiline: bool = False) -> str:
    text = check_text(value, limit=limit)
    return text.strip() if multiline else clean_display(text)


def _lg_code(value: str) -> str:
    from machi.core.lgcode import validate

    code = normalize(_unescape(value)).replace(" ", "")
    return validate(code) if code else ""


def _coordinate(value: str, bound: int, label: str) -> Decimal | None:
    text = normalize(_unescape(value)).replace(" ", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{label}は数値（度、10進数）で入力してください: {value!r}") from None
    if not number.is_finite() or not -bound <= number <= bound:
        raise ValueError(f"{label}は -{bound}〜{bound} の範囲です: {value!r}")
    return number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


_PHONE = re.compile(r"^[0-9()+\-]*$")


def _phone(value: str, label: str) -> str:
    text = normalize(_unescape(value)).replace(" ", "")
    if not _PHONE.fullmatch(text) or len(text) > 20:
        raise ValueError(f"{label}は数字とハイフン（20文字まで）で入力してください: {value!r}")
    return text


def _corporate_number(value: str) -> str:
    """法人番号: 13 digits, the first a check digit over the other twelve (国税庁の計算式)."""
    text = normalize(value).replace(" ", "").replace("-", "")
    if not text:
        return ""
    if len(text) != 13 or not text.isdigit():
        raise ValueError(f"法人番号は13桁の数字です: {value!r}")
    body = text[1:]
    total = sum(int(digit) * (1 if n % 2 else 2) for n, digit in enumerate(reversed(body), start=1))
    if int(text[0]) != 9 - total % 9:
        raise ValueError(f"法人番号 {text} の検査数字が誤っています")
    return text


def _url(value: str) -> str:
    text = normalize(_unescape(value))
    if not text:
        return ""
    URLValidator(
        schemes=["http", "https"], message=f"URLは http:// または https:// で始まるアドレスです: {value!r}"
    )(text)
    if len(text) > 200:
        raise ValueError(f"URLが長すぎます（200文字まで、{len(text)}文字）")
    return text


def _project_no(value: str) -> int | None:
    text = normalize(value).replace(" ", "").removeprefix("No.").removeprefix("no.")
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 9999:
        raise ValueError(f"事業No.は1〜9999の数字です: {value!r}")
    return int(text)


def _percent(value: str) -> int | None:
    text = normalize(value).replace(" ", "").removesuffix("%")
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise ValueError(f"減免率は1〜100（%）の整数か空欄です: {value!r}")
    return int(text)


def parse_weekdays(value: str) -> str:
    """「月火水木金土日」「月～金」「月・水・金」「平日」「毎日」 → "0123456" (Monday 0). Empty: every day."""
    text = normalize(value).replace(" ", "").translate(_RANGE_MARKS)
    text = text.replace("曜日", "").replace("曜", "")
    text = re.sub(r"[・、,/]|及び|および|と", "", text)
    text = re.sub(
        r"祝(祭)?日?", "", text
    )  # holidays are a closure rule (利用可能日時特記事項), not a weekday
    if text in ("", "毎日", "全日"):
        return ALL_WEEKDAYS
    days: set[int] = set()
    rest = text.replace("平日", "月~金")
    position = 0
    while position < len(rest):
        match = re.match(rf"([{WEEKDAY_LABELS}])(?:~([{WEEKDAY_LABELS}]))?", rest[position:])
        if not match:
            raise ValueError(f"利用可能曜日を読み取れません（例: 月火水木金土日、月～金）: {value!r}")
        start = WEEKDAY_LABELS.index(match.group(1))
        end = WEEKDAY_LABELS.index(match.group(2)) if match.group(2) else start
        day = start
        while True:
            days.add(day)
            if day == end:
                break
            day = (day + 1) % 7
        position += match.end()
    return "".join(str(d) for d in sorted(days))


def format_weekdays(open_weekdays: str) -> str:
    return "".join(WEEKDAY_LABELS[int(d)] for d in sorted(set(open_weekdays)) if d.isdigit())


_TIME = re.compile(r"^(\d{1,2})(?::(\d{2})(?::00)?|時(?:(\d{1,2})分)?)$")


def parse_time(value: str, default: datetime.time) -> datetime.time:
    """「9:00」「09:00」「９時３０分」 → time; empty → the default."""
    text = normalize(value).replace(" ", "")
    if not text:
        return default
    match = _TIME.fullmatch(text)
    if not match:
        raise ValueError(f"時刻は 9:00 のように入力してください: {value!r}")
    hour, minute = int(match.group(1)), int(match.group(2) or match.group(3) or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"時刻が正しくありません（0:00〜23:59）: {value!r}")
    return datetime.time(hour, minute)


def parse_closure_notes(value: str, row: _Row) -> tuple[bool, bool]:
    """利用可能日時特記事項 → (closed_year_end, closed_on_holidays); unstated rules take the defaults.

    A phrase the system cannot keep (「第3月曜日休館」…) is named in a warning: its days
    must be entered as closures (臨時休館日), or bookings would be taken on them.
    """
    text = check_text(value, limit=1000)
    year_end, holidays = True, False
    unread = []
    for clause in re.split(r"[、。,;\n]", normalize(text).translate(_TILDES)):
        clause = clause.replace(" ", "")
        if not clause:
            continue
        if match := _YEAR_END.fullmatch(clause):
            year_end = bool(match.group(1))
        elif match := _HOLIDAYS.fullmatch(clause):
            holidays = bool(match.group(1))
        else:
            unread.append(clause)
    if unread:
        row.reading.warnings.append(
            f"{row.where.sheet} {row.where.row}行目: 利用可能日時特記事項の「{'、'.join(unread)}」は休館の規則として"
            "読み取れないため保存しません。該当する日は臨時休館日として登録してください"
        )
    return year_end, holidays


def format_closure_notes(centre) -> str:
    return "、".join(
        (
            YEAR_END_CLOSED if centre.closed_year_end else YEAR_END_OPEN,
            HOLIDAYS_CLOSED if centre.closed_on_holidays else HOLIDAYS_OPEN,
        )
    )


# --- Rooms -------------------------------------------------------------------------------


def read_rooms(data: bytes, source: str) -> Reading:
    reading = Reading()
    labels = _label_table(ROOM_COLUMNS, ROOM_ALIASES)
    columns, records = _open_table(data, source, labels, reading)
    for column in ("センター名", "部屋名", "定員（人）"):
        if column not in columns and not any(p.column == column for p in reading.problems):
            reading.problems.append(Problem(source, 1, column, "必須の列がありません"))
    if reading.problems:
        raise ImportRefused(reading.problems)
    for where, cells in records:
        row = _Row(where, cells, reading)
        values: dict = {}
        ward = row.take("区", lambda v: normalize(_text(v, 50)))
        centre = row.take("センター名", lambda v: _text(v, 200))
        values["name"] = row.take("部屋名", lambda v: _text(v, 100))
        values["capacity"] = row.take("定員（人）", lambda v: _count(v, "定員", 1, 10_000))
        if row.has("設備"):
            values["equipment"] = row.take("設備", lambda v: _text(v, 300))
        if row.has("使用料（円／1区分）"):
            values["fee_per_block_yen"] = row.take("使用料（円／1区分）", _fee)
        if row.has("承認が必要"):
            values["requires_approval"] = row.take("承認が必要", _yes_no)
        if row.has("1回に予約できる区分の数"):
            values["max_blocks_per_booking"] = row.take(
                "1回に予約できる区分の数", lambda v: _count(v, "1回に予約できる区分の数", 1, 20, default=3)
            )
        if centre == "" and not row.broken:
            row.problem("センター名", "センター名が空です")
        if values["name"] == "" and not row.broken:
            row.problem("部屋名", "部屋名が空です")
        if not row.broken:
            reading.rows.append(RoomRow(where=where, ward=ward or "", centre=centre, values=values))
    return reading


def _count(value: str, label: str, low: int, high: int, default: int | None = None) -> int:
    text = normalize(value).replace(" ", "").replace(",", "").removesuffix("人")
    if not text and default is not None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{label}は{low}〜{high:,}の整数です: {value!r}")
    return int(text)


def _fee(value: str) -> int:
    text = normalize(value).replace(" ", "").removeprefix("¥").removeprefix("\\")
    if not text:
        return 0
    yen = parse_amount(text, unit=YEN)
    if yen is None:
        return 0
    if yen < 0 or yen > 10_000_000:
        raise ValueError(f"使用料は0〜10,000,000円です: {value!r}")
    return yen


_YES = {"はい", "要", "必要", "あり", "有", "○", "〇", "1", "true", "yes", "y"}
_NO = {"", "いいえ", "不要", "なし", "無", "×", "0", "false", "no", "n", "-"}


def _yes_no(value: str) -> bool:
    key = normalize(value).replace(" ", "").casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueError(f"「はい」か「いいえ」で入力してください: {value!r}")
