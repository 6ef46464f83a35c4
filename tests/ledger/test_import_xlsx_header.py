"""The header row is found by its labels wherever it is, over one row or two, in any column order."""

import pytest
from tests.ledger.xlsx_factory import (
    HEADER,
    assert_refused,
    good_rows,
    make_wards,
    seed_ledger,
    settled,
    write_xlsx,
)

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.models import Project

pytestmark = pytest.mark.django_db


def shifted(rows: list[list], columns: int) -> list[list]:
    return [[None] * columns + row for row in rows]


def test_it_finds_the_header_below_notes_and_away_from_column_a(tmp_path):
    seed_ledger()
    rows = good_rows()
    rows[2:2] = [["※ 令和5年3月31日現在"], [], ["決算の状況"]]
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": shifted(rows, 2)})

    import_path(path, actor=SYSTEM)

    assert settled(4) == 899_000


@pytest.mark.parametrize(
    "labels",
    [
        ["No.", "区分", "事業名", "事業概要", "R4当初", "補正後", "決算"],
        ["NO", "状態", "事業名", "R4事業内容", "当初予算額", "２月補正後", "決算額"],
        ["番号", "区分", "事 業 名", "事業内容", "当初\n予算額", "２月\n補正後", "決算額\n（千円）"],
    ],
)
def test_it_knows_the_labels_ward_offices_use(tmp_path, labels):
    seed_ledger()
    rows = good_rows()
    rows[2] = labels
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert settled(1) == 2_870_000
    assert Project.objects.get(no=1).description == "ICT各種相談や体験を提供する。"


def test_it_reads_a_header_over_two_rows(tmp_path):
    seed_ledger()
    rows = good_rows()
    rows[2:3] = [
        ["№", "区分", "事業名", "事業内容", "予算額", None, "決算額"],
        [None, None, None, None, "当初", "2月補正後", None],
    ]
    path = write_xlsx(
        tmp_path / "book.xlsx", {"中央区": rows}, merges={"中央区": ["E3:F3", "A3:A4", "C3:C4"]}
    )

    import_path(path, actor=SYSTEM)

    project = Project.objects.get(no=2)
    assert (project.initial_yen, project.revised_yen, project.settled_yen) == (1_000_000, 1_000_000, 981_000)


def test_it_reads_columns_in_any_order(tmp_path):
    seed_ledger()
    order = [2, 0, 6, 4, 5, 3, 1]  # 事業名, №, 決算額, 当初予算, 2月補正後, 事業内容, 区分
    rows = good_rows()
    rows[3:] = [[(line + [None] * 7)[i] for i in order] for line in rows[3:]]
    rows[2] = [HEADER[i] for i in order]
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert settled(3) == 690_000


def test_it_ignores_unknown_columns_and_says_so(tmp_path):
    seed_ledger()
    rows = [line + [None] * (7 - len(line)) + ["メモ"] for line in good_rows()]
    rows[2][7] = "備考"
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    report = import_path(path, actor=SYSTEM)

    assert settled(1) == 2_870_000
    assert "中央区: 不明な列「備考」（H列）は無視しました" in report.warnings


def test_it_warns_that_descriptions_are_empty_without_their_column(tmp_path):
    make_wards()
    rows = [line[:3] + line[4:] for line in good_rows()]
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    report = import_path(path, actor=SYSTEM)

    assert Project.objects.get(no=1).description == ""
    assert "中央区: 事業内容の列がないため、事業内容は空として取り込みます" in report.warnings


def test_it_rejects_a_header_without_a_required_column(tmp_path):
    seed_ledger()
    rows = [line[:6] for line in good_rows()]
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, "中央区 3行目 「決算額」列: この見出しの列がありません")


def test_it_rejects_a_column_that_appears_twice(tmp_path):
    seed_ledger()
    rows = [line + [None] * (7 - len(line)) + [None] for line in good_rows()]
    rows[2][7] = "R5当初"
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, "中央区 3行目 「当初予算」列: 同じ見出しの列が複数あります（E列・H列）")


def test_it_rejects_a_sheet_without_a_header(tmp_path):
    seed_ledger()
    rows = [["令和4年度 中央区まちづくり推進経費"], ["表紙"], ["地域の取組みをまとめました"]]
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": good_rows(), "表紙": rows})

    assert_refused(path, "表紙: 見出し行（№・事業名・当初予算・2月補正後・決算額）が見つかりません")
