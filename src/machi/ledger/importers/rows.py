"""What every ledger reader produces, whatever the file: rows, problems, warnings.

Readers (CSV, XLSX) turn a file into LedgerRows and report every problem they
find with its sheet, row and column; `actions.import_ledger` then checks the
rows against each other and the database and writes them all or nothing.
"""

import re
from dataclasses import dataclass, field

from machi.core import importing
from machi.core.text import normalize

STATUSES = {"新規": "新規", "新": "新規", "継続": "継続", "継": "継続", "拡充": "拡充", "拡": "拡充", "": ""}

# Column → the labels a header cell may carry (compared after NFKC, without spaces).
# The canonical CSV uses the first (English) name; ward-office sheets use the others.
COLUMN_LABELS: dict[str, tuple[str, ...]] = {
    "fiscal_year": ("fiscal_year", "年度"),
    "ward_code": ("ward_code", "団体コード", "区コード", "全国地方公共団体コード"),
    "ward": ("ward", "区", "区名"),
    "pillar": ("pillar", "柱", "基本方針", "取組方針"),
    "no": ("no", "no.", "№", "番号"),
    "name": ("name", "事業名"),
    "status": ("status", "区分", "状態"),
    "description": ("description", "事業内容", "事業概要", "内容"),
    "initial": ("initial", "当初予算", "当初予算額", "当初"),
    "revised": ("revised", "2月補正後", "補正後", "予算現額"),
    "settled": ("settled", "決算額", "決算"),
}
CANONICAL_COLUMNS = (
    "fiscal_year", "ward_code", "ward", "pillar", "no", "name", "status", "description",
    "initial", "revised", "settled",
)  # fmt: skip
MONEY_COLUMNS = {"initial": "initial_yen", "revised": "revised_yen", "settled": "settled_yen"}
COLUMN_NAMES_JA = {
    "fiscal_year": "年度", "ward_code": "団体コード", "ward": "区", "pillar": "柱", "no": "No.",
    "name": "事業名", "status": "区分", "description": "事業内容",
    "initial": "当初予算", "revised": "2月補正後", "settled": "決算額",
}  # fmt: skip


def header_key(label) -> str:
    """A header cell's text as the label tables compare it: NFKC, no spaces, lower case."""
    text = normalize(label).replace(" ", "").casefold()
    text = re.sub(r"^r\d+(?=当初|事業内容)", "", text)  # R4当初 and R5当初 both mean 当初
    text = re.sub(r"[（(].*?[)）]$", "", text)  # 当初予算（千円）
    return text


def column_for(label) -> str | None:
    key = header_key(label)
    for column, labels in COLUMN_LABELS.items():
        if key in labels:
            return column
    return None


@dataclass(frozen=True)
class Where:
    """Where a row came from, for messages: sheet (or file), 1-based row."""

    sheet: str
    row: int


@dataclass
class LedgerRow:
    where: Where
    fiscal_year: int
    ward_code: str
    ward: str
    pillar: str
    no: int | None
    name: str
    status: str
    description: str
    initial_yen: int | None
    revised_yen: int | None
    settled_yen: int | None


class Problem(importing.Problem):
    """A problem with its place; ledger columns are named in Japanese (「事業名」列)."""

    column_names = COLUMN_NAMES_JA


@dataclass
class ReadResult:
    rows: list[LedgerRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class LedgerImportError(importing.ImportRefused):
    """A ledger file was refused; `problems` lists every reason, each with its place."""


_STATUS_WORDS = "新規|継続|拡充"
_STATUS_MARKER = re.compile(
    rf"^\s*[【\[［(（]\s*({_STATUS_WORDS})\s*[】\]］)）]\s*|\s*[【\[［(（]\s*({_STATUS_WORDS})\s*[】\]］)）]\s*$"
)


def split_status_marker(name: str) -> tuple[str, str]:
    """「【新規】事業名」 or 「事業名【拡充】」 → (事業名, status); ward offices mark status in the name."""
    match = _STATUS_MARKER.search(name)
    if not match:
        return name, ""
    status = match.group(1) or match.group(2)
    return (name[: match.start()] + name[match.end() :]).strip(), status


def parse_status(value) -> str:
    key = normalize(value).replace(" ", "").strip("【】[]（）()")
    if key not in STATUSES:
        raise ValueError(f"区分は 新規・継続・拡充 のいずれか（または空欄）です: {value!r}")
    return STATUSES[key]


def parse_no(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = normalize(value).replace(" ", "")
        if text in ("", "-", "―"):
            return None
        if not text.isdigit():
            raise ValueError(f"No. は数字です: {value!r}")
        number = int(text)
    if not 1 <= number <= 9999:
        raise ValueError(f"No. は1〜9999です: {value!r}")
    return number


FORMULA_PREFIXES = importing.FORMULA_PREFIXES
check_text = importing.check_text
