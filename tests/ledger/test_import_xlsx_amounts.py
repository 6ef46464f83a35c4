"""Amounts as numbers or as text people type: 1,000 / １，０００ / ― for none / △ for negative."""

import datetime as dt

import pytest
from tests.ledger.xlsx_factory import assert_refused, good_rows, put, seed_ledger, write_xlsx

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.models import Project

pytestmark = pytest.mark.django_db


def figures(no: int) -> tuple:
    project = Project.objects.get(no=no)
    return project.initial_yen, project.revised_yen, project.settled_yen


def test_it_reads_amounts_written_as_text(tmp_path):
    seed_ledger()
    rows = good_rows()
    rows[4][4:7] = ["3,000", "３，０００", "2,870"]
    rows[5][4:7] = [1000.0, "1000", "９８１"]
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert figures(1) == (3_000_000, 3_000_000, 2_870_000)
    assert figures(2) == (1_000_000, 1_000_000, 981_000)


@pytest.mark.parametrize("none", ["―", "－", "-", "ー", "", None])
def test_it_reads_every_dash_and_an_empty_cell_as_none(tmp_path, none):
    seed_ledger()
    rows = good_rows()
    rows[8][4:7] = [700, 700, none]
    rows[10][6], rows[11][6] = 899, 4750  # 小計 and 合計 of 決算額 without No.3
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert figures(3) == (700_000, 700_000, None)


def test_it_keeps_a_fraction_of_a_thousand_as_yen(tmp_path):
    seed_ledger()
    rows = put(put(put(good_rows(), "G5", 2870.5), "G7", "3,851.5"), "G12", 5440.5)
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert figures(1)[2] == 2_870_500


def test_a_negative_figure_is_read_and_then_refused_for_a_project(tmp_path):
    seed_ledger()
    rows = put(put(put(good_rows(), "G9", "△690"), "G11", 209), "G12", 4060)
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, "中央区 9行目 「決算額」列: 事業の金額は負にできません")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (dt.date(2022, 4, 1), "日付が入っています（金額を入力してください）"),
        ("約3,000", "金額を読み取れません"),
        (True, "金額ではありません"),
        (0.0004, "1円未満の端数があります"),
        (10**13, "金額が大きすぎます"),
    ],
)
def test_it_rejects_what_is_not_an_amount(tmp_path, value, message):
    seed_ledger()
    rows = put(good_rows(), "E9", value)
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, f"中央区 9行目 「当初予算」列: {message}")
