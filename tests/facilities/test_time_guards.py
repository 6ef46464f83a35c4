"""Time is what cannot be booked twice: held times never overlap, nor do a centre's blocks.

The database says so itself (an exclusion constraint on PostgreSQL, triggers on SQLite),
so these tests write rows directly, past every check in Python; the booking action, the
availability pages and the admin then make the refusal readable.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from tests.facilities.conftest import NOW, OPEN_DAY
from tests.facilities.test_admin_centres import change_url, form_data

from machi.accounts.actors import SYSTEM
from machi.facilities.actions import SlotTaken, book, save_centre_part
from machi.facilities.models import Reservation, ReservationBlock, TimeBlock
from machi.facilities.queries import free_rooms, room_availability

pytestmark = pytest.mark.django_db

T = datetime.time


def refused_by_database(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def hold(reservation, block, starts_at, ends_at, active=True):
    return ReservationBlock.objects.create(
        reservation=reservation,
        room=reservation.room,
        date=reservation.date,
        block=block,
        starts_at=starts_at,
        ends_at=ends_at,
        active=active,
    )


@pytest.fixture
def other_booking(room, outsider):
    return Reservation.objects.create(
        room=room, date=OPEN_DAY, status="confirmed", holder=outsider, booked_by=outsider, fee_yen=0
    )


def test_the_database_refuses_held_times_that_overlap_whatever_the_block(room, resident, other_booking):
    first = book(actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], now=NOW)  # 9:00–12:00
    afternoon = room.centre.blocks.get(code="afternoon")

    # Another block's row holding 11:00–14:00 overlaps 午前's hold: refused, on insert and on update.
    refused_by_database(lambda: hold(other_booking, afternoon, T(11), T(14)))
    released = hold(other_booking, afternoon, T(11), T(14), active=False)  # released rows are history
    released.active = True
    refused_by_database(lambda: released.save(update_fields=["active"]))
    # Times that only touch (12:00–13:00 after 9:00–12:00) are free; so is the same time in another room or day.
    hold(other_booking, room.centre.blocks.get(code="evening"), T(12), T(13))
    assert first.held_blocks.get().starts_at == T(9)


def test_the_database_refuses_a_block_that_overlaps_another_of_its_centre(centre):
    refused_by_database(
        lambda: TimeBlock.objects.create(
            centre=centre, code="late", label="遅め", starts_at=T(10), ends_at=T(11), position=9
        )
    )
    lunch = TimeBlock.objects.create(
        centre=centre, code="lunch", label="昼", starts_at=T(12), ends_at=T(13), position=9
    )
    lunch.ends_at = T(13, 30)  # into 午後 13:00–17:00
    refused_by_database(lambda: lunch.save(update_fields=["ends_at"]))


def test_a_block_overlapping_another_is_refused_with_a_reason_by_the_action(centre):
    late = TimeBlock(centre=centre, code="late", label="遅め", starts_at=T(10), ends_at=T(11), position=9)
    with pytest.raises(ValidationError) as caught:
        save_centre_part(actor=SYSTEM, obj=late)
    assert caught.value.messages == [
        "遅め（10:00〜11:00）は午前（09:00〜12:00）と時間が重なります。利用区分どうしの時間は重ねられません"
    ]
    assert not centre.blocks.filter(code="late").exists()


@pytest.fixture
def staff_client(client, ward_staff, chuo):
    client.force_login(ward_staff("chuo-staff", chuo))
    return client


def new_block(n: int, code: str, start: str, end: str) -> dict:
    return {
        f"blocks-{n}-position": str(n + 1),
        f"blocks-{n}-code": code,
        f"blocks-{n}-label": code,
        f"blocks-{n}-starts_at": start,
        f"blocks-{n}-ends_at": end,
    }


def test_the_admin_shows_an_overlapping_block_as_a_form_error(staff_client, centre):
    page = staff_client.get(change_url(centre))
    data = form_data(page, **{"blocks-TOTAL_FORMS": "4"}, **new_block(3, "late", "10:00", "11:00"))
    response = staff_client.post(change_url(centre), data)
    assert response.status_code == 200
    assert "午前（09:00〜12:00）と時間が重なります" in response.content.decode()
    assert centre.blocks.count() == 3

    # Two new blocks that overlap each other (each free of the stored ones) are refused together.
    data = form_data(
        page,
        **{"blocks-TOTAL_FORMS": "5"},
        **new_block(3, "dawn", "06:00", "08:00"),
        **new_block(4, "early", "07:00", "08:30"),
    )
    response = staff_client.post(change_url(centre), data)
    assert response.status_code == 200
    assert "と時間が重なります" in response.content.decode()
    assert centre.blocks.count() == 3


def test_a_block_changed_after_bookings_cannot_be_booked_over_the_time_they_hold(room, resident, outsider):
    """夜間 is booked 18:00–21:00; staff then end 夜間 at 20:00 and add 20:00–22:00: that day, it is taken."""
    book(actor=resident, room=room, date=OPEN_DAY, block_codes=["evening"], now=NOW)
    evening = room.centre.blocks.get(code="evening")
    evening.ends_at = T(20)
    save_centre_part(actor=SYSTEM, obj=evening)
    save_centre_part(
        actor=SYSTEM,
        obj=TimeBlock(
            centre=room.centre, code="late", label="延長", starts_at=T(20), ends_at=T(22), position=4
        ),
    )

    with pytest.raises(SlotTaken, match="延長はすでに予約されています"):
        book(actor=outsider, room=room, date=OPEN_DAY, block_codes=["late"], now=NOW)

    day_after = OPEN_DAY + datetime.timedelta(days=1)
    days = room_availability(room, OPEN_DAY, day_after, now=NOW)
    state = {(day.date, s.block.code): s.reason for day in days for s in day.blocks}
    assert state[OPEN_DAY, "late"] == "予約済み" and state[day_after, "late"] == ""
    assert room not in free_rooms(room.centre.ward, OPEN_DAY, "late", now=NOW)
    assert room in free_rooms(room.centre.ward, day_after, "late", now=NOW)
    assert (
        book(actor=outsider, room=room, date=day_after, block_codes=["late"], now=NOW).status == "confirmed"
    )


def test_the_guards_are_installed_in_the_migrated_database(db):
    """A later migration that remakes a table on SQLite would drop its triggers; this notices."""
    from django.db import connection

    from machi.facilities import time_guards

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'x'")
        names = {row[0] for row in cursor.fetchall()}
    for guard in (time_guards.HELD_TIMES, time_guards.BLOCK_TIMES):
        assert any(name.startswith(guard) for name in names), (guard, names)


def test_the_migration_lists_the_overlaps_it_cannot_guard():
    """Rows from before the guards that already overlap stop the migration, each named."""
    import importlib

    migration = importlib.import_module("machi.facilities.migrations.0006_time_cannot_be_booked_twice")
    rows = [
        {"room": 1, "id": "a", "starts_at": T(9), "ends_at": T(12)},
        {"room": 1, "id": "b", "starts_at": T(10), "ends_at": T(11)},
        {"room": 1, "id": "c", "starts_at": T(11), "ends_at": T(13)},
        {"room": 1, "id": "d", "starts_at": T(13), "ends_at": T(14)},
        {"room": 2, "id": "e", "starts_at": T(10), "ends_at": T(11)},
    ]
    clashes = migration._clashes(rows, key=lambda row: row["room"])
    assert [(key, a["id"], b["id"]) for key, a, b in clashes] == [(1, "a", "b"), (1, "a", "c")]
