"""The file must carry values: a formula is refused, not evaluated, wherever the reader looks."""

import pytest
from openpyxl import Workbook
from tests.ledger.xlsx_factory import assert_refused, good_rows, make_wards, put, seed_ledger, write_xlsx

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.models import Project

pytestmark = pytest.mark.django_db


def test_it_rejects_a_sum_written_as_a_formula(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": put(good_rows(), "E7", "=SUM(E5:E6)")})

    assert_refused(
        path,
        "中央区 7行目 「当初予算」列: E7: 数式が入っています（値として保存し直してください）: =SUM(E5:E6)",
    )


def test_it_rejects_a_project_figure_written_as_a_formula(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": put(good_rows(), "F5", "=E5")})

    assert_refused(path, "中央区 5行目 「2月補正後」列: F5: 数式が入っています")


def test_it_rejects_an_error_value(tmp_path):
    seed_ledger()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "中央区"
    for row in good_rows():
        sheet.append(row)
    sheet["G6"].value = "#REF!"
    sheet["G6"].data_type = "e"
    workbook.save(tmp_path / "book.xlsx")

    assert_refused(tmp_path / "book.xlsx", "中央区 6行目 「決算額」列: G6: エラー値 #REF! が入っています")


def test_a_formula_outside_the_ledger_columns_is_ignored(tmp_path):
    seed_ledger()
    rows = put(put(good_rows(), "H3", "執行率"), "H5", "=G5/F5")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    report = import_path(path, actor=SYSTEM)

    assert report.figure_changes == 4
    assert any("執行率" in warning for warning in report.warnings)


def _with_text_cell(tmp_path, text: str, *, quote_prefix: bool):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "中央区"
    for row in good_rows():
        sheet.append(row)
    cell = sheet["D5"]
    cell.value = text
    cell.data_type = "s"
    cell.quotePrefix = quote_prefix
    workbook.save(tmp_path / "book.xlsx")
    return tmp_path / "book.xlsx"


def test_text_typed_with_a_leading_apostrophe_is_read_as_text(tmp_path):
    make_wards()
    path = _with_text_cell(tmp_path, "=ICT相談の窓口", quote_prefix=True)

    import_path(path, actor=SYSTEM)

    assert Project.objects.get(no=1).description == "=ICT相談の窓口"


def test_text_that_looks_like_a_formula_without_the_apostrophe_is_refused(tmp_path):
    seed_ledger()
    path = _with_text_cell(tmp_path, '=HYPERLINK("http://example.com")', quote_prefix=False)

    assert_refused(path, "中央区 5行目 「事業内容」列: 数式は読み込めません")
