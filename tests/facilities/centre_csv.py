"""Building centres and rooms CSV files for the import and export tests."""

import csv
import io
from pathlib import Path

import pytest

from machi.core.importing import ImportRefused
from machi.facilities.importers import CENTRE_COLUMNS, ROOM_COLUMNS, import_path


def csv_bytes(header, rows, *, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header] if isinstance(row, dict) else row)
    return buffer.getvalue().encode(encoding)


def centre_row(**cells) -> dict:
    """A 公共施設一覧 row for 中央区 with the cells given (by column label) on top of a minimal one."""
    row = {
        "都道府県コード又は市区町村コード": "431010",
        "都道府県名": "熊本県",
        "市区町村名": "熊本市中央区",
        "名称": "白川地域コミュニティセンター",
        "利用可能曜日": "月火水木金土日",
        "開始時間": "09:00",
        "終了時間": "21:00",
    }
    row.update(cells)
    return row


def write_centres(tmp_path: Path, rows, *, header=CENTRE_COLUMNS, name="centres.csv", **kwargs) -> Path:
    path = tmp_path / name
    path.write_bytes(csv_bytes(header, rows, **kwargs))
    return path


def write_rooms(tmp_path: Path, rows, *, header=ROOM_COLUMNS, name="rooms.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(csv_bytes(header, rows))
    return path


def refusal(path: Path, **kwargs) -> list[str]:
    """Every problem the import reports, as a person reads them."""
    from machi.accounts.actors import SYSTEM

    kwargs.setdefault("actor", SYSTEM)
    with pytest.raises(ImportRefused) as refused:
        import_path(path, **kwargs)
    return [str(problem) for problem in refused.value.problems]
