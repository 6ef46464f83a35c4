"""A year's 当初予算 read from a sheet, for carrying a programme forward: columns No. / 事業名 / 当初予算.

CSV (UTF-8 or Shift_JIS) or Excel (.xlsx), read with the ledger importers' guards (size, zip bombs,
formulas, encodings) and their header labels (№, No., 番号; 当初予算, 当初予算額, R5当初 …). Amounts are
in 千円 unless the header or a note above it says 円 (当初予算（円）, 単位：円), read by
`machi.core.money.parse_amount` (`1,000`, full width, ― for not budgeted). 事業名 is optional; where it is
given it must be the project's name in the programme carried forward, so a sheet of another ward or year
is caught. Every problem is collected and the whole sheet refused (`LedgerImportError`): nothing is
carried forward from half a sheet.
"""

import csv
import io
import re

from machi.core import importing
from machi.core.money import THOUSAND_YEN, YEN, AmountError, parse_amount
from machi.core.text import name_key, normalize
from machi.ledger.importers.rows import LedgerImportError, Problem, column_for, parse_no, split_status_marker
from machi.ledger.importers.xlsx_reader import MAX_COLUMNS, MAX_ROWS, check_archive, load_values

HEADER_SEARCH_ROWS = 30
_UNIT = re.compile(r"(?:単位\s*[:：]?\s*|[(（])(千円|円)")


def read_initial_budget(data: bytes, source: str, *, projects: dict[int, str]) -> dict[int, int | None]:
    """Project No. → 当初予算 in yen (None: ―) from a CSV or XLSX sheet; `projects` is No. → name."""
    if source.lower().endswith((".xlsx", ".xlsm")):
        table = _xlsx_rows(data, source)
    elif source.lower().endswith(".csv"):
        table = _csv_rows(data, source)
    else:
        raise LedgerImportError(
            [Problem(source, None, None, "CSV（.csv）か Excel（.xlsx）のファイルを指定してください")]
        )
    return _read(table, source, projects)


def _csv_rows(data: bytes, source: str) -> list[list]:
    text = importing.decode_text(data, source, refused=LedgerImportError)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise LedgerImportError([Problem(source, None, None, f"CSVとして読めません: {error}")]) from None
    return rows


def _xlsx_rows(data: bytes, source: str) -> list[list]:
    check_archive(data, source)
    sheet, problems = load_values(data, source)
    if problems:
        raise LedgerImportError(problems)
    return sheet


def _read(table: list[list], source: str, projects: dict[int, str]) -> dict[int, int | None]:
    if len(table) > MAX_ROWS or any(len(row) > MAX_COLUMNS for row in table):
        raise LedgerImportError([Problem(source, None, None, "表が大きすぎます")])
    header_row, columns, unit = None, {}, THOUSAND_YEN
    notes = ""
    for index, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        found = {}
        for position, cell in enumerate(row):
            if isinstance(cell, str) and (column := column_for(cell)) in ("no", "name", "initial"):
                found.setdefault(column, position)
        if "no" in found and "initial" in found:
            header_row, columns = index, found
            label = normalize(row[found["initial"]])
            match = _UNIT.search(label) or _UNIT.search(notes)
            unit = YEN if match and match.group(1) == "円" else THOUSAND_YEN
            break
        notes += " ".join(normalize(c) for c in row if isinstance(c, str))
    if header_row is None:
        raise LedgerImportError(
            [Problem(source, None, None, "見出し行（No.・事業名・当初予算）が見つかりません")]
        )
    problems: list[Problem] = []
    amounts: dict[int, int | None] = {}
    for line, row in enumerate(table[header_row + 1 :], start=header_row + 2):
        cells = {key: (row[i] if i < len(row) else None) for key, i in columns.items()}
        if all(_blank(value) for value in row):
            continue
        try:
            no = parse_no(cells["no"])
        except ValueError as error:
            problems.append(Problem(source, line, "no", str(error)))
            continue
        if no is None:
            if "計" in normalize(cells.get("name") or ""):
                continue  # a total row: the sum is the projects', shown on the preview
            problems.append(Problem(source, line, "no", "No. がありません"))
            continue
        if no in amounts:
            problems.append(Problem(source, line, "no", f"No.{no} が2回あります"))
            continue
        if no not in projects:
            problems.append(Problem(source, line, "no", f"No.{no} の事業は引き継ぐ年度計画にありません"))
            continue
        name = split_status_marker(normalize(cells.get("name") or ""))[0]
        if name and name_key(name) != name_key(projects[no]):
            problems.append(
                Problem(source, line, "name", f"No.{no} は「{projects[no]}」です（この表では「{name}」）")
            )
            continue
        try:
            yen = parse_amount(cells["initial"], unit=unit)
        except AmountError as error:
            problems.append(Problem(source, line, "initial", str(error)))
            continue
        if yen is not None and yen < 0:
            problems.append(Problem(source, line, "initial", "当初予算がマイナスです"))
            continue
        amounts[no] = yen
    if problems:
        raise LedgerImportError(problems)
    if not amounts:
        raise LedgerImportError([Problem(source, None, None, "当初予算の行がありません")])
    return amounts


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
