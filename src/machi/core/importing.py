"""What every file importer shares: the problem list, the file guards, text cells.

An importer reads the whole file, collects every problem with its place (file or
sheet, row, column) and raises `ImportRefused` with all of them, so a person fixes
the file once; only a file with no problem is written, all or nothing.

The guards run before any parsing: the size limit before the file is read,
binary junk refused, the text decoded as UTF-8 (with or without BOM) or CP932 as
Excel writes it. A cell that starts like a formula is refused: a CSV cell is only
text, but it would run when someone opens an exported file in a spreadsheet.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from django.conf import settings


@dataclass(frozen=True)
class Where:
    """Where a row came from, for messages: the file (or sheet) and its 1-based row."""

    sheet: str
    row: int


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str

    # How a column key is named in messages; an importer whose keys are not words a person uses sets it.
    column_names: ClassVar[dict[str, str]] = {}

    @classmethod
    def at(cls, where, column: str | None, message: str) -> "Problem":
        return cls(where.sheet, where.row, column, message)

    def __str__(self) -> str:
        place = [self.sheet]
        if self.row is not None:
            place.append(f"{self.row}行目")
        if self.column:
            place.append(f"「{self.column_names.get(self.column, self.column)}」列")
        return f"{' '.join(place)}: {self.message}"


class ImportRefused(Exception):
    """The file was refused; `problems` lists every reason, each with its place."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_limited(path: Path, *, refused: type[ImportRefused] = ImportRefused) -> bytes:
    """The file's bytes, refusing before reading anything larger than the import limit.

    `refused` is the importer's own subclass of ImportRefused, for callers that catch it.
    """
    size = path.stat().st_size
    limit = settings.MACHI_MAX_IMPORT_BYTES
    if size > limit:
        raise refused(
            [
                Problem(
                    path.name, None, None, f"ファイルが大きすぎます（{size:,} バイト、上限 {limit:,} バイト）"
                )
            ]
        )
    return path.read_bytes()


def decode_text(data: bytes, source: str, *, refused: type[ImportRefused] = ImportRefused) -> str:
    """UTF-8 first (a BOM is dropped), then CP932; anything else is refused."""
    if b"\x00" in data[:65536]:
        raise refused([Problem(source, None, None, "テキストのCSVではありません（バイナリデータです）")])
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise refused(
        [
            Problem(
                source, None, None, "文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）"
            )
        ]
    )


FORMULA_PREFIXES = ("=", "+", "@")
# What an exporter escapes with a leading "'": the formula prefixes, and "-" as spreadsheets also read it.
FORMULA_CHARACTERS = ("=", "+", "-", "@")


def check_text(value, *, limit: int) -> str:
    """A text field: refuses formulas (a CSV/Excel injection risk), control characters, overlong text."""
    text = "" if value is None else str(value)
    if text.startswith("'") and text[1:2] in FORMULA_CHARACTERS:
        text = text[1:]  # our own exporter's escape of a leading formula character
    elif text.startswith(FORMULA_PREFIXES):
        raise ValueError("数式は読み込めません（先頭が = + @ の値）")
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        raise ValueError("制御文字が含まれています")
    if len(text) > limit:
        raise ValueError(f"{limit}文字を超えています（{len(text)}文字）")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def needs_escape(text: str) -> bool:
    """Text a spreadsheet would run as a formula (CSV injection); importers take the escape off."""
    return text.startswith(FORMULA_CHARACTERS)


def escape_formula(text: str) -> str:
    return "'" + text if needs_escape(text) else text


@dataclass
class ReportsInTurn:
    """Several reports of one load printed one after the other (`machi demo`: an app's FY2022 data,
    then its current-year demo), changed if any of them changed."""

    reports: list

    @property
    def changed_anything(self) -> bool:
        return any(report.changed_anything for report in self.reports)

    def summary(self) -> str:
        return "\n".join(report.summary() for report in self.reports)
