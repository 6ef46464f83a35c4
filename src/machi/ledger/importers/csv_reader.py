"""The canonical ledger CSV: UTF-8 (with or without BOM) or Shift_JIS/CP932 as Excel writes it.

Columns: fiscal_year, ward_code, ward, pillar, no, name, status, description,
initial, revised, settled — amounts in 千円, empty or ― for none.
"""

import csv
import io
from pathlib import Path

from machi.core import importing
from machi.core.fiscal import parse_fiscal_year
from machi.core.money import THOUSAND_YEN, AmountError, parse_amount
from machi.core.text import clean_display, normalize
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

MAX_COLUMNS = 40
MAX_ROWS = 50_000
REQUIRED = ("fiscal_year", "ward", "name", "initial", "revised", "settled")


def read_csv_bytes(data: bytes, source: str) -> ReadResult:
    text = importing.decode_text(data, source, refused=LedgerImportError)
    csv.field_size_limit(100_000)
    reader = csv.reader(io.StringIO(text, newline=""))
    result = ReadResult()
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise LedgerImportError([Problem(source, 1, None, f"CSVとして読めません: {error}")]) from None
    if not header:
        raise LedgerImportError([Problem(source, None, None, "空のファイルです")])
    if len(header) > MAX_COLUMNS:
        raise LedgerImportError(
            [Problem(source, 1, None, f"列が多すぎます（{len(header)}列、上限 {MAX_COLUMNS}列）")]
        )
    columns: dict[str, int] = {}
    for index, label in enumerate(header):
        column = column_for(label)
        if column is None:
            if normalize(label):
                result.warnings.append(f"{source}: 不明な列「{normalize(label)}」は無視しました")
        elif column in columns:
            result.problems.append(Problem(source, 1, column, "同じ列が2回あります"))
        else:
            columns[column] = index
    missing = [c for c in REQUIRED if c not in columns]
    for column in missing:
        result.problems.append(Problem(source, 1, column, "必須の列がありません"))
    if missing:
        raise LedgerImportError(result.problems)

    try:
        for line_no, record in enumerate(reader, start=2):
            if line_no > MAX_ROWS + 1:
                raise LedgerImportError(
                    [Problem(source, line_no, None, f"行が多すぎます（上限 {MAX_ROWS}行）")]
                )
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(header):
                result.problems.append(Problem(source, line_no, None, "見出しより列が多い行です"))
                continue
            cells = {column: (record[i] if i < len(record) else "") for column, i in columns.items()}
            row = _row(cells, Where(source, line_no), result.problems)
            if row is not None:
                result.rows.append(row)
    except csv.Error as error:
        raise LedgerImportError(
            [Problem(source, reader.line_num, None, f"CSVとして読めません: {error}")]
        ) from None
    return result


def _row(cells: dict[str, str], where: Where, problems: list[Problem]) -> LedgerRow | None:
    values: dict = {}
    before = len(problems)

    def take(column, parse):
        try:
            values[column] = parse(cells.get(column, ""))
        except (ValueError, AmountError) as error:
            problems.append(Problem(where.sheet, where.row, column, str(error)))

    take("fiscal_year", parse_fiscal_year)
    take("ward_code", lambda v: normalize(v).replace(" ", ""))
    take("ward", lambda v: normalize(check_text(v, limit=50)))
    take("pillar", lambda v: clean_display(check_text(v, limit=200)))
    take("no", parse_no)
    take("name", lambda v: clean_display(check_text(v, limit=200)))
    take("status", parse_status)
    take("description", lambda v: check_text(v, limit=4000).strip())
    for column in MONEY_COLUMNS:
        take(column, lambda v: parse_amount(v, unit=THOUSAND_YEN))
    if values.get("name"):
        values["name"], marker = split_status_marker(values["name"])
        if marker and values.get("status") not in (None, "", marker):
            problems.append(
                Problem.at(
                    where, "status", f"区分「{values['status']}」が事業名の【{marker}】と食い違っています"
                )
            )
        elif marker and "status" in values:
            values["status"] = marker
    if "name" in values and not values["name"]:
        problems.append(Problem(where.sheet, where.row, "name", "事業名が空です"))
    if "ward" in values and not values["ward"] and not values.get("ward_code"):
        problems.append(Problem(where.sheet, where.row, "ward", "区名（または団体コード）が空です"))
    if len(problems) > before:
        return None
    return LedgerRow(
        where=where,
        fiscal_year=values["fiscal_year"],
        ward_code=values["ward_code"],
        ward=values["ward"],
        pillar=values["pillar"],
        no=values["no"],
        name=values["name"],
        status=values["status"],
        description=values["description"],
        initial_yen=values["initial"],
        revised_yen=values["revised"],
        settled_yen=values["settled"],
    )


def read_csv(path: Path) -> ReadResult:
    return read_csv_bytes(read_limited(path), path.name)


def read_limited(path: Path) -> bytes:
    """The file's bytes, refusing before reading anything larger than the import limit."""
    return importing.read_limited(path, refused=LedgerImportError)
