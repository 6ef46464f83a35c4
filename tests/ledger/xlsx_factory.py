"""Building ward-office workbooks and a small ledger for the XLSX import and export tests.

Plain functions rather than fixtures, so each test says what it sets up.
"""

from pathlib import Path

import pytest
from openpyxl import Workbook

from machi.accounts.actors import SYSTEM
from machi.ledger.actions import import_ledger
from machi.ledger.importers import import_path
from machi.ledger.importers.csv_reader import read_csv_bytes
from machi.ledger.importers.rows import LedgerImportError
from machi.ledger.models import FigureChange, Pillar, Programme, Project, Ward

WARDS = (
    ("431010", "中央区", "Chuo Ward"),
    ("431028", "東区", "Higashi Ward"),
    ("431036", "西区", "Nishi Ward"),
    ("431044", "南区", "Minami Ward"),
    ("431052", "北区", "Kita Ward"),
)
HEADER = ["№", "区分", "事業名", "事業内容", "当初予算", "2月補正後", "決算額"]
TITLE = "令和４年度　中央区まちづくり推進経費"
UNIT = "（単位：千円）"

# The ledger before the good sheet is imported: the same projects, not yet settled.
SEED_CSV = """fiscal_year,ward_code,ward,pillar,no,name,status,description,initial,revised,settled
2022,431010,中央区,地域活動の負担軽減,1,中央区地域ICT推進拠点事業,,ICT各種相談や体験を提供する。,3000,3000,
2022,431010,中央区,地域活動の負担軽減,2,中央区まちづくりスクール事業,,マンガ制作のワークショップを開催する。,1000,1000,
2022,431010,中央区,おたがいさまで支えあう地域づくり,3,地域防災力強化経費,,防災講座を開催する。,700,700,
2022,431010,中央区,おたがいさまで支えあう地域づくり,4,避難所運営支援事業,,地域での防災訓練を支援する。,900,900,
"""


def make_wards() -> None:
    for code, name, name_en in WARDS:
        Ward.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "city_name": "熊本市"}
        )


def seed_ledger() -> None:
    """The five wards and 中央区's four projects for 令和4年度 (settled figures still empty)."""
    make_wards()
    result = read_csv_bytes(SEED_CSV.encode(), "seed.csv")
    assert not result.problems
    import_ledger(result.rows, source="seed.csv", actor=SYSTEM)


def good_rows(title: str = TITLE) -> list[list]:
    """中央区's sheet as the ward office keeps it: two pillars, their 小計, the 合計."""
    return [
        [title],
        [None, None, None, None, None, None, UNIT],
        list(HEADER),
        [None, None, "地域活動の負担軽減"],
        [1, None, "中央区地域ICT推進拠点事業", "ICT各種相談や体験を提供する。", 3000, 3000, 2870],
        [2, None, "中央区まちづくりスクール事業", "マンガ制作のワークショップを開催する。", 1000, 1000, 981],
        [None, None, "小計", None, 4000, 4000, 3851],
        [None, None, "おたがいさまで支えあう地域づくり"],
        [3, None, "地域防災力強化経費", "防災講座を開催する。", 700, 700, 690],
        [4, None, "避難所運営支援事業", "地域での防災訓練を支援する。", 900, 900, 899],
        [None, None, "小計", None, 1600, 1600, 1589],
        [None, None, "合計", None, 5600, 5600, 5440],
    ]


def write_xlsx(
    path: Path, sheets: dict[str, list[list]], *, merges: dict[str, list[str]] | None = None
) -> Path:
    """A workbook with one sheet per entry, rows written from A1; `merges` lists ranges per sheet."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cell_range in (merges or {}).get(name, []):
            sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


def counts() -> dict[str, int]:
    return {
        "programmes": Programme.objects.count(),
        "pillars": Pillar.objects.count(),
        "projects": Project.objects.count(),
        "figure_changes": FigureChange.objects.count(),
    }


def assert_refused(path: Path, *fragments: str) -> list[str]:
    """Importing `path` is refused, every fragment is in some problem, and the ledger is untouched."""
    before = counts()
    with pytest.raises(LedgerImportError) as refused:
        import_path(path, actor=SYSTEM)
    assert counts() == before
    messages = [str(problem) for problem in refused.value.problems]
    for fragment in fragments:
        assert any(fragment in message for message in messages), (fragment, messages)
    return messages


def settled(no: int, ward: str = "中央区", fiscal_year: int = 2022) -> int | None:
    return Project.objects.get(
        programme__ward__name=ward, programme__fiscal_year=fiscal_year, no=no
    ).settled_yen


def put(rows: list[list], coordinate: str, value) -> list[list]:
    """Set one cell of a sheet's rows by its Excel coordinate ("E5"), growing the rows as needed."""
    from openpyxl.utils.cell import coordinate_to_tuple

    row, column = coordinate_to_tuple(coordinate)
    while len(rows) < row:
        rows.append([])
    line = rows[row - 1]
    line.extend([None] * (column - len(line)))
    line[column - 1] = value
    return rows


def rewrite_part(path: Path, part: str, transform) -> Path:
    """Rewrite one file inside the xlsx zip (bytes → bytes), for what openpyxl will not write."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info.filename, transform(data) if info.filename == part else data)
    return path
