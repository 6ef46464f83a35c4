"""A ward-office workbook is read sheet by sheet and written to the ledger all or nothing."""

import pytest
from tests.ledger.xlsx_factory import (
    assert_refused,
    counts,
    good_rows,
    make_wards,
    put,
    seed_ledger,
    settled,
    write_xlsx,
)

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.models import Pillar, Programme, Project

pytestmark = pytest.mark.django_db


def test_it_records_the_settled_figures_of_a_ward_office_sheet(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "中央区.xlsx", {"中央区": good_rows()})

    report = import_path(path, actor=SYSTEM)

    assert (report.created, report.updated, report.figure_changes) == (0, 4, 4)
    assert [settled(no) for no in (1, 2, 3, 4)] == [2_870_000, 981_000, 690_000, 899_000]
    assert "決算額 ― → 2,870" in report.lines[0]


def test_it_builds_programme_pillars_and_projects_in_an_empty_ledger(tmp_path):
    make_wards()
    path = write_xlsx(tmp_path / "中央区.xlsx", {"中央区": good_rows()})

    report = import_path(path, actor=SYSTEM)

    assert report.created == 4
    programme = Programme.objects.get()
    assert (programme.ward.name, programme.fiscal_year) == ("中央区", 2022)
    pillars = list(Pillar.objects.filter(programme=programme).values_list("name", flat=True))
    assert pillars == ["地域活動の負担軽減", "おたがいさまで支えあう地域づくり"]
    project = Project.objects.get(no=3)
    assert (project.name, project.pillar.name, project.description) == (
        "地域防災力強化経費",
        "おたがいさまで支えあう地域づくり",
        "防災講座を開催する。",
    )
    assert (project.initial_yen, project.revised_yen, project.settled_yen) == (700_000, 700_000, 690_000)


def test_importing_the_same_sheet_again_changes_nothing(tmp_path):
    make_wards()
    path = write_xlsx(tmp_path / "中央区.xlsx", {"中央区": good_rows()})
    import_path(path, actor=SYSTEM)
    before = counts()

    again = import_path(path, actor=SYSTEM)

    assert not again.changed_anything
    assert again.unchanged == 4
    assert counts() == before


def test_it_reads_each_sheet_as_its_own_ward_and_year(tmp_path):
    make_wards()
    east = good_rows("令和４年度　東区まちづくり推進経費")
    path = write_xlsx(tmp_path / "二区.xlsx", {"中央区": good_rows(), "東区": east})

    report = import_path(path, actor=SYSTEM)

    assert report.created == 8
    assert set(Programme.objects.values_list("ward__name", "fiscal_year")) == {
        ("中央区", 2022),
        ("東区", 2022),
    }


def test_it_refuses_the_whole_workbook_when_one_sheet_is_wrong(tmp_path):
    seed_ledger()
    east = put(good_rows("令和４年度　東区まちづくり推進経費"), "G12", 5000)
    path = write_xlsx(tmp_path / "二区.xlsx", {"中央区": good_rows(), "東区": east})

    assert_refused(path, "東区 12行目 「決算額」列: 合計が一致しません")
    assert settled(1) is None


def test_it_reports_every_problem_of_every_sheet_at_once(tmp_path):
    seed_ledger()
    chuo = put(put(good_rows(), "E5", "三千"), "B9", "廃止")
    east = put(good_rows("令和４年度　まちづくり推進経費"), "E12", 1)
    path = write_xlsx(tmp_path / "二区.xlsx", {"中央区": chuo, "Sheet2": east})

    messages = assert_refused(
        path,
        "中央区 5行目 「当初予算」列: 金額を読み取れません",
        "中央区 9行目 「区分」列: 区分は 新規・継続・拡充 のいずれか",
        "Sheet2: 区名が見つかりません",
    )
    assert len(messages) == 3


def test_a_dry_run_reports_the_changes_and_writes_nothing(tmp_path):
    seed_ledger()
    before = counts()
    path = write_xlsx(tmp_path / "中央区.xlsx", {"中央区": good_rows()})

    report = import_path(path, dry_run=True, actor=SYSTEM)

    assert report.figure_changes == 4
    assert counts() == before
    assert settled(1) is None


def test_an_empty_sheet_beside_the_ledger_is_skipped_with_a_warning(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "中央区.xlsx", {"中央区": good_rows(), "Sheet2": [[], [None, "  "]]})

    report = import_path(path, actor=SYSTEM)

    assert report.figure_changes == 4
    assert "Sheet2: 空のシートは読み飛ばしました" in report.warnings
