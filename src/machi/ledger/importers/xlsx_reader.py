"""Ward-office Excel sheets (.xlsx): one sheet per ward-year, laid out as ward offices keep them.

A sheet reads top to bottom:

- a title row naming the year and the ward (「令和４年度　中央区まちづくり推進経費」);
  the ward may instead be the sheet's name;
- a unit note anywhere above the header (単位：千円, （単位：円）); 千円 when absent;
- a header row found by its labels, not its position (№, 区分, 事業名, 事業内容,
  当初予算, 2月補正後, 決算額), possibly over two rows or with line breaks in cells;
- then projects (rows with a No.), pillar headings (text without a No.; the
  projects below belong to it; 南区's sheets print the group's figures on it),
  小計 rows (the projects since the previous heading or 小計) and 合計 rows (all
  the sheet's projects). Every printed sum is checked against its projects.

The file must carry values: a formula is refused, not evaluated. A hostile file
(too big, not a zip, a zip bomb, absurdly many cells) is refused before openpyxl
parses it. Every problem of every sheet is collected and reported at once.
"""

import datetime as dt
import io
import logging
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from machi.core.fiscal import find_fiscal_year
from machi.core.importing import escape_formula
from machi.core.money import THOUSAND_YEN, YEN, AmountError, format_thousands, format_yen, parse_amount
from machi.core.text import clean_display, name_key, normalize
from machi.ledger.importers.csv_reader import read_limited
from machi.ledger.importers.rows import (
    MONEY_COLUMNS,
    LedgerImportError,
    LedgerRow,
    Problem,
    ReadResult,
    Where,
    check_text,
    column_for,
    parse_no,
    parse_status,
    split_status_marker,
)

logger = logging.getLogger(__name__)

MAX_ROWS = 20_000
MAX_COLUMNS = 60
MAX_SHEETS = 100
MAX_PARTS = 2_000  # files inside the zip
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_CELLS = 1_000_000  # cells, merged-cell areas and shared strings across the workbook
MAX_XML_ELEMENTS = 10_000_000
HEADER_SEARCH_ROWS = 100

UNREADABLE = "Excel（.xlsx）のファイルとして読めません"
REQUIRED = ("no", "name", "initial", "revised", "settled")
USED = (*REQUIRED, "status", "description", "pillar")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_UNIT_NOTE = re.compile(r"単位\s*[:：]?\s*(千円|円)")
_UNIT_IN_LABEL = re.compile(r"[(（](千円|円)[)）]")
_TOTAL_LABELS = frozenset({"計", "合計", "総計", "総合計"})
_DASH_NO = frozenset({"-", "―", "－", "—", "–", "‐", "−", "ー", "ｰ"})


def read_xlsx(path: Path) -> ReadResult:
    path = Path(path)
    return read_xlsx_bytes(read_limited(path), path.name)


def read_xlsx_bytes(data: bytes, source: str) -> ReadResult:
    """Rows, problems and warnings of every sheet of a workbook held in memory."""
    check_archive(data, source)
    workbook = _load(data, source)
    result = ReadResult()
    sheets = workbook.worksheets
    if len(sheets) > MAX_SHEETS:
        raise LedgerImportError(
            [Problem(source, None, None, f"シートが多すぎます（{len(sheets)}枚、上限 {MAX_SHEETS}枚）")]
        )
    wards = _registered_ward_names()
    for sheet in sheets:
        _SheetReader(sheet, wards, result).read()
    if not result.rows and not result.problems:
        result.problems.append(Problem(source, None, None, "取り込む事業の行がありません"))
    return result


def load_values(data: bytes, source: str) -> tuple[list[list], list[Problem]]:
    """The first sheet's cell values, row by row, for a small table (`initial_budget`); formulas refused.

    Call `check_archive` first: this opens the workbook with the same guards as `read_xlsx_bytes`.
    """
    sheet = _load(data, source).worksheets[0]
    if sheet.max_row > MAX_ROWS or sheet.max_column > MAX_COLUMNS:
        return [], [Problem(sheet.title, None, None, "表が大きすぎます")]
    rows, problems = [], []
    for cells in sheet.iter_rows():
        values = []
        for cell in cells:
            try:
                values.append(_cell_value(cell))
            except _CellError as error:
                problems.append(Problem(sheet.title, cell.row, None, f"{cell.coordinate}: {error}"))
                values.append(None)
        rows.append(values)
    return rows, problems


# ---------------------------------------------------------------------------
# The file as a zip: refused before openpyxl builds anything from it.


class _TooMuch(Exception):
    pass


class _NotXlsx(Exception):
    pass


def check_archive(data: bytes, source: str) -> None:
    """Refuse what is not an xlsx, or what would take unbounded memory or time to open.

    Python's zipfile never inflates a member beyond the size its directory
    declares, so the declared sizes bound the work; the XML is then counted
    with expat (no tree is built) before openpyxl parses it.
    """

    def refuse(message: str) -> LedgerImportError:
        return LedgerImportError([Problem(source, None, None, message)])

    if data.startswith(OLE_MAGIC):
        raise refuse(
            f"{UNREADABLE}。パスワード付きのファイルか、古い形式（.xls）のファイルです。"
            "パスワードを外して .xlsx 形式で保存し直してください"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise refuse(UNREADABLE) from None
    if len(infos) > MAX_PARTS:
        raise refuse(f"{UNREADABLE}（ファイル内の部品が多すぎます: {len(infos):,}個）")
    uncompressed = sum(info.file_size for info in infos)
    if uncompressed > MAX_UNCOMPRESSED_BYTES:
        raise refuse(
            f"展開後の大きさが上限を超えています（{uncompressed:,} バイト、上限 {MAX_UNCOMPRESSED_BYTES:,} バイト）。"
            "圧縮爆弾の可能性があるため読み込みません"
        )
    counter = _XmlCounter()
    try:
        for info in infos:
            if not info.is_dir():
                counter.scan(archive, info)
    except _TooMuch as error:
        raise refuse(str(error)) from None
    except _NotXlsx as error:
        raise refuse(f"{UNREADABLE}（{error}）") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError, ValueError):
        raise refuse(UNREADABLE) from None


@dataclass
class _XmlCounter:
    """Counts what openpyxl would turn into objects: cells, merged areas, hyperlink areas, strings."""

    cells: int = 0
    elements: int = 0

    def scan(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        with archive.open(info) as stream:
            head = stream.read(1024)
            if not _looks_like_xml(head):
                return  # images and other binary parts
            parser = expat.ParserCreate()
            parser.StartElementHandler = self._start
            parser.StartDoctypeDeclHandler = self._doctype
            parser.EntityDeclHandler = self._doctype
            try:
                parser.Parse(head, False)
                while chunk := stream.read(1 << 16):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
            except expat.ExpatError:
                # Excel's own VML drawings are not well-formed XML; a broken worksheet
                # makes openpyxl fail below, and what it could build is counted already.
                return

    def _doctype(self, *args) -> None:
        raise _NotXlsx("DTD・エンティティ宣言を含むXMLは読み込みません")

    def _start(self, name: str, attrs: dict) -> None:
        self.elements += 1
        if self.elements > MAX_XML_ELEMENTS:
            raise _TooMuch(f"ファイルの中身が大きすぎます（XML要素が {MAX_XML_ELEMENTS:,} を超えています）")
        local = name.rpartition(":")[2]
        if local in ("c", "si"):
            self.cells += 1
        elif local in ("mergeCell", "hyperlink") and "ref" in attrs:
            self.cells += _area(attrs["ref"])
        else:
            return
        if self.cells > MAX_CELLS:
            raise _TooMuch(f"セルが多すぎます（ブック全体で {MAX_CELLS:,} を超えています）")


def _looks_like_xml(head: bytes) -> bool:
    """UTF-8 (with or without BOM) or UTF-16 XML; openpyxl parses any of them, so all are counted."""
    return (
        head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
        or head.startswith((b"\xff\xfe", b"\xfe\xff"))
        or head[:2] in (b"<\x00", b"\x00<")
    )


def _area(ref: str) -> int:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        raise _NotXlsx(f"セル範囲 {ref[:40]!r} を読めません") from None
    if None in (min_col, min_row, max_col, max_row):
        return MAX_CELLS + 1  # a whole row or column
    return (max_col - min_col + 1) * (max_row - min_row + 1)


def _load(data: bytes, source: str):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions, data validation …
            return load_workbook(io.BytesIO(data), read_only=False, data_only=False, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds on a damaged file; all mean the same here
        logger.info("xlsx not readable (%s): %r", source, error)
        raise LedgerImportError([Problem(source, None, None, UNREADABLE)]) from None


def _registered_ward_names() -> list[str]:
    from machi.ledger.models import Ward

    return sorted(Ward.objects.values_list("name", flat=True), key=len, reverse=True)


# ---------------------------------------------------------------------------
# Cells


class _CellError(ValueError):
    pass


def _cell_value(cell):
    """A cell's value; refuses formulas and error values, keeps a quote-prefixed text's escape."""
    if isinstance(cell, MergedCell):
        return None  # a merged cell's value is in its top-left cell
    value = cell.value
    if cell.data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
        formula = value.text if isinstance(value, ArrayFormula) else str(value)
        raise _CellError(f"数式が入っています（値として保存し直してください）: {formula[:60]}")
    if cell.data_type == "e":
        raise _CellError(f"エラー値 {value} が入っています")
    if isinstance(value, str) and cell.quotePrefix:
        return escape_formula(value)  # text typed as '=…: check_text takes the escape off
    return value


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_date(value) -> bool:
    return isinstance(value, dt.date | dt.time | dt.timedelta)


def _no_kind(value) -> str:
    """How a No. cell reads: empty, number, dash (a project without a number), date, or text."""
    if _blank(value):
        return "empty"
    if _is_date(value):
        return "date"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    text = normalize(_text(value)).replace(" ", "")
    if text in _DASH_NO:
        return "dash"
    return "number" if text.isdigit() else "text"


def _display_text(value) -> str:
    """A name as shown: formulas and control characters refused, a merged cell's line breaks joined."""
    return clean_display(check_text(_text(value), limit=200))


def _long_text(value) -> str:
    """A description: kept as written (its line breaks too), only trimmed."""
    return check_text(_text(value), limit=4000).strip()


def _project_no(value) -> int | None:
    if _is_date(value):
        raise _CellError("日付が入っています（No. は数字です）")
    return None if _no_kind(value) == "dash" else parse_no(value)


# ---------------------------------------------------------------------------
# One sheet


@dataclass
class _Header:
    columns: dict[str, int]  # column → 1-based column index
    first_row: int
    last_row: int
    labels: dict[int, str] = field(default_factory=dict)  # column index → the label as written
    unmapped: dict[int, str] = field(default_factory=dict)
    duplicates: dict[str, list[int]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return "name" in self.columns and any(c in self.columns for c in MONEY_COLUMNS)


@dataclass
class _Window:
    """Projects a printed sum must equal, and whether a broken row makes the check meaningless."""

    rows: list[LedgerRow] = field(default_factory=list)
    broken: bool = False

    def add(self, row: LedgerRow | None) -> None:
        if row is None:
            self.broken = True
        else:
            self.rows.append(row)


@dataclass
class _Pillar:
    name: str
    row: int
    figures: dict | None  # raw money cells printed on the heading row (南区), or None
    window: _Window = field(default_factory=_Window)


class _SheetReader:
    def __init__(self, sheet, wards: list[str], result: ReadResult):
        self.sheet = sheet
        self.name = sheet.title
        self.wards = wards
        self.result = result
        self.unit = THOUSAND_YEN
        self.problems_before = len(result.problems)

    # -- reporting

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        self.result.problems.append(Problem(self.name, row, column, message))

    def warn(self, message: str) -> None:
        self.result.warnings.append(f"{self.name}: {message}")

    def value(self, row: int, column: int, key: str | None):
        try:
            return _cell_value(self.sheet.cell(row, column))
        except _CellError as error:
            self.problem(row, key, f"{self.sheet.cell(row, column).coordinate}: {error}")
            raise

    # -- the sheet

    def read(self) -> None:
        sheet = self.sheet
        if sheet.max_row > MAX_ROWS or sheet.max_column > MAX_COLUMNS:
            self.problem(
                None, None,
                f"表が大きすぎます（{sheet.max_row:,}行 × {sheet.max_column}列、上限 {MAX_ROWS:,}行 × {MAX_COLUMNS}列）",
            )  # fmt: skip
            return
        if all(_blank(value) for row in sheet.iter_rows(values_only=True) for value in row):
            self.warn("空のシートは読み飛ばしました")
            return
        header = self.find_header()
        if header is None:
            self.problem(
                None, None,
                "見出し行（№・事業名・当初予算・2月補正後・決算額）が見つかりません。台帳でないシートは削除してください",
            )  # fmt: skip
            return
        header_ok = self.check_header(header)
        above = [(row, text) for row, text in self.texts_above(header) if row < header.first_row]
        fiscal_year = self.find_year(above)
        ward = self.find_ward(above)
        self.find_unit(above, header)
        if not header_ok or fiscal_year is None or ward is None:
            return
        self.read_body(header, fiscal_year, ward)

    def find_header(self) -> _Header | None:
        last = min(self.sheet.max_row, HEADER_SEARCH_ROWS)
        for row in range(1, last + 1):
            single = self.header_at(row, None)
            # A second header row only completes a first one that already has ledger labels of its own.
            completes = any(key in USED for key in single.columns) and row < self.sheet.max_row
            double = self.header_at(row, row + 1) if completes else None
            if double is not None and double.valid and len(double.columns) > len(single.columns):
                return double
            if single.valid:
                return single
        return None

    def header_at(self, top_row: int, bottom_row: int | None) -> _Header:
        header = _Header(columns={}, first_row=top_row, last_row=bottom_row or top_row)
        seen: dict[str, list[int]] = {}
        for column in range(1, self.sheet.max_column + 1):
            top = self.header_text(top_row, column)
            bottom = self.header_text(bottom_row, column) if bottom_row else ""
            candidates = [top + bottom] if top and bottom else []
            candidates += [text for text in (bottom, top) if text]
            key = next((k for k in map(column_for, candidates) if k), None)
            if key is None:
                if candidates:
                    header.unmapped[column] = normalize(top + bottom)
                continue
            seen.setdefault(key, []).append(column)
            header.labels[column] = normalize(top + bottom)
        header.columns = {key: columns[0] for key, columns in seen.items()}
        header.duplicates = {key: columns for key, columns in seen.items() if len(columns) > 1}
        return header

    def header_text(self, row: int, column: int) -> str:
        cell = self.sheet.cell(row, column)
        if isinstance(cell, MergedCell) or cell.data_type in ("f", "e"):
            return ""
        return normalize(_text(cell.value)) if isinstance(cell.value, str) else ""

    def check_header(self, header: _Header) -> bool:
        ok = True
        for key, columns in header.duplicates.items():
            letters = "・".join(f"{get_column_letter(c)}列" for c in columns)
            self.problem(header.first_row, key, f"同じ見出しの列が複数あります（{letters}）")
            ok = False
        for key in REQUIRED:
            if key not in header.columns:
                self.problem(header.first_row, key, "この見出しの列がありません")
                ok = False
        for column, label in header.unmapped.items():
            if not _UNIT_NOTE.search(label):
                self.warn(f"不明な列「{label}」（{get_column_letter(column)}列）は無視しました")
        for key in [k for k in header.columns if k not in USED]:
            column = header.columns.pop(key)
            self.warn(f"「{header.labels[column]}」の列は使いません（区と年度はタイトル行から読みます）")
        if "description" not in header.columns:
            self.warn("事業内容の列がないため、事業内容は空として取り込みます")
        return ok

    def texts_above(self, header: _Header) -> list[tuple[int, str]]:
        """Every text above the header (title, unit note, notes), in reading order, with its row.

        The header rows are read too, so a formula anywhere up to the header is refused.
        """
        texts = []
        for row in range(1, header.last_row + 1):
            for column in range(1, self.sheet.max_column + 1):
                try:
                    value = self.value(row, column, None)
                except _CellError:
                    continue
                if isinstance(value, str) and value.strip():
                    texts.append((row, value))
        return texts

    def find_year(self, above: list[tuple[int, str]]) -> int | None:
        ranked = [t for t in above if "年度" in normalize(t[1])] + above + [(None, self.name)]
        for row, text in ranked:
            try:
                year = find_fiscal_year(text)
            except ValueError as error:
                self.problem(row, None, str(error))
                return None
            if year is not None:
                return year
        self.problem(None, None, "年度が見つかりません（タイトル行に「令和4年度」のように書いてください）")
        return None

    def find_ward(self, above: list[tuple[int, str]]) -> str | None:
        # The text naming the year is the title; look there first, then above the header, then the sheet name.
        titled = [t for t in above if "年度" in normalize(t[1])]
        for _row, text in [*titled, *above, (None, self.name)]:
            key = name_key(text)
            found = [(key.find(name_key(w)), -len(w), w) for w in self.wards if name_key(w) in key]
            if found:
                return min(found)[2]
        if not self.wards:
            self.problem(
                None, None, "区が登録されていないため、区名を照合できません（先に区を登録してください）"
            )
        else:
            names = "、".join(sorted(self.wards, key=len)[:5])
            self.problem(
                None,
                None,
                f"区名が見つかりません（タイトル行かシート名に、登録済みの区名を書いてください: {names}）",
            )
        return None

    def find_unit(self, above: list[tuple[int, str]], header: _Header) -> None:
        units = {}
        for row, text in above:
            for match in _UNIT_NOTE.finditer(normalize(text)):
                units.setdefault(match.group(1), row)
        for column, label in (header.labels | header.unmapped).items():
            match = _UNIT_NOTE.search(label) or (
                _UNIT_IN_LABEL.search(label)
                if column in [header.columns.get(k) for k in MONEY_COLUMNS]
                else None
            )
            if match:
                units.setdefault(match.group(1), header.first_row)
        if len(units) > 1:
            self.problem(
                min(units.values()), None, "単位の記載が食い違っています（千円と円の両方があります）"
            )
        elif units:
            self.unit = YEN if "円" in units else THOUSAND_YEN
        else:
            self.warn("単位の記載（単位：千円 など）がないため、千円として読みました")

    # -- the rows

    def read_body(self, header: _Header, fiscal_year: int, ward: str) -> None:
        self.fiscal_year, self.ward, self.columns = fiscal_year, ward, header.columns
        sheet_window = _Window()
        subtotal_window = _Window()
        pillar: _Pillar | None = None
        last_project: LedgerRow | None = None
        projects = 0
        for row in range(header.last_row + 1, self.sheet.max_row + 1):
            cells, broken = {}, False
            for key, column in self.columns.items():
                try:
                    cells[key] = self.value(row, column, key)
                except _CellError:
                    broken = True
            kind, label = self.classify(cells)
            if kind == "empty":
                continue
            if kind == "continuation":
                # A description typed over several rows beside a merged No. and name.
                if last_project is None:
                    self.problem(row, "name", "事業名とNo.のない行に事業内容があります")
                elif not broken:
                    extra = self.take(row, "description", _long_text, cells["description"])
                    if extra:
                        last_project.description = f"{last_project.description}\n{extra}".strip()
                continue
            last_project = None
            if kind in ("subtotal", "total"):
                if not broken:
                    window = subtotal_window if kind == "subtotal" else sheet_window
                    self.reconcile(row, "小計" if kind == "subtotal" else "合計", cells, window)
                subtotal_window = _Window()
                if kind == "total" and pillar is not None:
                    self.close_pillar(pillar)
                    pillar = _Pillar(pillar.name, pillar.row, None)
                continue
            if kind == "pillar":
                if pillar is not None:
                    self.close_pillar(pillar)
                name = self.take(row, "pillar", _display_text, label)
                figures = {k: cells.get(k) for k in MONEY_COLUMNS if not _blank(cells.get(k))}
                pillar = _Pillar(name or "", row, (figures or None) if not broken else None)
                subtotal_window = _Window()
                continue
            if kind == "orphan":
                self.problem(row, "name", "事業名とNo.のない行に金額があります")
                broken = True
            project = None if broken else self.project(row, cells, pillar.name if pillar else "")
            for window in (sheet_window, subtotal_window, pillar.window if pillar else None):
                if window is not None:
                    window.add(project)
            if project is not None:
                self.result.rows.append(project)
                last_project = project
                projects += 1
        if pillar is not None:
            self.close_pillar(pillar)
        if not projects and len(self.result.problems) == self.problems_before:
            self.warn("事業の行がありません")

    def classify(self, cells: dict) -> tuple[str, str]:
        """What a row is: empty, project, pillar, subtotal, total, continuation (of a description), orphan."""
        no_kind = _no_kind(cells.get("no"))
        name = clean_display(_text(cells.get("name")))
        label = name or (clean_display(_text(cells.get("no"))) if no_kind == "text" else "")
        has_amounts = any(not _blank(cells.get(k)) for k in MONEY_COLUMNS)
        key = name_key(label)
        if label and no_kind in ("empty", "text"):
            if "小計" in key and (has_amounts or key == "小計"):
                return "subtotal", label
            if (key in _TOTAL_LABELS or key.endswith("計")) and (has_amounts or key in _TOTAL_LABELS):
                return "total", label
        if no_kind in ("number", "dash", "date") or (no_kind == "text" and name):
            return "project", label
        if label:
            return "pillar", label
        others = [k for k in cells if k not in ("no", "name", "description") and not _blank(cells[k])]
        if _blank(cells.get("description")) and not others:
            return "empty", ""
        if not others:
            return "continuation", ""
        return "orphan", ""

    def take(self, row: int, column: str, parse, *args):
        """parse(*args), or None with the problem recorded at (row, column)."""
        try:
            return parse(*args)
        except (ValueError, AmountError) as error:
            self.problem(row, column, str(error))
            return None

    def amount(self, value) -> int | None:
        if _is_date(value):
            raise _CellError("日付が入っています（金額を入力してください）")
        return parse_amount(value, unit=self.unit)

    def project(self, row: int, cells: dict, pillar: str) -> LedgerRow | None:
        before = len(self.result.problems)

        no = self.take(row, "no", _project_no, cells.get("no"))
        name = self.take(row, "name", _display_text, cells.get("name"))
        marker = ""
        if name is not None:
            name, marker = split_status_marker(name)
            if not name:
                self.problem(row, "name", "事業名が空です")
        status = self.take(row, "status", parse_status, _text(cells.get("status")))
        if status is not None and marker:
            if status and status != marker:
                self.problem(row, "status", f"区分「{status}」が事業名の【{marker}】と食い違っています")
            status = status or marker
        description = self.take(row, "description", _long_text, cells.get("description"))
        if "pillar" in self.columns and not _blank(cells.get("pillar")):
            pillar = self.take(row, "pillar", _display_text, cells["pillar"])
        figures = {key: self.take(row, key, self.amount, cells.get(key)) for key in MONEY_COLUMNS}
        if len(self.result.problems) > before:
            return None
        return LedgerRow(
            where=Where(self.name, row),
            fiscal_year=self.fiscal_year,
            ward_code="",
            ward=self.ward,
            pillar=pillar,
            no=no,
            name=name,
            status=status,
            description=description,
            initial_yen=figures["initial"],
            revised_yen=figures["revised"],
            settled_yen=figures["settled"],
        )

    def close_pillar(self, pillar: _Pillar) -> None:
        if pillar.figures:
            self.reconcile(pillar.row, f"「{pillar.name}」の計", pillar.figures, pillar.window)

    def reconcile(self, row: int, label: str, cells: dict, window: _Window) -> None:
        """A printed sum against its projects, figure by figure; a blank cell states nothing."""
        if window.broken:
            return
        for key, field_name in MONEY_COLUMNS.items():
            if _blank(cells.get(key)):
                continue
            stated = self.take(row, key, self.amount, cells[key])
            if stated is None and not _is_none_mark(cells[key]):
                continue  # unreadable: already reported
            values = [getattr(r, field_name) for r in window.rows if getattr(r, field_name) is not None]
            actual = sum(values) if values else None
            if stated != actual:
                difference = f"（差 {self.show(stated - actual)}）" if None not in (stated, actual) else ""
                self.problem(
                    row,
                    key,
                    f"{label}が一致しません: 記載 {self.show(stated)}、明細の合計 {self.show(actual)}{difference}",
                )

    def show(self, yen: int | None) -> str:
        if yen is None:
            return "―"
        return f"{format_yen(yen)} 円" if self.unit == YEN else f"{format_thousands(yen)} 千円"


def _is_none_mark(value) -> bool:
    try:
        return parse_amount(value) is None
    except (AmountError, ValueError, TypeError):
        return False
