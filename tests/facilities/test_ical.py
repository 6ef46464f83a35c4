"""iCalendar feeds: a room's (public, no names) and a holder's (private, signed address), parsed back."""

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar
from tests.facilities.conftest import NOW, OPEN_DAY, TOKYO

from machi.facilities import ical
from machi.facilities.actions import approve, book, cancel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today_is_now(monkeypatch):
    """The feeds reach back from today; today is the fixtures' NOW."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: NOW.date())


@pytest.fixture
def bookings(centre, room, hall, resident, outsider):
    centre.address, centre.address_extra = "熊本市中央区白川1丁目1-1", "2階"
    centre.latitude, centre.longitude = 32.7921, 130.7135
    centre.save()
    mine = book(
        actor=resident,
        room=room,
        date=OPEN_DAY,
        block_codes=["morning", "afternoon"],
        purpose="秘密の打ち合わせ",
        now=NOW,
    )
    pending = book(actor=resident, room=hall, date=OPEN_DAY, block_codes=["evening"], now=NOW)
    theirs = book(
        actor=outsider, room=room, date=OPEN_DAY, block_codes=["evening"], purpose="東の会", now=NOW
    )
    cancel(actor=outsider, reservation=theirs, reason="都合", now=NOW)
    return mine, pending, theirs


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response, Calendar.from_ical(response.content)


def events_by_uid(calendar) -> dict:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_a_room_feed_shows_when_the_room_is_taken_and_nobody_s_name(
    client, room, bookings, resident, outsider
):
    mine, _pending, theirs = bookings
    response, calendar = fetch(client, reverse("facilities:room_feed", args=[room.pk]))

    events = events_by_uid(calendar)
    # 午前 and 午後 are two events: the room is free from 12:00 to 13:00.
    assert set(events) == {
        f"room-booking-{mine.pk}@machi.facilities",
        f"room-booking-{mine.pk}-2@machi.facilities",
        f"room-booking-{theirs.pk}@machi.facilities",
    }
    taken = events[f"room-booking-{mine.pk}@machi.facilities"]
    assert str(taken["SUMMARY"]) == "予約済み" and str(taken["STATUS"]) == "CONFIRMED"
    assert taken.decoded("DTSTART") == datetime.datetime(2027, 1, 12, 9, 0, tzinfo=TOKYO)
    assert taken.decoded("DTEND") == datetime.datetime(2027, 1, 12, 12, 0, tzinfo=TOKYO)
    afternoon = events[f"room-booking-{mine.pk}-2@machi.facilities"]
    assert afternoon.decoded("DTSTART") == datetime.datetime(2027, 1, 12, 13, 0, tzinfo=TOKYO)
    assert afternoon.decoded("DTEND") == datetime.datetime(2027, 1, 12, 17, 0, tzinfo=TOKYO)
    assert str(taken["LOCATION"]) == "白川地域コミュニティセンター 和室（熊本市中央区白川1丁目1-1 2階）"
    cancelled = events[f"room-booking-{theirs.pk}@machi.facilities"]
    assert (str(cancelled["STATUS"]), str(cancelled["SUMMARY"])) == ("CANCELLED", "取消")

    body = response.content.decode()
    for private in (
        "熊本花子",
        "hanako",
        "秘密の打ち合わせ",
        "東次郎",
        "東の会",
        "都合",
        mine.receipt_number,
    ):
        assert private not in body
    assert "DESCRIPTION" not in body
    assert response["Cache-Control"] == "public, max-age=300"


def test_times_are_tokyo_with_its_timezone_and_the_stamp_is_utc(client, room, bookings):
    response, calendar = fetch(client, reverse("facilities:room_feed", args=[room.pk]))
    (timezone,) = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Asia/Tokyo"
    assert "DTSTART;TZID=Asia/Tokyo:20270112T090000" in response.content.decode()
    for event in calendar.walk("VEVENT"):
        assert event.decoded("DTSTAMP").utcoffset() == datetime.timedelta(0)
    assert str(calendar["PRODID"]).startswith("-//Machi//") and str(calendar["VERSION"]) == "2.0"


def test_a_booking_waiting_for_approval_is_tentative(client, hall, bookings):
    _response, calendar = fetch(client, reverse("facilities:room_feed", args=[hall.pk]))
    (event,) = calendar.walk("VEVENT")
    assert (str(event["STATUS"]), str(event["SUMMARY"])) == ("TENTATIVE", "仮予約（承認待ち）")
    assert event.decoded("DTSTART") == datetime.datetime(2027, 1, 12, 18, 0, tzinfo=TOKYO)


def test_a_uid_stays_the_same_and_its_sequence_rises_as_the_booking_changes(client, hall, bookings, manager):
    _mine, pending, _theirs = bookings
    url = reverse("facilities:room_feed", args=[hall.pk])
    (before,) = fetch(client, url)[1].walk("VEVENT")
    approve(actor=manager, reservation=pending)
    (approved,) = fetch(client, url)[1].walk("VEVENT")
    cancel(actor=manager, reservation=pending, now=NOW)
    (cancelled,) = fetch(client, url)[1].walk("VEVENT")

    assert str(before["UID"]) == str(approved["UID"]) == str(cancelled["UID"])
    assert [e.decoded("SEQUENCE") for e in (before, approved, cancelled)] == [0, 1, 2]
    assert [str(e["STATUS"]) for e in (before, approved, cancelled)] == [
        "TENTATIVE",
        "CONFIRMED",
        "CANCELLED",
    ]


def test_a_holder_feed_lists_only_their_own_bookings_with_place_and_status(client, bookings, resident):
    mine, pending, _theirs = bookings
    response, calendar = fetch(client, ical.holder_feed_url(resident))

    events = events_by_uid(calendar)
    assert set(events) == {
        f"booking-{mine.pk}@machi.facilities",
        f"booking-{mine.pk}-2@machi.facilities",
        f"booking-{pending.pk}@machi.facilities",
    }
    event = events[f"booking-{mine.pk}@machi.facilities"]
    assert str(event["SUMMARY"]) == "白川地域コミュニティセンター 和室（確定）"
    assert str(event["LOCATION"]) == "白川地域コミュニティセンター 和室（熊本市中央区白川1丁目1-1 2階）"
    description = str(event["DESCRIPTION"])
    assert "状態: 確定" in description and "利用目的: 秘密の打ち合わせ" in description
    assert (
        f"予約番号: {mine.receipt_number}" in description
        and "午前（09:00〜12:00）・午後（13:00〜17:00）" in description
    )
    assert str(event["URL"]) == f"http://testserver/facilities/bookings/{mine.pk}/"
    assert event.decoded("GEO") is not None
    assert str(events[f"booking-{pending.pk}@machi.facilities"]["STATUS"]) == "TENTATIVE"
    assert "東の会" not in response.content.decode()
    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_cancelled_booking_stays_in_the_holder_feed_as_cancelled(client, bookings, outsider):
    _mine, _pending, theirs = bookings
    _response, calendar = fetch(client, ical.holder_feed_url(outsider))
    (event,) = calendar.walk("VEVENT")
    assert (str(event["UID"]), str(event["STATUS"])) == (f"booking-{theirs.pk}@machi.facilities", "CANCELLED")
    assert str(event["SUMMARY"]).endswith("（取消）")


def test_a_feed_address_that_was_altered_or_belongs_to_someone_else_is_not_found(
    client, bookings, resident, outsider
):
    token = ical.holder_feed_token(resident)
    user_id, signature = token.split(":")
    altered = f"{user_id}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    for bad in (altered, f"{outsider.pk}:{signature}", "abc:def", "", f"{user_id}"):
        assert client.get(f"/facilities/ical/mine/{bad}.ics").status_code == 404, bad


def test_a_new_password_or_a_deactivated_account_ends_the_old_address(client, bookings, resident):
    old = ical.holder_feed_url(resident)
    resident.set_password("新しいパスワード123")
    resident.save()
    assert client.get(old).status_code == 404
    assert client.get(ical.holder_feed_url(resident)).status_code == 200
    resident.is_active = False
    resident.save()
    assert client.get(ical.holder_feed_url(resident)).status_code == 404


def test_the_feeds_only_answer_reads(client, room, resident):
    assert client.post(reverse("facilities:room_feed", args=[room.pk])).status_code == 405
    assert client.post(ical.holder_feed_url(resident)).status_code == 405
    assert client.get(reverse("facilities:room_feed", args=[room.pk + 1000])).status_code == 404


def test_the_holder_feed_url_is_absolute_with_a_request(rf, resident, settings):
    settings.ALLOWED_HOSTS = ["machi.example.jp"]
    url = ical.holder_feed_url(resident, rf.get("/", HTTP_HOST="machi.example.jp"))
    assert url.startswith("http://machi.example.jp/facilities/ical/mine/") and url.endswith(".ics")


def test_old_bookings_drop_out_of_the_feeds(room, bookings, resident):
    later = OPEN_DAY + datetime.timedelta(days=ical.PAST_DAYS + 1)
    assert not Calendar.from_ical(ical.room_calendar(room, today=later)).walk("VEVENT")
    assert not Calendar.from_ical(ical.holder_calendar(resident, today=later)).walk("VEVENT")
    assert (
        len(Calendar.from_ical(ical.room_calendar(room, today=OPEN_DAY)).walk("VEVENT")) == 3
    )  # 午前, 午後, 夜間
