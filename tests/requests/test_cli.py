"""`machi requests import-categories|export|post-outcomes` with real files: categories in all or nothing (a
rerun changes nothing), the public requests out as CSV and XLSX without a person, outcomes posted."""

import csv
import io
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.ledger.models import Outcome, Project
from machi.requests import actions
from machi.requests.models import Category

from .conftest import CITY_HALL, TUESDAY

pytestmark = pytest.mark.django_db

HEADER = "区,コード,名称,分類,説明,公開,目標日数,事業年度,事業No,受付中\r\n"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("requests", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, text: str, encoding="utf-8-sig", name="categories.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def fund15(fund):
    fund.no = 15
    fund.save()
    return fund


def test_categories_are_imported_and_a_rerun_changes_nothing(tmp_path, chuo, higashi, fund15):
    path = write(
        tmp_path,
        HEADER
        + "中央区,road,道路の破損,道路,穴・段差など,はい,5,令和8年度,15,はい\r\n"
        + "431028,light,街灯の故障,照明,,,,,,\r\n",
    )
    out, _ = run("import-categories", str(path))
    assert "新規 2 件" in out
    road = Category.objects.get(ward=chuo, code="road")
    assert (road.name, road.group, road.target_days, road.fund, road.public) == (
        "道路の破損",
        "道路",
        5,
        fund15,
        True,
    )
    light = Category.objects.get(ward=higashi, code="light")
    assert (light.target_days, light.fund, light.active) == (10, None, True)
    entries = AuditEntry.objects.count()
    out, _ = run("import-categories", str(path))
    assert "新規 0 件、更新 0 件、変更なし 2 件" in out
    assert AuditEntry.objects.count() == entries


def test_a_changed_row_updates_and_a_dry_run_writes_nothing(tmp_path, chuo, fund15):
    first = write(tmp_path, HEADER + "中央区,road,道路の破損,道路,,はい,5,,,はい\r\n")
    run("import-categories", str(first))
    changed = write(
        tmp_path, HEADER + "中央区,road,道路の破損,道路,,いいえ,7,2026,15,いいえ\r\n", name="b.csv"
    )
    out, _ = run("import-categories", str(changed), "--dry-run")
    assert "更新 1 件" in out and "書き込んでいません" in out
    assert Category.objects.get(code="road").target_days == 5
    run("import-categories", str(changed))
    road = Category.objects.get(code="road")
    assert (road.public, road.target_days, road.active, road.fund) == (False, 7, False, fund15)


def test_a_cp932_file_is_read(tmp_path, chuo):
    path = write(tmp_path, HEADER + "中央区,park,公園の遊具,公園,,,,,,\r\n", encoding="cp932")
    run("import-categories", str(path))
    assert Category.objects.get(code="park").name == "公園の遊具"


def test_any_bad_row_refuses_the_file_naming_each_row(tmp_path, chuo, fund15):
    path = write(
        tmp_path,
        HEADER
        + "中央区,road,道路の破損,,,,5,,,\r\n"
        + "西区,x,ごみ,,,,,,,\r\n"
        + "中央区,road,重複,,,,,,,\r\n"
        + "中央区,tree,=HYPERLINK(1),,,,abc,,,\r\n"
        + "中央区,sign,標識,,,たぶん,,2026,99,\r\n"
        + "中央区,,名前だけ,,,,,,,\r\n",
    )
    with pytest.raises(CommandError) as refused:
        run("import-categories", str(path))
    assert "何も書き込んでいません" in str(refused.value)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("requests", "import-categories", str(path), stdout=StringIO(), stderr=err)
    problems = err.getvalue()
    for expected in (
        "3行目 「区」列: 区「西区」がありません",
        "4行目 「コード」列: 2行目と同じ区・コードです",
        "5行目 「名称」列: 数式は読み込めません",
        "5行目 「目標日数」列: 1から365までの整数",
        "6行目 「公開」列: 「はい」か「いいえ」",
        "6行目 「事業No」列: 中央区の2026年度 No.99 の事業がありません",
        "7行目 「コード」列: 空です",
    ):
        assert expected in problems, problems
    assert not Category.objects.exists()


def test_a_file_without_the_needed_columns_or_not_text_is_refused(tmp_path, chuo):
    with pytest.raises(CommandError):
        run("import-categories", str(write(tmp_path, "名前,説明\r\n道路,\r\n")))
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(CommandError):
        run("import-categories", str(binary))
    with pytest.raises(CommandError):
        run("import-categories", str(tmp_path / "missing.csv"))
    assert not Category.objects.exists()


def test_ward_staff_import_only_their_ward(tmp_path, chuo, higashi, staff):
    path = write(tmp_path, HEADER + "東区,light,街灯の故障,,,,,,,\r\n")
    with pytest.raises(CommandError) as refused:
        run("import-categories", str(path), "--user", staff.username)
    assert "東区" in str(refused.value)
    assert not Category.objects.exists()


@pytest.fixture
def reported(road, higashi):
    made = [
        actions.submit_request(
            actor=SYSTEM,
            category=road,
            description="熊本花子の家の前の穴",
            latitude=CITY_HALL[0],
            longitude=CITY_HALL[1],
            address="手取本町1-1 熊本方",
            caller_name="熊本 花子",
            caller_phone="096-123-4567",
            now=TUESDAY,
        )
        for _ in range(5)
    ]
    made[0].refresh_from_db()
    actions.change_status(
        actor=SYSTEM,
        request=made[0],
        to="declined",
        expected_version=made[0].version,
        reason="私有地のため",
        internal_note="花子さんは怒っていた",
        now=TUESDAY,
    )
    east = Category.objects.create(ward=higashi, code="light", name="街灯の故障")
    actions.submit_request(actor=SYSTEM, category=east, description="x", address="東区役所", now=TUESDAY)
    return made


def test_the_export_holds_the_public_columns_and_no_person(tmp_path, reported):
    path = tmp_path / "requests.csv"
    _, err = run("export", "--year", "2026", "--ward", "中央区", "-o", str(path))
    assert "5 件" in err
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    for private in ("花子", "096", "手取本町", "怒って", "穴"):
        assert private not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["番号"] for r in rows] == [f"431010-2026-{n}" for n in range(1, 6)]
    assert rows[0]["状態"] == "対応不可" and rows[0]["対応不可の理由"] == "私有地のため"
    assert rows[0]["緯度（約50m単位）"] == "32.8030" and rows[0]["受付日時"] == "2026-06-02 10:00"


def test_the_export_as_xlsx_for_every_ward(tmp_path, reported):
    path = tmp_path / "requests.xlsx"
    run("export", "--year", "令和8年度", "--format", "xlsx", "-o", str(path))
    sheet = openpyxl.load_workbook(path).active
    values = [[c for c in row] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert len(values) == 6 and values[-1][0] == "431028-2026-1"
    assert not any("花子" in str(cell) for row in values for cell in row)
    with pytest.raises(CommandError):
        run("export", "--year", "2026", "--format", "xlsx")  # a workbook needs a file
    with pytest.raises(CommandError):
        run("export", "--year", "2026", "--ward", "どこか区")


def test_post_outcomes_from_the_command_line(fund15, reported):
    out, _ = run("post-outcomes", "--year", "2026", "--month", "6", "--ward", "中央区")
    assert "中央区 No.15 課題対応経費: 2026年6月 受付 5 件、対応済 0 件、引継ぎ 0 件、対応不可 1 件" in out
    assert Outcome.objects.filter(project=fund15, source="requests", metric="declined", value=1).exists()
    with pytest.raises(CommandError):
        run("post-outcomes", "--year", "2026", "--month", "13")
    assert Project.objects.count() == 1
