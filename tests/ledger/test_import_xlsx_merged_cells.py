"""Names broken over lines and merged cells read as one name; a description over merged rows, as one text."""

import pytest
from tests.ledger.xlsx_factory import assert_refused, good_rows, make_wards, put, seed_ledger, write_xlsx

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.models import Project

pytestmark = pytest.mark.django_db


def test_a_japanese_name_broken_over_lines_is_joined_without_spaces(tmp_path):
    seed_ledger()
    rows = put(good_rows(), "C5", "中央区地域ICT推進拠点事\n業")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    report = import_path(path, actor=SYSTEM)

    assert Project.objects.get(no=1).name == "中央区地域ICT推進拠点事業"
    assert not any("事業名を変更" in line for line in report.lines)


def test_an_english_name_broken_over_lines_keeps_a_space(tmp_path):
    make_wards()
    rows = put(good_rows(), "C6", "Machi School\nProject")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert Project.objects.get(no=2).name == "Machi School Project"


def test_a_project_over_two_merged_rows_reads_as_one(tmp_path):
    make_wards()
    rows = good_rows()
    rows[5:6] = [
        [2, None, "中央区まちづくり\nスクール事業", "マンガ制作のワークショップを開催し、", 1000, 1000, 981],
        [None, None, None, "中高生の地域への関心を深める。"],
    ]
    merges = ["A6:A7", "B6:B7", "C6:C7", "E6:E7", "F6:F7", "G6:G7"]
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows}, merges={"中央区": merges})

    report = import_path(path, actor=SYSTEM)

    project = Project.objects.get(no=2)
    assert project.name == "中央区まちづくりスクール事業"
    assert project.description == "マンガ制作のワークショップを開催し、\n中高生の地域への関心を深める。"
    assert report.created == 4


def test_a_title_merged_across_the_sheet_is_read_from_its_first_cell(tmp_path):
    make_wards()
    path = write_xlsx(tmp_path / "book.xlsx", {"Sheet1": good_rows()}, merges={"Sheet1": ["A1:G1"]})

    import_path(path, actor=SYSTEM)

    assert Project.objects.filter(programme__ward__name="中央区").count() == 4


def test_a_description_row_under_no_project_is_refused(tmp_path):
    seed_ledger()
    rows = good_rows()
    rows.insert(4, [None, None, None, "どの事業の説明でもない行"])
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, "中央区 5行目 「事業名」列: 事業名とNo.のない行に事業内容があります")


def test_amounts_on_a_row_without_name_or_no_are_refused(tmp_path):
    seed_ledger()
    rows = good_rows()
    rows.insert(6, [None, None, None, "追加分", 100, 100, 100])
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, "中央区 7行目 「事業名」列: 事業名とNo.のない行に金額があります")
