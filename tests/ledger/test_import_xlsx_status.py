"""A project's 区分 comes from its own column or from a 【新規】-style marker in its name, which is removed."""

import pytest
from tests.ledger.xlsx_factory import assert_refused, good_rows, make_wards, put, seed_ledger, write_xlsx

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.models import Project

pytestmark = pytest.mark.django_db


def statuses() -> dict[int, tuple[str, str]]:
    return {p.no: (p.status, p.name) for p in Project.objects.all()}


def test_it_reads_the_status_column(tmp_path):
    seed_ledger()
    rows = put(put(put(good_rows(), "B5", "新規"), "B6", "拡充"), "B9", "継続")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert [statuses()[no][0] for no in (1, 2, 3, 4)] == ["新規", "拡充", "継続", ""]


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("【新規】中央区地域ICT推進拠点事業", "新規"),
        ("中央区地域ICT推進拠点事業【拡充】", "拡充"),
        ("【新規】\n中央区地域ICT推進拠点事業", "新規"),
        ("中央区地域ICT推進拠点事業　（継続）", "継続"),
        ("［新規］中央区地域ICT推進拠点事業", "新規"),
    ],
)
def test_it_takes_a_marker_out_of_the_name(tmp_path, written, status):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": put(good_rows(), "C5", written)})

    import_path(path, actor=SYSTEM)

    assert statuses()[1] == (status, "中央区地域ICT推進拠点事業")


def test_a_marker_that_agrees_with_the_column_is_accepted(tmp_path):
    make_wards()
    rows = put(put(good_rows(), "B5", "新規"), "C5", "【新規】中央区地域ICT推進拠点事業")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    import_path(path, actor=SYSTEM)

    assert statuses()[1] == ("新規", "中央区地域ICT推進拠点事業")


def test_it_rejects_a_marker_that_contradicts_the_column(tmp_path):
    seed_ledger()
    rows = put(put(good_rows(), "B5", "継続"), "C5", "【新規】中央区地域ICT推進拠点事業")
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": rows})

    assert_refused(path, "中央区 5行目 「区分」列: 区分「継続」が事業名の【新規】と食い違っています")


def test_it_rejects_an_unknown_status(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": put(good_rows(), "B6", "廃止")})

    assert_refused(path, "中央区 6行目 「区分」列: 区分は 新規・継続・拡充 のいずれか")


def test_it_rejects_a_name_that_is_only_a_marker(tmp_path):
    seed_ledger()
    path = write_xlsx(tmp_path / "book.xlsx", {"中央区": put(good_rows(), "C6", "【新規】")})

    assert_refused(path, "中央区 6行目 「事業名」列: 事業名が空です")
