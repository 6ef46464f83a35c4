"""A row with text but no No. is a pillar heading: the projects below belong to it.

南区's sheets print each group's figures on its heading row; those must add up.
"""

import pytest
from tests.ledger.xlsx_factory import (
    HEADER,
    UNIT,
    assert_refused,
    good_rows,
    make_wards,
    seed_ledger,
    write_xlsx,
)

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.models import Project

pytestmark = pytest.mark.django_db


def pillars() -> dict[int, str]:
    return {p.no: (p.pillar.name if p.pillar else "") for p in Project.objects.select_related("pillar")}


def minami_rows(group_settled: int = 565) -> list[list]:
    """南区's layout: the group's figures on the group row, no 小計 rows."""
    return [
        ["令和4年度 南区まちづくり推進経費"],
        [None, None, None, None, None, None, UNIT],
        list(HEADER),
        [None, None, "人材の育成によるまちづくり", None, 3000, 3000, group_settled],
        [1, None, "新たなまちづくり人材育成事業", "講座を開く。", 2700, 2700, 381],
        [2, None, "まちづくり事例視察研修", "視察する。", 300, 300, 184],
        [None, None, "防災力の向上によるまちづくり", None, 1670, 1670, 1623],
        [3, None, "南区地域防災訓練支援事業", "訓練を支援する。", 670, 670, 644],
        [4, None, "防災に強いまちづくり育成事業", "育成する。", 1000, 1000, 979],
        [None, None, "合計", None, 4670, 4670, 2188],
    ]


def test_projects_belong_to_the_heading_above_them(tmp_path):
    make_wards()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": good_rows()})

    import_path(path, actor=SYSTEM)

    assert pillars() == {
        1: "地域活動の負担軽減",
        2: "地域活動の負担軽減",
        3: "おたがいさまで支えあう地域づくり",
        4: "おたがいさまで支えあう地域づくり",
    }


def test_a_heading_written_in_the_no_column_across_merged_cells_counts(tmp_path):
    make_wards()
    rows = good_rows()
    rows[3] = ["地域活動の負担軽減"]
    rows[7] = ["おたがいさまで\n支えあう地域づくり"]
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows}, merges={"中央区": ["A4:D4", "A8:D8"]})

    import_path(path, actor=SYSTEM)

    assert pillars()[1] == "地域活動の負担軽減"
    assert pillars()[4] == "おたがいさまで支えあう地域づくり"


def test_projects_above_the_first_heading_have_no_pillar(tmp_path):
    make_wards()
    rows = good_rows()
    del rows[3]
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert pillars()[1] == ""
    assert pillars()[3] == "おたがいさまで支えあう地域づくり"


def test_it_accepts_group_figures_printed_on_the_heading_when_they_add_up(tmp_path):
    make_wards()
    path = write_xlsx(tmp_path / "南区.xlsx", {"南区": minami_rows()})

    report = import_path(path, actor=SYSTEM)

    assert report.created == 4
    assert pillars()[2] == "人材の育成によるまちづくり"


def test_it_rejects_group_figures_on_the_heading_that_do_not_add_up(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "南区.xlsx", {"南区": minami_rows(group_settled=600)})

    assert_refused(
        path,
        "南区 4行目 「決算額」列: 「人材の育成によるまちづくり」の計が一致しません: "
        "記載 600 千円、明細の合計 565 千円（差 35 千円）",
    )


def test_a_pillar_column_names_each_rows_pillar(tmp_path):
    make_wards()
    rows = [line + [None] * (7 - len(line)) for line in good_rows()]
    rows[2].append("基本方針")
    rows[4].append("ICTの活用")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert pillars()[1] == "ICTの活用"
    assert pillars()[2] == "地域活動の負担軽減"
