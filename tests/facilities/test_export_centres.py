"""Exporting centres as the 公共施設一覧 CSV and rooms as the rooms CSV; importing the export round-trips."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from machi.accounts.actors import SYSTEM
from machi.facilities.actions import save_centre
from machi.facilities.exporters import export_centres, export_rooms
from machi.facilities.importers import CENTRE_COLUMNS, ROOM_COLUMNS, STANDARD_COLUMNS, import_path
from machi.facilities.models import Centre, ClosedDay, FeeExemption, Room
from machi.ledger.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def centres(kumamoto):
    """Two centres with every awkward value a person might type, one of them in the ledger's 中央区 No.1."""
    from machi.ledger.models import Ward

    chuo, kita = Ward.objects.get(code="431010"), Ward.objects.get(code="431052")
    first = save_centre(
        actor=SYSTEM,
        centre=Centre(
            ward=chuo,
            project=Project.objects.get(programme__ward=chuo, programme__fiscal_year=2022, no=1),
            school_district="白川",
            name="白川地域コミュニティセンター",
            name_kana="シラカワ",
            name_common="=白川コミセン",  # reads like a formula: exported with a "'" in front
            address="熊本市中央区白川1丁目1-1",
            address_extra='2階 "南"側, 奥',
            latitude=Decimal("32.792100"),
            longitude=Decimal("130.713512"),
            phone="+81-96-000-0001",
            extension="12",
            corporate_number="7000012050002",
            operator="@白川校区自治協議会",
            description='1行目\n2行目、カンマ, と "引用符"',
            barrier_free="-",
            url="https://example.jp/a?b=1&c=2",
            notes="+α",
            open_weekdays="12345",
            opens_at=datetime.time(8, 30),
            closes_at=datetime.time(22, 0),
            closed_year_end=False,
            closed_on_holidays=True,
        ),
    )
    second = save_centre(
        actor=SYSTEM, centre=Centre(ward=kita, name="龍田地域コミュニティセンター", name_kana="タツダ")
    )
    FeeExemption.objects.create(centre=first, group_kind="jichikai", percent=100)
    FeeExemption.objects.create(centre=first, group_kind="npo", percent=50)
    Room.objects.create(
        centre=first,
        name="多目的ホール",
        capacity=80,
        equipment="マイク, 机",
        fee_per_block_yen=1500,
        requires_approval=True,
        max_blocks_per_booking=2,
        position=1,
    )
    Room.objects.create(centre=first, name="和室", capacity=20, fee_per_block_yen=0, position=2)
    Room.objects.create(centre=second, name="会議室", capacity=12, fee_per_block_yen=400, position=1)
    return first, second


def exported(function, **kwargs) -> bytes:
    buffer = io.BytesIO()
    function(buffer, **kwargs)
    return buffer.getvalue()


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def state() -> list:
    """Every centre with its rooms and exemptions, without the database's ids."""
    result = []
    for centre in Centre.objects.order_by("name"):
        values = {k: v for k, v in centre.__dict__.items() if k not in ("id", "_state")}
        rooms = list(
            centre.rooms.order_by("position").values_list(
                "name",
                "capacity",
                "equipment",
                "fee_per_block_yen",
                "requires_approval",
                "max_blocks_per_booking",
                "position",
            )
        )
        exemptions = sorted(centre.exemptions.values_list("group_kind", "percent"))
        result.append((values, rooms, exemptions))
    return result


def test_the_export_is_utf8_with_bom_crlf_the_standard_columns_in_order_then_the_extras(centres):
    data = exported(export_centres)
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    header, first, second = rows_of(data)
    assert header == list(CENTRE_COLUMNS)
    assert header[:24] == list(STANDARD_COLUMNS) and len(STANDARD_COLUMNS) == 24
    row = dict(zip(header, first, strict=True))
    assert row["都道府県コード又は市区町村コード"] == "431010" and row["NO"] == str(centres[0].pk)
    assert (row["都道府県名"], row["市区町村名"]) == ("熊本県", "熊本市中央区")
    assert (row["緯度"], row["経度"]) == ("32.7921", "130.713512")
    assert (row["名称_通称"], row["団体名"], row["備考"], row["バリアフリー情報"]) == (
        "'=白川コミセン",
        "'@白川校区自治協議会",
        "'+α",
        "'-",
    )
    assert row["電話番号"] == "'+81-96-000-0001"  # a spreadsheet would compute +81-96-000-0001
    assert (row["利用可能曜日"], row["開始時間"], row["終了時間"]) == ("火水木金土", "08:30", "22:00")
    assert row["利用可能日時特記事項"] == "年末年始も開館、祝日休館"
    assert (row["校区"], row["事業年度"], row["事業No"]) == ("白川", "2022", "1")
    assert (row["減免率_自治会"], row["減免率_NPO"], row["減免率_校区自治協議会"]) == ("100", "50", "")
    kita = dict(zip(header, second, strict=True))
    assert kita["利用可能日時特記事項"] == "年末年始（12月29日～1月3日）休館、祝日も開館"
    assert (kita["事業年度"], kita["事業No"], kita["緯度"]) == ("", "", "")


def test_rooms_export_in_the_rooms_csv_columns(centres):
    header, *rows = rows_of(exported(export_rooms))
    assert header == list(ROOM_COLUMNS)
    assert rows == [
        ["中央区", "白川地域コミュニティセンター", "多目的ホール", "80", "マイク, 机", "1500", "はい", "2"],
        ["中央区", "白川地域コミュニティセンター", "和室", "20", "", "0", "いいえ", "3"],
        ["北区", "龍田地域コミュニティセンター", "会議室", "12", "", "400", "いいえ", "3"],
    ]


def test_importing_the_export_into_the_same_database_changes_nothing(tmp_path, centres):
    (tmp_path / "centres.csv").write_bytes(exported(export_centres))
    (tmp_path / "rooms.csv").write_bytes(exported(export_rooms))
    report = import_path(tmp_path, actor=SYSTEM)
    assert (report.centres.unchanged, report.rooms.unchanged, report.changed_anything) == (2, 3, False)


def test_import_of_the_export_recreates_exactly_the_same_centres(tmp_path, centres):
    before = state()
    centres_csv, rooms_csv = exported(export_centres), exported(export_rooms)
    Centre.objects.all().delete()

    (tmp_path / "centres.csv").write_bytes(centres_csv)
    (tmp_path / "rooms.csv").write_bytes(rooms_csv)
    import_path(tmp_path, actor=SYSTEM)

    assert state() == before
    # And the export of the re-import is the same file but for the NO column (the new database's ids).
    again = rows_of(exported(export_centres))
    assert [row[:1] + row[2:] for row in again] == [row[:1] + row[2:] for row in rows_of(centres_csv)]
    assert exported(export_rooms) == rooms_csv


def test_ad_hoc_closures_are_not_in_the_standard_and_survive_an_import(tmp_path, centres):
    ClosedDay.objects.create(centre=centres[0], date=datetime.date(2022, 10, 20), reason="点検")
    (tmp_path / "centres.csv").write_bytes(exported(export_centres))
    import_path(tmp_path, actor=SYSTEM)
    assert centres[0].closed_days.get().reason == "点検"


def test_one_ward_s_export(centres):
    from machi.ledger.models import Ward

    header, *rows = rows_of(exported(export_centres, ward=Ward.objects.get(name="北区")))
    assert [row[header.index("名称")] for row in rows] == ["龍田地域コミュニティセンター"]


def test_the_command_exports_imports_and_refuses_with_every_problem(tmp_path, centres, capsys):
    call_command("facilities", "export", "-o", str(tmp_path / "centres.csv"))
    call_command("facilities", "export", "--rooms", "--ward", "中央区", "-o", str(tmp_path / "rooms.csv"))
    assert "全区のセンター 2 件" in capsys.readouterr().err
    assert len(rows_of((tmp_path / "rooms.csv").read_bytes())) == 3

    call_command("facilities", "import", str(tmp_path), "--dry-run")
    out = capsys.readouterr().out
    assert (
        f"【試行・書き込みなし】{tmp_path.name}: センター 新規 0 件、更新 0 件、変更なし 2 件／部屋 新規 0 件、更新 0 件、変更なし 2 件"
        in out
    )

    broken = tmp_path / "broken.csv"
    broken.write_bytes(
        (tmp_path / "centres.csv")
        .read_bytes()
        .replace(b"32.7921", b"132.7921")
        .replace(b",08:30,", b",8:99,")
    )
    with pytest.raises(
        CommandError, match="2 件の問題があるため取り込みませんでした（何も書き込んでいません）"
    ):
        call_command("facilities", "import", str(broken))
    err = capsys.readouterr().err
    assert "broken.csv 2行目 「緯度」列: 緯度は -90〜90 の範囲です: '132.7921'" in err
    assert "broken.csv 2行目 「開始時間」列: 時刻が正しくありません（0:00〜23:59）: '8:99'" in err
    with pytest.raises(CommandError, match="区「西の区」が見つかりません"):
        call_command("facilities", "export", "--ward", "西の区")
