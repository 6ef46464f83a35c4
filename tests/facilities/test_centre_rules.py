"""A centre's rules kept in the process (`machi.facilities.centre_rules`): read again whenever the database's
stamp says they changed, however they changed — an action, a bulk update, another server's plain SQL."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from tests.facilities.conftest import NOW, OPEN_DAY, at

from machi.facilities import centre_rules
from machi.facilities.actions import BookingRefused, book
from machi.facilities.models import Centre, CentreStamp, ClosedDay, FeeExemption, Lottery, Room, TimeBlock


def stamp_of(centre) -> str | None:
    return CentreStamp.objects.filter(centre_id=centre.pk).values_list("stamp", flat=True).first()


def sql(statement: str, params=()) -> None:
    """As another server would: plain SQL, nothing in this process told."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def lottery_for(centre, month: datetime.date) -> Lottery:
    return Lottery(
        centre=centre,
        month=month,
        applications_open_at=at(2026, 12, 1),
        applications_close_at=at(2026, 12, 10),
        draw_at=at(2026, 12, 11),
        confirm_by=at(2026, 12, 15),
        first_come_opens_at=at(2026, 12, 16, 9),
        seed="0" * 64,
        seed_digest="0" * 64,
    )


CHANGES = {
    "the centre is edited": lambda c, r: Centre.objects.filter(pk=c.pk).update(open_weekdays="0123"),
    "a room is added": lambda c, r: Room.objects.create(centre=c, name="会議室", capacity=10),
    "a room is changed in bulk": lambda c, r: Room.objects.filter(centre=c).update(requires_approval=True),
    "a room is deleted": lambda c, r: r.delete(),
    "a block is changed": lambda c, r: TimeBlock.objects.filter(centre=c, code="evening").update(label="夜"),
    "a closed day is added in bulk": lambda c, r: ClosedDay.objects.bulk_create(
        [ClosedDay(centre=c, date=OPEN_DAY, reason="点検")]
    ),
    "a closed day is added by plain SQL": lambda c, r: sql(
        "INSERT INTO facilities_closedday (centre_id, date, reason) VALUES (%s, %s, %s)",
        [c.pk, OPEN_DAY, "点検"],
    ),
    "a fee exemption is added": lambda c, r: FeeExemption.objects.create(
        centre=c, group_kind="jichikai", percent=50
    ),
    "a lottery is set up": lambda c, r: lottery_for(c, datetime.date(2027, 2, 1)).save(),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_change_to_a_centres_rules_renews_its_stamp_and_only_its_own(change, centre, room, chuo):
    other = Centre.objects.create(ward=chuo, name="別のセンター")
    before, other_before = stamp_of(centre), stamp_of(other)
    assert before and other_before
    change(centre, room)
    assert stamp_of(centre) not in (None, before)
    assert stamp_of(other) == other_before


def test_a_kept_copy_costs_one_question_and_is_read_again_after_a_change(centre, room):
    centre_rules.rules_of_room(room.pk)
    with CaptureQueriesContext(connection) as kept:
        rules = centre_rules.rules_of_room(room.pk)
    assert len(kept.captured_queries) == 1
    assert [block.code for block in rules.blocks] == ["morning", "afternoon", "evening"]
    assert rules.rooms[room.pk].centre is rules.centre

    sql("UPDATE facilities_room SET capacity = 5 WHERE id = %s", [room.pk])
    with CaptureQueriesContext(connection) as changed:
        assert centre_rules.rules_of_room(room.pk).rooms[room.pk].capacity == 5
    assert len(changed.captured_queries) > 1
    assert centre_rules.rules_of_room(999_999) is None


def test_a_booking_hears_of_what_another_server_changed(centre, room, resident):
    assert (
        book(actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], now=NOW).status == "confirmed"
    )
    sql(
        "INSERT INTO facilities_closedday (centre_id, date, reason) VALUES (%s, %s, %s)",
        [centre.pk, OPEN_DAY + datetime.timedelta(days=1), "選挙の投票所"],
    )
    with pytest.raises(BookingRefused, match="選挙の投票所"):
        book(
            actor=resident,
            room=room,
            date=OPEN_DAY + datetime.timedelta(days=1),
            block_codes=["morning"],
            now=NOW,
        )
    sql("UPDATE facilities_room SET requires_approval = %s WHERE id = %s", [True, room.pk])
    assert (
        book(actor=resident, room=room, date=OPEN_DAY, block_codes=["afternoon"], now=NOW).status == "pending"
    )


def test_rules_seen_inside_a_rolled_back_change_are_not_kept(centre, room):
    centre_rules.rules_of_centre(centre.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        ClosedDay.objects.create(centre=centre, date=OPEN_DAY, reason="取りやめた点検")
        assert OPEN_DAY in centre_rules.rules_of_centre(centre.pk).closed_days
        raise RuntimeError("rolled back")
    assert OPEN_DAY not in centre_rules.rules_of_centre(centre.pk).closed_days
