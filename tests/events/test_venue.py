"""An event in a Machi room holds the room's blocks from publishing, through the booking guarantee.

Each session holds the blocks its time overlaps, so a resident's booking over it is refused (by the
booking's own check and, under it, by the database); a session whose room time is taken refuses the
publishing and nothing is written; cancelling the event (`release_venue`) frees the blocks.
"""

import datetime

import pytest
from django.utils import timezone

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.events import actions
from machi.events.models import Event
from machi.facilities import actions as facilities
from machi.facilities.models import Centre, Reservation, ReservationBlock, Room
from machi.facilities.queries import booking_opens_at, closure_reason

from .conftest import window


@pytest.fixture
def room(chuo):
    centre = facilities.save_centre(
        actor=SYSTEM, centre=Centre(ward=chuo, name="白川地域コミュニティセンター")
    )
    return Room.objects.create(centre=centre, name="多目的ホール", capacity=60, fee_per_block_yen=1500)


@pytest.fixture
def days(room):
    """Two open days of the centre, five weeks and six weeks ahead."""
    found = []
    day = timezone.localdate() + datetime.timedelta(days=35)
    while len(found) < 2:
        if closure_reason(room.centre, day) is None:
            found.append(day)
            day += datetime.timedelta(days=7)
        else:
            day += datetime.timedelta(days=1)
    return found


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def course(make_event, room, days):
    """A draft course of two sessions in the hall: 10:00–11:30 (午前), then 13:30–20:00 (午後・夜間)."""
    first, second = days

    def make(**fields):
        sessions = [(at(first, 10), at(first, 11, 30)), (at(second, 13, 30), at(second, 20))]
        return make_event(
            publish=False, venue_room=room, **window(sessions=sessions), **{"capacity_seats": 40, **fields}
        )

    return make


def held(event: Event) -> list[tuple[int, str, list[str]]]:
    """(session, status of its booking, the codes of the blocks it holds) of each session."""
    return [
        (
            session.position,
            session.venue_booking.status,
            list(
                ReservationBlock.objects.filter(reservation=session.venue_booking, active=True)
                .order_by("block__position")
                .values_list("block__code", flat=True)
            ),
        )
        for session in event.sessions.select_related("venue_booking")
    ]


def resident_books(person, room, day, blocks):
    opens = booking_opens_at(room.centre, day, resident=False)
    return facilities.book(
        actor=person, room=room, date=day, block_codes=blocks, now=opens + datetime.timedelta(minutes=1)
    )


def test_publishing_holds_the_rooms_blocks_for_each_session(course, staff, room, days):
    event = actions.publish_event(actor=staff, event=course())

    assert held(event) == [(1, "confirmed", ["morning"]), (2, "confirmed", ["afternoon", "evening"])]
    booking = event.sessions.get(position=1).venue_booking
    assert (booking.room, booking.date, booking.holder_name, booking.purpose) == (
        room,
        days[0],
        "中央区役所",
        "防災講座",
    )
    assert (booking.fee_yen, booking.booked_by) == (0, staff)
    entries = AuditEntry.objects.filter(action="events.hold_venue").order_by("pk")
    assert [(e.after["session"], e.after["blocks"], e.ward_id) for e in entries] == [
        (1, ["morning"], event.ward_id),
        (2, ["afternoon", "evening"], event.ward_id),
    ]


def test_a_residents_booking_over_the_event_is_refused_by_the_booking_and_by_the_database(
    course, staff, room, days, people
):
    actions.publish_event(actor=staff, event=course())
    [hanako] = people(1)

    with pytest.raises(facilities.SlotTaken) as refused:
        resident_books(hanako, room, days[1], ["evening"])
    assert "夜間はすでに予約されています" in refused.value.message
    # Under the check, the database: a booking written past it still cannot hold the time.
    sneaked = Reservation.objects.create(
        room=room, date=days[0], status="confirmed", holder=hanako, fee_yen=0
    )
    with pytest.raises(facilities.SlotTaken):
        facilities.hold_blocks(sneaked, facilities.blocks_for(room, ["morning"]))
    # The rest of the day stays free.
    assert resident_books(hanako, room, days[0], ["afternoon"]).status == "confirmed"


def test_a_session_whose_room_time_is_booked_refuses_publishing_and_writes_nothing(
    course, staff, room, days, people
):
    [hanako] = people(1)
    resident_books(hanako, room, days[1], ["evening"])
    event = course()
    before = (Reservation.objects.count(), ReservationBlock.objects.count(), AuditEntry.objects.count())

    with pytest.raises(actions.EventConflict) as refused:
        actions.publish_event(actor=staff, event=event)

    assert refused.value.code == "events.venue_taken" and refused.value.status == 409
    day = days[1]
    assert refused.value.message == (
        f"多目的ホールはすでに予約されているため公開できません：第2回（{day.year}年{day.month}月{day.day}日 夜間）。"
        "開催日時か会場を変えてください"
    )
    event.refresh_from_db()
    assert event.status == Event.Status.DRAFT
    assert list(event.sessions.values_list("venue_booking", flat=True)) == [None, None]
    assert (
        Reservation.objects.count(),
        ReservationBlock.objects.count(),
        AuditEntry.objects.count(),
    ) == before


def test_releasing_the_venue_frees_the_blocks_for_others(course, staff, room, days, people):
    event = actions.publish_event(actor=staff, event=course())

    released = actions.release_venue(actor=staff, event=event)

    assert [r.status for r in released] == ["cancelled", "cancelled"]
    assert held(event) == [(1, "cancelled", []), (2, "cancelled", [])]
    assert AuditEntry.objects.filter(action="events.release_venue").count() == 2
    [hanako] = people(1)
    assert resident_books(hanako, room, days[0], ["morning"]).status == "confirmed"
    assert actions.release_venue(actor=staff, event=event) == []  # nothing left to release


def test_cancelling_the_event_frees_its_rooms_blocks(course, staff, room, days, people):
    event = actions.publish_event(actor=staff, event=course())

    actions.cancel_event(actor=staff, event=event, reason="台風のため")

    assert held(event) == [(1, "cancelled", []), (2, "cancelled", [])]
    [hanako] = people(1)
    assert resident_books(hanako, room, days[1], ["morning"]).status == "confirmed"


@pytest.mark.parametrize(
    ("hours", "code", "words"),
    [
        (((7, 0), (8, 30)), "events.venue_hours", "第1回（7:00〜8:30）は多目的ホールの利用区分"),
        (((12, 0), (12, 45)), "events.venue_hours", "時間に収まりません"),
        (((20, 0), (22, 0)), "events.venue_hours", "夜間 18:00〜21:00"),
    ],
)
def test_a_session_the_room_cannot_hold_is_refused(make_event, staff, room, days, hours, code, words):
    (start_h, start_m), (end_h, end_m) = hours
    sessions = [(at(days[0], start_h, start_m), at(days[0], end_h, end_m))]
    event = make_event(publish=False, venue_room=room, **window(sessions=sessions))

    with pytest.raises(actions.EventRefused) as refused:
        actions.publish_event(actor=staff, event=event)

    assert refused.value.code == code and refused.value.status == 400
    assert words in refused.value.message
    assert Event.objects.get(pk=event.pk).status == Event.Status.DRAFT
    assert not Reservation.objects.exists()


def test_a_closed_day_and_another_wards_room_are_refused(make_event, staff, room, days, higashi):
    room.centre.closed_days.create(date=days[0], reason="館内点検")
    sessions = [(at(days[0], 10), at(days[0], 11))]
    event = make_event(publish=False, venue_room=room, **window(sessions=sessions))
    with pytest.raises(actions.EventRefused, match="館内点検") as refused:
        actions.publish_event(actor=staff, event=event)
    assert refused.value.code == "events.venue_closed"

    elsewhere = facilities.save_centre(
        actor=SYSTEM, centre=Centre(ward=higashi, name="健軍地域コミュニティセンター")
    )
    other = Room.objects.create(centre=elsewhere, name="和室", capacity=20)
    # Creating the event already refuses another ward's room; holding the blocks refuses it too.
    with pytest.raises(actions.EventRefused, match="中央区のセンターから"):
        make_event(publish=False, venue_room=other, **window(sessions=[(at(days[1], 10), at(days[1], 11))]))
    event = make_event(publish=False, **window(sessions=[(at(days[1], 10), at(days[1], 11))]))
    Event.objects.filter(pk=event.pk).update(venue_room=other)
    event.refresh_from_db()
    with pytest.raises(actions.EventRefused, match="中央区の地域コミュニティセンターから") as refused:
        actions.publish_event(actor=staff, event=event)
    assert refused.value.code == "events.venue_ward"
    assert not Reservation.objects.exists()


def test_an_event_outside_machi_holds_nothing(make_event, staff):
    event = make_event(publish=False, venue_name="白川公園", venue_address="熊本市中央区白川町")

    actions.publish_event(actor=staff, event=event)

    assert not Reservation.objects.exists()
    assert actions.release_venue(actor=staff, event=event) == []
