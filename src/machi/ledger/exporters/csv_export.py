"""The canonical ledger CSV: one row per project, amounts in 千円, UTF-8.

Columns: fiscal_year, ward_code, ward, pillar, no, name, status, description,
initial, revised, settled. "―" (not budgeted) is an empty field, never 0. A
text that starts with = + - @ is written with a leading "'" so a spreadsheet
shows it instead of running it; the importer takes the "'" off again.
"""

import csv
import io

from machi.core.importing import escape_formula as _escape
from machi.core.money import csv_thousands
from machi.ledger.exporters import programmes, sheet_groups
from machi.ledger.importers.rows import CANONICAL_COLUMNS


def export_csv(stream, *, fiscal_year: int, ward: str | None = None, bom: bool = False) -> int:
    """Write the year's ledger (one ward's, or every ward's) to `stream`; returns the number of projects.

    `stream` is a text stream (open it with newline="") or a binary one, which
    gets UTF-8. `bom=True` starts the file with a BOM, for Excel users.
    """
    binary = isinstance(stream, io.RawIOBase | io.BufferedIOBase) or "b" in getattr(stream, "mode", "")
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True) if binary else stream
    try:
        if bom:
            text.write("\ufeff")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(CANONICAL_COLUMNS)
        count = 0
        for programme in programmes(fiscal_year, ward):
            groups, _totals = sheet_groups(programme)
            for group in groups:
                for project in group.projects:
                    writer.writerow(_row(programme, project))
                    count += 1
    finally:
        if binary:
            text.flush()
            text.detach()
    return count


def _row(programme, project) -> list:
    return [
        programme.fiscal_year,
        programme.ward.code,
        _escape(programme.ward.name),
        _escape(project.pillar.name if project.pillar else ""),
        project.no if project.no is not None else "",
        _escape(project.name),
        project.status,
        _escape(project.description),
        csv_thousands(project.initial_yen),
        csv_thousands(project.revised_yen),
        csv_thousands(project.settled_yen),
    ]
