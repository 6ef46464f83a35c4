"""After booking: approve, decline, cancel (by the deadline, then only the manager), no-show."""

import datetime

import pytest
from django.core import mail
from tests.facilities.conftest import NOW, OPEN_DAY, at

from machi.accounts.actions import NotAllowed
from machi.facilities.actions import (
    BookingRefused,
    approve,
    book,
    cancel,
    cancellation_deadline,
    decline,
    mark_no_show,
)
from machi.facilities.models import Reservation, ReservationBlock

pytestmark = pytest.mark.django_db


def test_the_manager_approves_a_pending_booking(hall, resident, manager, django_capture_on_commit_callbacks):
    reservation = book(actor=resident, room=hall, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        approved = approve(actor=manager, reservation=reservation)
    assert approved.status == "confirmed" and approved.decided_by == manager and approved.decided_at
    assert "ご予約が確定しました" in mail.outbox[-1].body


def test_a_decline_needs_a_reason_and_releases_the_block(hall, resident, outsider, manager):
    reservation = book(actor=resident, room=hall, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    with pytest.raises(BookingRefused, match="理由"):
        decline(actor=manager, reservation=reservation, reason="  ")
    declined = decline(actor=manager, reservation=reservation, reason="同日に地域行事で使用するため")
    assert declined.status == "declined" and declined.decline_reason == "同日に地域行事で使用するため"
    assert not ReservationBlock.objects.filter(active=True).exists()
    assert (
        book(actor=outsider, room=hall, date=OPEN_DAY, block_codes=["morning"], now=NOW).status == "pending"
    )


def test_residents_and_other_centres_managers_cannot_decide(hall, resident, django_user_model, chuo):
    from machi.accounts.actors import SYSTEM
    from machi.accounts.models import RoleGrant
    from machi.facilities.actions import save_centre
    from machi.facilities.models import Centre

    other = save_centre(actor=SYSTEM, centre=Centre(ward=chuo, name="別のセンター"))
    elsewhere = django_user_model.objects.create_user("betsu")
    RoleGrant.objects.create(user=elsewhere, role="centre-manager", centre=other)
    reservation = book(actor=resident, room=hall, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    for actor in (resident, elsewhere):
        with pytest.raises(NotAllowed):
            approve(actor=actor, reservation=reservation)
    assert Reservation.objects.get().status == "pending"


def test_a_decision_is_taken_once(hall, resident, manager):
    reservation = book(actor=resident, room=hall, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    approve(actor=manager, reservation=reservation)
    with pytest.raises(BookingRefused, match="「確定」のため"):
        decline(actor=manager, reservation=reservation, reason="重複")


def test_the_holder_cancels_until_the_deadline_then_only_the_manager(room, resident, manager, outsider):
    reservation = book(actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    assert cancellation_deadline(reservation) == datetime.date(2027, 1, 9)
    late = at(2027, 1, 10, 8, 0)
    with pytest.raises(BookingRefused, match="取消の期限（2027年1月9日）を過ぎています"):
        cancel(actor=resident, reservation=reservation, now=late)
    with pytest.raises(NotAllowed):
        cancel(actor=outsider, reservation=reservation, now=NOW)
    cancelled = cancel(actor=manager, reservation=reservation, reason="電話で取消の連絡", now=late)
    assert cancelled.status == "cancelled" and cancelled.cancelled_by == manager
    assert cancelled.cancel_reason == "電話で取消の連絡"
    # the block is free again, and the cancelled booking is kept
    assert book(actor=outsider, room=room, date=OPEN_DAY, block_codes=["morning"], now=late).pk
    assert Reservation.objects.filter(status="cancelled").count() == 1


def test_the_holder_cancels_in_time(room, resident):
    reservation = book(actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    on_deadline = at(2027, 1, 9, 23, 0)
    assert cancel(actor=resident, reservation=reservation, now=on_deadline).status == "cancelled"
    with pytest.raises(BookingRefused, match="「取消」のため"):
        cancel(actor=resident, reservation=reservation, now=on_deadline)


def test_no_show_is_marked_only_after_the_start(room, resident, manager):
    reservation = book(actor=resident, room=room, date=OPEN_DAY, block_codes=["afternoon"], now=NOW)
    before = at(2027, 1, 12, 12, 59)
    with pytest.raises(BookingRefused, match="利用開始の時刻を過ぎてから"):
        mark_no_show(actor=manager, reservation=reservation, now=before)
    with pytest.raises(NotAllowed):
        mark_no_show(actor=resident, reservation=reservation, now=before + datetime.timedelta(hours=2))
    marked = mark_no_show(actor=manager, reservation=reservation, now=before + datetime.timedelta(hours=2))
    assert marked.status == "no_show"
    assert ReservationBlock.objects.get().active  # a past no-show still occupies its block in the record


def test_each_status_mail_says_the_status_it_was_queued_with(
    room, resident, django_capture_on_commit_callbacks
):
    """The mails are written by their task, after the answer: a booking cancelled before its confirmation
    went out still gets the confirmation first, then the cancellation — never two cancellations."""
    with django_capture_on_commit_callbacks() as booked:
        reservation = book(
            actor=resident, room=room, date=OPEN_DAY, block_codes=["morning", "afternoon"], now=NOW
        )
    with django_capture_on_commit_callbacks() as cancelled:
        cancel(actor=resident, reservation=reservation, now=NOW)
    for callback in [*booked, *cancelled]:
        callback()
    confirmed, withdrawn = mail.outbox
    assert "ご予約が確定しました" in confirmed.body and "午前・午後" in confirmed.body
    assert "ご予約を取り消しました" in withdrawn.body
    assert confirmed.to == withdrawn.to == ["hanako@example.jp"]
