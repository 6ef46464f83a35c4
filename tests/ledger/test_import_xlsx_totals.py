"""小計 rows must equal the projects since the previous heading or 小計; 合計 rows, all the sheet's projects."""

import pytest
from tests.ledger.xlsx_factory import assert_refused, good_rows, put, seed_ledger, settled, write_xlsx

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path

pytestmark = pytest.mark.django_db


def test_it_names_sheet_row_column_and_difference_when_a_subtotal_is_wrong(tmp_path):
    seed_ledger()
    rows = put(put(put(put(good_rows(), "E5", 2000), "E6", 900), "E7", 3000), "E12", 4500)
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    messages = assert_refused(path)

    assert (
        "中央区 7行目 「当初予算」列: 小計が一致しません: 記載 3,000 千円、明細の合計 2,900 千円（差 100 千円）"
        in messages
    )
    assert (
        "中央区 12行目 「当初予算」列: 合計が一致しません: 記載 4,500 千円、明細の合計 4,500 千円（差 0 千円）"
        not in messages
    )


def test_it_rejects_a_total_that_is_not_the_sum_of_all_projects(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": put(good_rows(), "F12", 5700)})

    messages = assert_refused(
        path,
        "中央区 12行目 「2月補正後」列: 合計が一致しません: 記載 5,700 千円、明細の合計 5,600 千円（差 100 千円）",
    )
    assert len(messages) == 1


@pytest.mark.parametrize("label", ["計", "合 計", "まちづくり推進経費 合計", "総計"])
def test_it_knows_the_ways_a_total_is_labelled(tmp_path, label):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": put(put(good_rows(), "C12", label), "G12", 5441)})

    assert_refused(path, "中央区 12行目 「決算額」列: 合計が一致しません")


def test_a_subtotal_may_be_written_in_the_no_column(tmp_path):
    seed_ledger()
    rows = put(put(good_rows(), "C7", None), "A7", "小計")
    put(rows, "G7", 3850)
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(
        path,
        "中央区 7行目 「決算額」列: 小計が一致しません: 記載 3,850 千円、明細の合計 3,851 千円（差 △1 千円）",
    )


def test_sums_that_add_up_are_accepted_and_not_imported_as_projects(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": good_rows()})

    report = import_path(path, actor=SYSTEM)

    assert report.updated == 4 and report.created == 0


def test_a_blank_sum_cell_states_nothing(tmp_path):
    seed_ledger()
    rows = put(put(good_rows(), "G7", None), "G12", "")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert settled(1) == 2_870_000


def test_a_dash_in_a_sum_means_none_and_must_match(tmp_path):
    seed_ledger()
    rows = put(good_rows(), "G7", "―")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, "中央区 7行目 「決算額」列: 小計が一致しません: 記載 ―、明細の合計 3,851 千円")


def test_a_dash_sum_over_projects_without_figures_is_accepted(tmp_path):
    seed_ledger()
    rows = good_rows()
    for coordinate in ("G5", "G6", "G7"):
        put(rows, coordinate, "―")
    put(rows, "G12", 1589)
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert settled(1) is None and settled(3) == 690_000


def test_a_sheet_without_any_sums_is_accepted(tmp_path):
    seed_ledger()
    rows = [line for line in good_rows() if line[2:3] not in (["小計"], ["合計"])]
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert settled(4) == 899_000
