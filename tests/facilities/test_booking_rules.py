"""Booking rules: each refusal says why, and a refused booking writes nothing."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from tests.facilities.conftest import NOW, OPEN_DAY, at

from machi.accounts.actions import NotAllowed
from machi.audit.models import AuditEntry
from machi.facilities.actions import BookingRefused, SlotTaken, book
from machi.facilities.models import ClosedDay, FeeExemption, Lottery, Reservation, ReservationBlock

pytestmark = pytest.mark.django_db


def refused(**kwargs) -> str:
    with pytest.raises(BookingRefused) as caught:
        book(now=NOW, **kwargs)
    assert Reservation.objects.count() == 0 or kwargs.get("_keep")
    return caught.value.messages[0]


def test_a_resident_books_consecutive_blocks_and_is_confirmed_at_once(room, resident):
    reservation = book(
        actor=resident, room=room, date=OPEN_DAY, block_codes=["afternoon", "morning"], now=NOW
    )
    assert reservation.status == "confirmed"
    assert reservation.holder == resident and reservation.booked_by == resident and not reservation.on_behalf
    assert sorted(reservation.held_blocks.values_list("block__code", flat=True)) == ["afternoon", "morning"]
    assert (reservation.fee_yen, reservation.exemption_yen, reservation.payable_yen) == (1200, 0, 1200)
    entry = AuditEntry.objects.get(action="facilities.book", object_id=str(reservation.pk))
    assert entry.ward_id == room.centre.ward_id  # ward staff see it in their ward's log
    assert entry.after["blocks"] == ["afternoon", "morning"] and entry.after["status"] == "confirmed"


def test_the_confirmation_mail_goes_after_commit(room, resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reservation = book(actor=resident, room=room, date=OPEN_DAY, block_codes=["evening"], now=NOW)
    (message,) = mail.outbox
    assert message.to == ["hanako@example.jp"]
    assert "ご予約が確定しました" in message.body and reservation.receipt_number in message.body
    assert f"http://127.0.0.1:8000/facilities/bookings/{reservation.pk}/" in message.body


def test_a_room_that_needs_approval_leaves_the_booking_pending_but_holds_the_block(hall, resident, outsider):
    reservation = book(actor=resident, room=hall, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    assert reservation.status == "pending"
    with pytest.raises(SlotTaken, match="午前はすでに予約されています"):
        book(actor=outsider, room=hall, date=OPEN_DAY, block_codes=["morning"], now=NOW)


def test_blocks_must_be_known_distinct_consecutive_and_within_the_room_limit(room, resident):
    assert "連続した区分" in refused(
        actor=resident, room=room, date=OPEN_DAY, block_codes=["morning", "evening"]
    )
    assert "「night」はこのセンターにありません" in refused(
        actor=resident, room=room, date=OPEN_DAY, block_codes=["night"]
    )
    assert "重複" in refused(actor=resident, room=room, date=OPEN_DAY, block_codes=["morning", "morning"])
    assert "1つ以上" in refused(actor=resident, room=room, date=OPEN_DAY, block_codes=[])
    room.max_blocks_per_booking = 2
    room.save()
    assert "2区分まで" in refused(
        actor=resident, room=room, date=OPEN_DAY, block_codes=["morning", "afternoon", "evening"]
    )


def test_closed_days_are_refused_with_their_reason(room, centre, resident):
    assert "年末年始の休館日" in refused(
        actor=resident, room=room, date=datetime.date(2026, 12, 30), block_codes=["morning"]
    )
    ClosedDay.objects.create(centre=centre, date=OPEN_DAY, reason="設備点検のため臨時休館")
    assert "設備点検" in refused(actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"])
    centre.closed_on_holidays = True
    centre.open_weekdays = "012345"  # closed on Sundays
    centre.save()
    assert "成人の日" in refused(
        actor=resident, room=room, date=datetime.date(2027, 1, 11), block_codes=["morning"]
    )
    assert "休館日" in refused(
        actor=resident, room=room, date=datetime.date(2027, 1, 17), block_codes=["morning"]
    )


def test_a_block_that_has_started_cannot_be_booked(room, resident):
    today = timezone.localdate(NOW)  # 10:00: the morning has started, the afternoon has not
    assert "開始時刻を過ぎた" in refused(actor=resident, room=room, date=today, block_codes=["morning"])
    assert (
        book(actor=resident, room=room, date=today, block_codes=["afternoon"], now=NOW).status == "confirmed"
    )


def test_the_window_opens_two_months_ahead_on_the_first_at_nine(room, outsider):
    february = datetime.date(2027, 2, 10)
    message = refused(actor=outsider, room=room, date=february, block_codes=["morning"])
    assert message == "2027年2月10日分の予約受付は2026年12月1日 09:00からです"
    opening = at(2026, 12, 1, 9, 0)
    assert book(actor=outsider, room=room, date=february, block_codes=["morning"], now=opening).pk


def test_residents_of_the_ward_may_book_earlier(room, centre, resident, outsider):
    centre.resident_head_start_days = 7
    centre.save()
    february = datetime.date(2027, 2, 10)
    assert "2026年12月1日 09:00から" in refused(
        actor=outsider, room=room, date=february, block_codes=["morning"]
    )
    assert (
        book(actor=resident, room=room, date=february, block_codes=["morning"], now=NOW).status == "confirmed"
    )


def test_a_month_drawn_by_lottery_waits_for_the_leftovers(room, centre, resident):
    Lottery.objects.create(
        centre=centre,
        month=datetime.date(2027, 1, 1),
        applications_open_at=at(2026, 11, 1, 9),
        applications_close_at=at(2026, 11, 7, 23, 59),
        draw_at=at(2026, 11, 8, 9),
        confirm_by=at(2026, 11, 15, 23, 59),
        first_come_opens_at=at(2026, 12, 16, 9),
        seed="0" * 64,
        seed_digest="0" * 64,
    )
    message = refused(actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"])
    assert message == "2027年1月分は抽選で受け付けています。空いた枠の先着受付は2026年12月16日 09:00からです"
    assert book(actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], now=at(2026, 12, 16, 9)).pk


def test_attendees_over_capacity_are_refused(room, resident):
    assert "定員は20人" in refused(
        actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], attendees=21
    )


def test_a_group_books_only_when_approved_and_by_its_members(room, resident, outsider, approved_group):
    with pytest.raises(NotAllowed, match="この団体としては予約できません"):
        book(actor=outsider, room=room, date=OPEN_DAY, block_codes=["morning"], group=approved_group, now=NOW)
    approved_group.status = "pending"
    approved_group.save()
    assert "承認前" in refused(
        actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], group=approved_group
    )


def test_a_group_has_a_monthly_cap_per_centre(room, centre, resident, approved_group):
    centre.group_monthly_cap = 2
    centre.save()
    for day in (12, 13):
        book(
            actor=resident,
            room=room,
            date=OPEN_DAY.replace(day=day),
            block_codes=["morning"],
            group=approved_group,
            now=NOW,
        )
    with pytest.raises(BookingRefused, match="2027年1月に予約できるのは2件まで"):
        book(
            actor=resident,
            room=room,
            date=OPEN_DAY.replace(day=14),
            block_codes=["morning"],
            group=approved_group,
            now=NOW,
        )
    # the same person may still book for themselves
    assert book(actor=resident, room=room, date=OPEN_DAY.replace(day=14), block_codes=["morning"], now=NOW).pk


def test_the_group_kind_exemption_is_applied_and_rounded_down(room, centre, resident, approved_group):
    FeeExemption.objects.create(centre=centre, group_kind="jichikai", percent=33)
    reservation = book(
        actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], group=approved_group, now=NOW
    )
    assert (reservation.fee_yen, reservation.exemption_yen, reservation.payable_yen) == (600, 198, 402)


def test_a_manager_books_on_behalf_of_a_caller_without_an_account(hall, manager):
    reservation = book(
        actor=manager,
        room=hall,
        date=OPEN_DAY,
        block_codes=["morning"],
        holder_name="山田トメ",
        holder_phone="096-111-2222",
        resident=True,
        now=NOW,
    )
    assert reservation.on_behalf and reservation.booked_by == manager and reservation.holder is None
    assert reservation.status == "confirmed"  # the manager is the approver
    assert reservation.holder_label == "山田トメ"


def test_only_managers_book_on_behalf_and_a_caller_needs_a_phone(room, manager, resident):
    with pytest.raises(NotAllowed, match="代理予約を扱う権限がありません"):
        book(
            actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], holder_name="山田トメ", now=NOW
        )
    assert "連絡先電話番号" in refused(
        actor=manager, room=room, date=OPEN_DAY, block_codes=["morning"], holder_name="山田トメ"
    )


def test_an_anonymous_visitor_cannot_book(room):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAllowed, match="ログイン"):
        book(actor=AnonymousUser(), room=room, date=OPEN_DAY, block_codes=["morning"], now=NOW)


def test_the_database_refuses_a_second_active_row_for_a_block(room, resident, outsider):
    """Even a write that skipped every check in Python cannot double-book: the index says no."""
    from django.db import IntegrityError, transaction

    first = book(actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    second = Reservation.objects.create(
        room=room, date=OPEN_DAY, status="confirmed", holder=outsider, booked_by=outsider, fee_yen=0
    )
    held = first.held_blocks.get()
    same = {
        "room": room,
        "date": OPEN_DAY,
        "block": held.block,
        "starts_at": held.starts_at,
        "ends_at": held.ends_at,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ReservationBlock.objects.create(reservation=second, **same)
    # an inactive (released) row may coexist: history is kept
    ReservationBlock.objects.create(reservation=second, active=False, **same)
