"""The public reads of the facilities API: centres with rooms and blocks, a room's availability."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from tests.facilities.api_support import bookable_day

from machi.accounts.actors import SYSTEM
from machi.facilities.actions import book, save_centre
from machi.facilities.models import Centre, ClosedDay, Room


def test_centres_list_each_room_with_its_id_and_the_centre_blocks(centre, room, hall, chuo):
    centre.name_kana = "しらかわ"
    centre.latitude, centre.longitude = "32.803100", "130.707900"
    centre.save()

    answer = Client().get("/api/centres")

    assert answer.status_code == 200
    [listed] = answer.json()
    assert listed["id"] == centre.pk
    assert (listed["name"], listed["name_kana"], listed["ward"], listed["ward_code"]) == (
        "白川地域コミュニティセンター",
        "しらかわ",
        "中央区",
        "431010",
    )
    assert (listed["latitude"], listed["longitude"]) == (32.8031, 130.7079)
    assert listed["open_weekdays"] == [0, 1, 2, 3, 4, 5, 6]
    assert listed["blocks"] == [
        {"code": "morning", "label": "午前", "start": "09:00", "end": "12:00"},
        {"code": "afternoon", "label": "午後", "start": "13:00", "end": "17:00"},
        {"code": "evening", "label": "夜間", "start": "18:00", "end": "21:00"},
    ]
    assert [r["id"] for r in listed["rooms"]] == [room.pk, hall.pk]
    assert listed["rooms"][1] == {
        "id": hall.pk,
        "name": "多目的ホール",
        "capacity": 80,
        "equipment": "",
        "fee_per_block_yen": 1500,
        "requires_approval": True,
        "max_blocks_per_booking": 3,
    }


def test_the_centre_list_runs_the_same_queries_for_one_centre_or_many(
    centre, room, chuo, higashi, django_assert_num_queries
):
    with django_assert_num_queries(3):  # centres with wards, rooms, blocks
        assert len(Client().get("/api/centres").json()) == 1
    for n in range(4):
        other = save_centre(actor=SYSTEM, centre=Centre(ward=higashi, name=f"東{n}センター"))
        Room.objects.create(centre=other, name="会議室", capacity=10)
        Room.objects.create(centre=other, name="和室", capacity=10)
    with django_assert_num_queries(3):
        assert len(Client().get("/api/centres").json()) == 5


def test_availability_shows_each_day_and_block_and_why_one_is_not_free(centre, room, resident):
    day = bookable_day()
    ClosedDay.objects.create(centre=centre, date=day + datetime.timedelta(days=1), reason="設備点検")
    book(actor=resident, room=room, date=day, block_codes=["afternoon"])

    answer = Client().get(
        f"/api/rooms/{room.pk}/availability",
        {"from": day.isoformat(), "to": f"{day + datetime.timedelta(2)}"},
    )

    assert answer.status_code == 200
    body = answer.json()
    assert body["room"] == room.pk
    assert [d["date"] for d in body["days"]] == [f"{day + datetime.timedelta(n)}" for n in range(3)]
    first, closed, third = body["days"]
    assert first["closed"] is None
    assert first["blocks"] == [
        {
            "code": "morning",
            "label": "午前",
            "start": "09:00",
            "end": "12:00",
            "available": True,
            "reason": "",
        },
        {
            "code": "afternoon",
            "label": "午後",
            "start": "13:00",
            "end": "17:00",
            "available": False,
            "reason": "予約済み",
        },
        {
            "code": "evening",
            "label": "夜間",
            "start": "18:00",
            "end": "21:00",
            "available": True,
            "reason": "",
        },
    ]
    assert closed["closed"] == "設備点検"
    assert [(b["available"], b["reason"]) for b in closed["blocks"]] == [(False, "設備点検")] * 3
    assert all(b["available"] for b in third["blocks"])


def test_availability_defaults_to_two_weeks_from_today(room):
    days = Client().get(f"/api/rooms/{room.pk}/availability").json()["days"]
    assert len(days) == 14
    assert days[0]["date"] == timezone.localdate().isoformat()


def test_availability_queries_do_not_grow_with_the_range(room, django_assert_num_queries):
    day = bookable_day()
    # room, blocks, closures, held blocks
    with django_assert_num_queries(4):
        Client().get(f"/api/rooms/{room.pk}/availability", {"from": f"{day}", "to": f"{day}"})
    with django_assert_num_queries(4):
        Client().get(
            f"/api/rooms/{room.pk}/availability", {"from": f"{day}", "to": f"{day + datetime.timedelta(61)}"}
        )


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2027-01-01", "2027-03-04", "一度に見られるのは62日までです"),
        ("2027-01-10", "2027-01-09", "「to」（2027-01-09）は「from」（2027-01-10）以降の日付にしてください"),
        ("1999-12-31", "2000-01-01", "日付は2000年から2199年までで指定してください"),
        ("9999-12-30", "9999-12-31", "日付は2000年から2199年までで指定してください"),
    ],
)
def test_an_unreasonable_range_is_400_and_says_why(room, start, end, message):
    answer = Client().get(f"/api/rooms/{room.pk}/availability", {"from": start, "to": end})
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith(message)


def test_a_refused_range_says_why_in_english_when_asked(room):
    answer = Client().get(
        f"/api/rooms/{room.pk}/availability",
        {"from": "2027-01-10", "to": "2027-01-09"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid")
    assert answer.json()["detail"] == "“to” (2027-01-09) must be on or after “from” (2027-01-10)"


def test_sixty_two_days_is_still_answered(room):
    answer = Client().get(f"/api/rooms/{room.pk}/availability", {"from": "2027-01-01", "to": "2027-03-03"})
    assert answer.status_code == 200
    assert len(answer.json()["days"]) == 62


def test_a_date_that_is_not_a_date_is_400(room):
    answer = Client().get(f"/api/rooms/{room.pk}/availability", {"from": "2027-02-30"})
    assert answer.status_code == 400
    assert "「from」" in answer.json()["detail"]


def test_an_unknown_room_is_404(db):
    answer = Client().get("/api/rooms/999999/availability")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "部屋が見つかりません（id: 999999）", "code": "not_found"}
