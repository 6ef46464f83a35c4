"""The public requests of a fiscal year as CSV or XLSX (`machi requests export`).

Only what `queries.public_view` gives anyone: the number, category, 校区, status, dates, public notes
and reasons, the location rounded to about 50 m. Never the description, the address, a name, a
phone, an email, a photo or an internal note. CSV is UTF-8 with BOM and CRLF; XLSX uses Machi's one
style (`core.xlsx`). A text a spreadsheet would run as a formula is escaped in both.
"""

import csv
import io

from django.utils import timezone

from machi.core import xlsx
from machi.core.fiscal import wareki
from machi.core.importing import escape_formula
from machi.requests.queries import public_requests, public_view

# (heading, public_view key, kind, XLSX width)
COLUMNS = (
    ("番号", "id", "text", 18),
    ("課題", "label", "text", 26),
    ("区", "ward", "text", 8),
    ("種類コード", "category_code", "text", 12),
    ("種類", "category", "text", 18),
    ("校区", "school_district", "text", 12),
    ("状態", "status_label", "text", 10),
    ("受付日時", "created_at", "datetime", 18),
    ("受付確認日時", "acknowledged_at", "datetime", 18),
    ("対応予定日", "expected_by", "date", 12),
    ("対応済日時", "resolved_at", "datetime", 18),
    ("対応不可の理由", "public_reason", "text", 24),
    ("引継ぎ先", "referred_to", "text", 18),
    ("重複先", "duplicate_of", "text", 18),
    ("緯度（約50m単位）", "latitude", "number", 12),
    ("経度（約50m単位）", "longitude", "number", 12),
    ("公開の経過", "notes", "notes", 40),
)


def rows_of(*, fiscal_year: int, ward=None):
    requests = public_requests().filter(fiscal_year=fiscal_year).order_by("ward__code", "number")
    if ward is not None:
        requests = requests.filter(ward=ward)
    return [public_view(request) for request in requests]


def _text(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == "datetime":
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if kind == "date":
        return value.isoformat()
    if kind == "notes":
        return "\n".join(f"{timezone.localtime(n['at']):%Y-%m-%d} {n['note']}" for n in value)
    return str(value)


def write_csv(stream, views: list[dict]) -> None:
    """To a binary stream."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([heading for heading, *_ in COLUMNS])
    for view in views:
        writer.writerow([escape_formula(_text(kind, view[key])) for _, key, kind, _ in COLUMNS])
    stream.write(text.getvalue().encode("utf-8-sig"))


def write_xlsx(stream, views: list[dict], *, title: str) -> None:
    workbook = xlsx.new_workbook()
    sheet = workbook.create_sheet("地域課題")
    row = xlsx.start_table(sheet, title=title, unit=None, columns=[(h, w) for h, _, _, w in COLUMNS])
    for view in views:
        for column, (_, key, kind, _) in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row, column)
            value = view[key]
            if kind in ("datetime", "date"):
                if kind == "datetime" and value is not None:
                    cell.value = timezone.localtime(value).replace(tzinfo=None)
                    cell.number_format = "yyyy/m/d h:mm"
                else:
                    xlsx.date(cell, value)
            elif kind == "number":
                xlsx.number(cell, None if value is None else float(value), "0.0000", none=None)
            else:
                xlsx.text(cell, _text(kind, value))
        row += 1
    workbook.save(stream)


def export_requests(stream, *, fiscal_year: int, ward=None, fmt: str = "csv") -> int:
    """Write the year's public requests (one ward's or all) to a binary stream; how many were written."""
    views = rows_of(fiscal_year=fiscal_year, ward=ward)
    if fmt == "xlsx":
        title = f"地域課題の受付 {wareki(fiscal_year)} {ward.name if ward else '全区'}"
        write_xlsx(stream, views, title=title)
    else:
        write_csv(stream, views)
    return len(views)
