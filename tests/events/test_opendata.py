"""イベント一覧 CSV: the standard's columns out and in (either naming), UTF-8 with or without BOM or CP932,
all or nothing with every problem at its row and column."""

import csv
import datetime
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from machi.accounts.actors import SYSTEM
from machi.core.importing import ImportRefused
from machi.events.models import Event
from machi.events.opendata import COLUMNS, STANDARD_COLUMNS, export_events, import_events


@pytest.fixture
def numbered(project):
    project.no = 3
    project.save()
    return project


HEADER = (
    "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,イベント名,イベント名_カナ,イベント名_英語,"
    "開始日,終了日,開始時間,終了時間,開始日時特記事項,説明,料金(基本),料金(詳細),連絡先名称,連絡先電話番号,"
    "連絡先内線番号,主催者,場所名称,住所,方書,緯度,経度,アクセス方法,駐車場情報,定員,参加申込終了日,"
    "参加申込終了時間,参加申込方法,URL,備考"
)


def standard_row(**cells) -> str:
    values = dict.fromkeys(STANDARD_COLUMNS, "")
    values.update(
        {
            "都道府県コード又は市区町村コード": "431010",
            "市区町村名": "熊本市中央区",
            "イベント名": "地域の防災講座",
            "イベント名_カナ": "ちいきのぼうさいこうざ",
            "開始日": "令和8年5月10日",
            "開始時間": "10:00",
            "終了時間": "12:00",
            "料金(基本)": "無料",
            "場所名称": "中央公民館",
            "住所": "熊本市中央区手取本町1-1",
            "緯度": "32.803",
            "経度": "130.707",
            "定員": "３０",
            "参加申込終了日": "2026/5/8",
            "参加申込終了時間": "17:00",
            "参加申込方法": "電話",
        }
        | cells
    )
    return ",".join(values[c] for c in STANDARD_COLUMNS)


def run_import(data: bytes, *, dry_run=False, project="2026:3"):
    return import_events(data, source="events.csv", actor=SYSTEM, project=project, dry_run=dry_run)


def test_a_cp932_file_in_the_standard_columns_makes_a_published_event(numbered):
    data = f"{HEADER}\r\n{standard_row()}\r\n".encode("cp932")

    report = run_import(data)

    event = Event.objects.get()
    assert report.created == ["中央区 地域の防災講座（2026-05-10）"]
    assert (event.project, event.status, event.capacity_seats) == (numbered, Event.Status.PUBLISHED, 30)
    assert event.fee_yen is None and event.venue_name == "中央公民館"
    (session,) = event.sessions.all()
    assert session.starts_at == datetime.datetime(2026, 5, 10, 1, 0, tzinfo=datetime.UTC)
    assert event.registration_closes_at == datetime.datetime(2026, 5, 8, 8, 0, tzinfo=datetime.UTC)
    # Again: nothing new.
    assert run_import(data).unchanged == ["中央区 地域の防災講座（2026-05-10）"]
    assert Event.objects.count() == 1


def test_the_current_standards_labels_and_a_bom_read_the_same(numbered):
    header = (
        HEADER.replace("都道府県コード又は市区町村コード", "全国地方公共団体コード")
        .replace(",NO,", ",ID,")
        .replace("市区町村名", "地方公共団体名")
        .replace("イベント名_英語", "イベント名_英字")
        .replace(",住所,", ",所在地_連結表記,")
    )
    data = f"{header}\r\n{standard_row()}\r\n".encode("utf-8-sig")
    run_import(data)
    assert Event.objects.get().venue_address == "熊本市中央区手取本町1-1"


def test_every_problem_is_reported_with_its_row_and_column_and_nothing_is_written(numbered):
    rows = [
        standard_row(),
        standard_row(**{"開始日": "令和4年2月30日"}),
        standard_row(**{"定員": "0"}),
        standard_row(**{"緯度": "北緯32度"}),
        standard_row(**{"参加申込終了日": "2026-05-11", "イベント名": "締切の遅い講座"}),  # after it starts
        standard_row(**{"イベント名": '=HYPERLINK("x")'}),
    ]
    data = ("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")

    with pytest.raises(ImportRefused) as refused:
        run_import(data)

    found = {(p.row, p.column): p.message for p in refused.value.problems}
    assert found[(3, "開始日")] == "令和4年2月30日は存在しない日付です（2022年2月は28日まで）"
    assert "1〜100000" in found[(4, "定員")]
    assert "緯度" in found[(5, "緯度")]
    assert "申込締切は最初の開催日時より前" in found[(6, "参加申込終了日")]
    assert "数式" in found[(7, "イベント名")]
    assert str(refused.value.problems[0]).startswith("events.csv 3行目 「開始日」列:")
    assert not Event.objects.exists()


def test_a_row_without_a_project_is_refused_when_no_option_names_one(numbered):
    data = f"{HEADER}\r\n{standard_row()}\r\n".encode()
    with pytest.raises(ImportRefused, match="事業がわかりません"):
        run_import(data, project=None)


def test_export_then_import_gives_the_same_events_and_series(numbered, make_event, tmp_path):
    starts = datetime.datetime(2026, 5, 10, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
    course = make_event(
        title="パソコン講座",
        title_kana="ぱそこんこうざ",
        fee_yen=500,
        sessions=[
            (starts + datetime.timedelta(days=7 * n), starts + datetime.timedelta(days=7 * n, hours=2))
            for n in range(3)
        ],
        registration_opens_at=starts - datetime.timedelta(days=30),
        registration_closes_at=starts - datetime.timedelta(days=1),
        cancel_until=starts - datetime.timedelta(days=2),
    )
    make_event(title="下書きの講座", publish=False)
    out = tmp_path / "events.csv"

    call_command("events", "export", "-o", str(out), "--encoding", "cp932", stderr=StringIO())

    data = out.read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("cp932"))))
    assert rows[0] == list(COLUMNS)
    assert [r[4] for r in rows[1:]] == ["パソコン講座"]  # drafts stay out
    row = dict(zip(COLUMNS, rows[1], strict=True))
    assert (row["開始日"], row["終了日"], row["料金(基本)"], row["開始日時特記事項"]) == (
        "2026-05-10",
        "2026-05-24",
        "500",
        "全3回",
    )
    assert row["事業No"] == "3" and row["種類"] == "講座"

    actions_events = Event.objects.filter(pk=course.pk)
    Event.objects.filter(pk=course.pk).update(title="元の講座")  # so the import makes a new one
    call_command("events", "import", str(out), stdout=StringIO(), stderr=StringIO())
    copy = Event.objects.get(title="パソコン講座")
    assert copy.pk != actions_events.get().pk
    assert [s.starts_at for s in copy.sessions.all()] == [s.starts_at for s in course.sessions.all()]
    assert copy.fee_yen == 500 and copy.kind == "course"


def test_the_command_reports_every_problem_and_dry_run_writes_nothing(numbered, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(f"{HEADER}\r\n{standard_row(**{'開始日': '令和4年2月30日'})}\r\n".encode("cp932"))
    err = StringIO()
    with pytest.raises(CommandError, match="1 件の問題"):
        call_command("events", "import", str(bad), "--project", "2026:3", stdout=StringIO(), stderr=err)
    assert "bad.csv 2行目 「開始日」列: 令和4年2月30日は存在しない日付です" in err.getvalue()
    err = StringIO()
    with pytest.raises(CommandError, match="1 件の問題"):
        call_command("events", "import", str(bad), "--encoding", "utf-8", stdout=StringIO(), stderr=err)
    assert "bad.csv: utf-8 として読めません" in err.getvalue()

    good = tmp_path / "good.csv"
    good.write_bytes(f"{HEADER}\r\n{standard_row()}\r\n".encode())
    out = StringIO()
    call_command(
        "events", "import", str(good), "--project", "2026:3", "--dry-run", stdout=out, stderr=StringIO()
    )
    assert "【試行・書き込みなし】good.csv: 催しを新規 1 件" in out.getvalue()
    assert not Event.objects.exists()


def test_cp932_export_refuses_a_character_it_cannot_write(make_event):
    make_event(title="🎉 まつり")
    with pytest.raises(ValueError, match="CP932 で書けない文字"):
        export_events(io.BytesIO(), encoding="cp932")
    stream = io.BytesIO()
    assert export_events(stream) == 1
    assert stream.getvalue().startswith(b"\xef\xbb\xbf")
