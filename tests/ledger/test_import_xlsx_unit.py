"""The unit note (単位：千円 / 単位：円) decides how the sheet's figures are read; 千円 when absent."""

import pytest
from tests.ledger.xlsx_factory import (
    HEADER,
    assert_refused,
    good_rows,
    make_wards,
    put,
    seed_ledger,
    settled,
    write_xlsx,
)

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.models import Project

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("note", ["（単位：千円）", "単位：千円", "(単位:千円)", "単位　千円"])
def test_it_reads_thousands_of_yen_under_any_spelling_of_the_note(tmp_path, note):
    seed_ledger()
    rows = put(good_rows(), "G2", note)
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    report = import_path(path, actor=SYSTEM)

    assert settled(1) == 2_870_000
    assert not any("単位" in w for w in report.warnings)


def test_it_reads_yen_when_the_note_says_yen(tmp_path):
    make_wards()
    rows = put(good_rows(), "G2", "（単位：円）")
    for line in rows[3:]:
        for index in range(4, min(len(line), 7)):
            if isinstance(line[index], int):
                line[index] *= 1000
    put(rows, "G5", "2,870,123")
    put(rows, "G7", 3_851_123)
    put(rows, "G12", "5,440,123")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert Project.objects.get(no=1).settled_yen == 2_870_123
    assert Project.objects.get(no=2).initial_yen == 1_000_000


def test_a_note_in_the_title_row_counts(tmp_path):
    seed_ledger()
    rows = good_rows()
    rows[0] = ["令和4年度 中央区まちづくり推進経費　（単位：千円）"]
    rows[1] = []
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    report = import_path(path, actor=SYSTEM)

    assert settled(2) == 981_000
    assert not any("単位" in w for w in report.warnings)


def test_a_unit_in_the_amount_headers_counts(tmp_path):
    make_wards()
    rows = good_rows()
    rows[1] = []
    rows[2] = [*HEADER[:4], "当初予算（千円）", "2月補正後（千円）", "決算額（千円）"]
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    report = import_path(path, actor=SYSTEM)

    assert settled(1) == 2_870_000
    assert not any("単位" in w for w in report.warnings)


def test_without_a_note_it_reads_thousands_and_warns(tmp_path):
    seed_ledger()
    rows = good_rows()
    rows[1] = []
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    report = import_path(path, actor=SYSTEM)

    assert settled(1) == 2_870_000
    assert "中央区: 単位の記載（単位：千円 など）がないため、千円として読みました" in report.warnings


def test_it_rejects_notes_that_disagree(tmp_path):
    seed_ledger()
    rows = put(good_rows(), "A2", "単位：円")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, "単位の記載が食い違っています")


def test_it_rejects_an_amount_whose_own_unit_disagrees_with_the_note(tmp_path):
    seed_ledger()
    rows = put(good_rows(), "G5", "2,870円")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, "中央区 5行目 「決算額」列: 単位が表の単位と合いません")
