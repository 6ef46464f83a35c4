"""The title row names the year (和暦 or 西暦) and the ward; the sheet's name may name the ward instead."""

import pytest
from tests.ledger.xlsx_factory import assert_refused, good_rows, make_wards, put, seed_ledger, write_xlsx

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.models import Programme

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("title", "fiscal_year"),
    [
        ("令和４年度　中央区まちづくり推進経費", 2022),
        ("令和4年度 中央区まちづくり推進経費", 2022),
        ("2022年度 中央区まちづくり推進経費", 2022),
        ("２０２２年度　中央区　まちづくり推進経費", 2022),
        ("R5 中央区まちづくり推進経費", 2023),
        ("令和元年度 中央区まちづくり推進経費", 2019),
        ("平成31年度 中央区まちづくり推進経費", 2019),
        ("熊本市中央区 令和4年度 まちづくり推進経費", 2022),
    ],
)
def test_it_reads_the_year_and_ward_from_the_title(tmp_path, title, fiscal_year):
    make_wards()
    path = write_xlsx(tmp_path / "book.xlsx", {"Sheet1": good_rows(title)})

    import_path(path, actor=SYSTEM)

    assert list(Programme.objects.values_list("ward__name", "fiscal_year")) == [("中央区", fiscal_year)]


def test_it_takes_the_ward_from_the_sheet_name_when_the_title_has_none(tmp_path):
    make_wards()
    path = write_xlsx(tmp_path / "book.xlsx", {"南区": good_rows("令和4年度 まちづくり推進経費")})

    import_path(path, actor=SYSTEM)

    assert list(Programme.objects.values_list("ward__name", flat=True)) == ["南区"]


def test_it_finds_a_title_below_blank_rows_and_away_from_column_a(tmp_path):
    make_wards()
    rows = good_rows()
    rows[0] = [None, None, "令和4年度 東区まちづくり推進経費"]
    rows.insert(0, [])
    path = write_xlsx(tmp_path / "book.xlsx", {"Sheet1": rows})

    import_path(path, actor=SYSTEM)

    assert list(Programme.objects.values_list("ward__name", flat=True)) == ["東区"]


def test_it_rejects_a_sheet_without_a_year(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": good_rows("中央区まちづくり推進経費")})

    assert_refused(path, "中央区: 年度が見つかりません")


def test_it_rejects_a_year_that_no_era_has(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": good_rows("平成40年度 中央区まちづくり推進経費")})

    assert_refused(path, "中央区 1行目: 平成40年度は存在しません")


def test_it_rejects_a_sheet_without_a_ward(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"Sheet1": good_rows("令和4年度 まちづくり推進経費")})

    assert_refused(
        path, "Sheet1: 区名が見つかりません（タイトル行かシート名に、登録済みの区名を書いてください"
    )


def test_it_rejects_a_ward_that_is_not_registered(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"川崎区": good_rows("令和4年度 川崎区まちづくり推進経費")})

    assert_refused(path, "川崎区: 区名が見つかりません")


def test_it_rejects_a_title_written_as_a_formula(tmp_path):
    seed_ledger()
    rows = put(good_rows(), "A1", '="令和4年度 "&"中央区"')
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, "中央区 1行目: A1: 数式が入っています")
