"""Importing rooms from the rooms CSV, on their own or with the centres in one import."""

import pytest
from tests.facilities.centre_csv import centre_row, refusal, write_centres, write_rooms

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.facilities.actions import save_centre
from machi.facilities.importers import import_path
from machi.facilities.models import Centre, Room

pytestmark = pytest.mark.django_db

HALL = ["中央区", "白川地域コミュニティセンター", "多目的ホール", "80", "マイク", "１，２００円", "はい", "2"]
JAPANESE_ROOM = ["", "白川地域コミュニティセンター", "和室", "20", "", "600", "いいえ", ""]


@pytest.fixture(autouse=True)
def city_wards(chuo, higashi):
    for ward in (chuo, higashi):
        ward.city_name = "熊本市"
        ward.save()


def import_rooms(tmp_path, rows, **kwargs):
    # A centres file with no rows: the rooms are the import.
    centres = write_centres(tmp_path, [], name="none.csv")
    return import_path(centres, rooms=write_rooms(tmp_path, rows), actor=SYSTEM, **kwargs)


def test_rooms_are_created_with_their_fee_approval_and_block_limit(tmp_path, centre):
    report = import_rooms(tmp_path, [HALL, JAPANESE_ROOM])

    assert (report.rooms.created, report.rooms.updated, report.rooms.unchanged) == (2, 0, 0)
    hall, room = centre.rooms.order_by("position")
    assert (hall.name, hall.capacity, hall.equipment) == ("多目的ホール", 80, "マイク")
    assert (hall.fee_per_block_yen, hall.requires_approval, hall.max_blocks_per_booking) == (1200, True, 2)
    assert (room.name, room.fee_per_block_yen, room.requires_approval, room.max_blocks_per_booking) == (
        "和室",
        600,
        False,
        3,
    )
    assert (hall.position, room.position) == (1, 2)
    assert AuditEntry.objects.filter(action="facilities.save_room").count() == 2


def test_importing_the_rooms_again_changes_nothing_and_a_changed_fee_updates_the_room(tmp_path, centre):
    import_rooms(tmp_path, [HALL, JAPANESE_ROOM])
    entries = AuditEntry.objects.count()
    again = import_rooms(tmp_path, [HALL, JAPANESE_ROOM])
    assert (again.rooms.created, again.rooms.updated, again.rooms.unchanged) == (0, 0, 2)
    assert AuditEntry.objects.count() == entries

    cheaper = import_rooms(tmp_path, [HALL, [*JAPANESE_ROOM[:5], "500", *JAPANESE_ROOM[6:]]])
    assert (cheaper.rooms.updated, cheaper.lines) == (
        1,
        ["更新: 中央区 白川地域コミュニティセンター 和室（1区分の使用料（円））"],
    )
    assert Room.objects.get(name="和室").fee_per_block_yen == 500


def test_centres_and_their_rooms_import_together_from_a_folder(tmp_path, chuo):
    write_centres(tmp_path, [centre_row()])
    write_rooms(tmp_path, [HALL])
    report = import_path(tmp_path, actor=SYSTEM)
    assert (report.centres.created, report.rooms.created) == (1, 1)
    assert Centre.objects.get().rooms.get().name == "多目的ホール"


def test_room_problems_are_reported_with_the_centres_and_nothing_is_written(tmp_path, chuo):
    centres = write_centres(tmp_path, [centre_row(), centre_row(名称="壊れた行", 緯度="north")])
    rooms = write_rooms(
        tmp_path,
        [
            HALL,
            ["", "白川地域コミュニティセンター", "多目的ホール", "60", "", "", "", ""],
            ["", "ない地域コミュニティセンター", "和室", "20", "", "", "", ""],
            ["", "壊れた行", "和室", "20", "", "", "", ""],
            ["", "白川地域コミュニティセンター", "会議室", "0", "", "-100", "たぶん", "0"],
            ["", "", "", "10", "", "", "", ""],
        ],
    )
    assert refusal(centres, rooms=rooms) == [
        "centres.csv 3行目 「緯度」列: 緯度は数値（度、10進数）で入力してください: 'north'",
        "rooms.csv 6行目 「定員（人）」列: 定員は1〜10,000の整数です: '0'",
        "rooms.csv 6行目 「使用料（円／1区分）」列: 使用料は0〜10,000,000円です: '-100'",
        "rooms.csv 6行目 「承認が必要」列: 「はい」か「いいえ」で入力してください: 'たぶん'",
        "rooms.csv 6行目 「1回に予約できる区分の数」列: 1回に予約できる区分の数は1〜20の整数です: '0'",
        "rooms.csv 7行目 「センター名」列: センター名が空です",
        "rooms.csv 3行目 「部屋名」列: 同じ部屋が2行目にもあります",
        "rooms.csv 4行目 「センター名」列: センター「ない地域コミュニティセンター」が見つかりません",
    ]
    # The rooms of 壊れた行 (row 5) are not reported again: its centre row already was.
    assert not Centre.objects.exists() and not Room.objects.exists()


def test_a_centre_name_found_in_two_wards_needs_the_ward_column(tmp_path, centre, higashi):
    save_centre(actor=SYSTEM, centre=Centre(ward=higashi, name=centre.name))
    assert refusal(
        write_centres(tmp_path, [], name="none.csv"), rooms=write_rooms(tmp_path, [JAPANESE_ROOM])
    ) == [
        "rooms.csv 2行目 「区」列: 「白川地域コミュニティセンター」は中央区・東区にあります。区を入力してください"
    ]
    import_rooms(tmp_path, [["東区", *JAPANESE_ROOM[1:]]])
    assert Room.objects.get().centre.ward == higashi


def test_ward_staff_import_rooms_only_in_their_ward(tmp_path, centre, higashi, ward_staff):
    staff = ward_staff("higashi-staff", higashi)
    centres = write_centres(tmp_path, [], name="none.csv")
    assert refusal(centres, rooms=write_rooms(tmp_path, [HALL]), actor=staff) == [
        "rooms.csv 2行目 「センター名」列: 中央区のセンターを変更する権限がありません"
    ]
    assert not Room.objects.exists()


def test_a_missing_file_is_named(tmp_path, chuo):
    assert refusal(tmp_path / "nothing.csv") == [f"{tmp_path / 'nothing.csv'}: ファイルがありません"]
