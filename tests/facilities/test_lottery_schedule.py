"""Staff set a centre's months by lottery or first-come: change and cancel a lottery, the booking window rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from tests.facilities.lottery_support import DAY, IN_WINDOW, MONTH, SET_UP, at, make_lottery

from machi.accounts.actions import NotAllowed
from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.facilities import lottery as lotteries
from machi.facilities.actions import BookingRefused, cancel_lottery, change_lottery, set_booking_window
from machi.facilities.models import Lottery
from machi.facilities.queries import booking_opens_at, centre_schedule


def schedule(lottery, **change):
    return {name: getattr(lottery, name) for name, _label, _strictly in lotteries.STEPS} | change


def test_the_default_timetable_follows_the_centres_opening_day_and_time(centre):
    centre.window_opens_day, centre.window_opens_time = 10, datetime.time(8, 30)
    assert lotteries.default_schedule(centre, MONTH) == {
        "applications_open_at": at(1, 10, 8, 30),
        "applications_close_at": at(1, 16, 23, 59, 59),
        "draw_at": at(1, 17, 8, 30),
        "confirm_by": at(1, 24, 23, 59, 59),
        "first_come_opens_at": at(1, 25, 8, 30),
    }


def test_staff_change_a_lottery_before_applications_open_and_it_is_audited(centre, manager):
    lottery = make_lottery(centre)
    changed = change_lottery(
        actor=manager,
        lottery=lottery,
        now=SET_UP,
        max_choices=2,
        **schedule(lottery, applications_open_at=at(1, 2, 9), draw_at=at(1, 9, 10)),
    )
    stored = Lottery.objects.get(pk=lottery.pk)
    assert (stored.applications_open_at, stored.draw_at, stored.max_choices) == (at(1, 2, 9), at(1, 9, 10), 2)
    assert changed.seed == lottery.seed
    entry = AuditEntry.objects.get(action="facilities.lottery_change_schedule")
    assert entry.actor == manager and entry.before["max_choices"] == 3 and entry.after["max_choices"] == 2
    assert lottery.seed not in str(entry.after)


def test_a_lottery_cannot_be_changed_once_applications_opened(centre):
    lottery = make_lottery(centre)
    with pytest.raises(
        BookingRefused, match="申込の受付（2027年1月1日 09:00から）が始まっているため、変更できません"
    ):
        change_lottery(actor=SYSTEM, lottery=lottery, now=IN_WINDOW, max_choices=3, **schedule(lottery))


def test_a_lottery_with_entries_can_be_neither_changed_nor_cancelled(centre, room, resident):
    lottery = make_lottery(centre)
    lotteries.apply(actor=resident, lottery=lottery, choices=[(room, DAY, ["morning"])], now=IN_WINDOW)
    with pytest.raises(BookingRefused, match="すでに申込が1件あるため、変更できません"):
        change_lottery(actor=SYSTEM, lottery=lottery, now=SET_UP, max_choices=3, **schedule(lottery))
    with pytest.raises(BookingRefused, match="すでに申込が1件あるため、取消できません"):
        cancel_lottery(actor=SYSTEM, lottery=lottery, now=IN_WINDOW)
    assert Lottery.objects.filter(pk=lottery.pk).exists()


def test_a_drawn_lottery_cannot_be_cancelled(centre):
    lottery = make_lottery(centre)
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=at(1, 8, 9))
    with pytest.raises(BookingRefused, match="実施済みのため、取消できません"):
        cancel_lottery(actor=SYSTEM, lottery=lottery, now=at(1, 9, 9))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"draw_at": at(1, 7, 12)}, r"抽選日時（2027年1月7日 12:00）は申込締切（2027年1月7日 23:59）以降"),
        ({"applications_close_at": at(1, 1, 9)}, r"申込締切（2027年1月1日 09:00）は申込開始"),
        ({"first_come_opens_at": at(3, 2, 9), "confirm_by": at(3, 1, 9)}, "対象月（2027年3月）より前"),
    ],
)
def test_a_changed_timetable_keeps_its_steps_in_order(centre, change, message):
    lottery = make_lottery(centre)
    with pytest.raises(BookingRefused, match=message):
        change_lottery(
            actor=SYSTEM, lottery=lottery, now=SET_UP, max_choices=3, **schedule(lottery, **change)
        )
    assert Lottery.objects.get(pk=lottery.pk).draw_at == at(1, 8, 9)


def test_cancelling_an_unopened_lottery_puts_the_month_back_to_first_come(centre, manager):
    lottery = make_lottery(centre)
    cancel_lottery(actor=manager, lottery=lottery, now=SET_UP)
    assert not Lottery.objects.exists()
    assert AuditEntry.objects.get(action="facilities.lottery_cancel").before["month"] == "2027-03-01"


def test_another_centres_manager_may_not_change_or_cancel(centre, django_user_model):
    lottery = make_lottery(centre)
    stranger = django_user_model.objects.create_user("stranger")
    with pytest.raises(NotAllowed):
        cancel_lottery(actor=stranger, lottery=lottery, now=SET_UP)
    with pytest.raises(NotAllowed):
        change_lottery(actor=stranger, lottery=lottery, now=SET_UP, max_choices=3, **schedule(lottery))


def test_the_booking_window_rules_are_changed_by_the_centres_manager_and_audited(centre, manager):
    set_booking_window(
        actor=manager,
        centre=centre,
        window_months_ahead=3,
        window_opens_day=5,
        window_opens_time=datetime.time(10, 0),
        resident_head_start_days=2,
    )
    centre.refresh_from_db()
    assert booking_opens_at(centre, MONTH, resident=False) == at(12, 5, 10, year=2026)
    assert booking_opens_at(centre, MONTH, resident=True) == at(12, 3, 10, year=2026)
    entry = AuditEntry.objects.get(action="facilities.set_booking_window")
    assert entry.before["window_months_ahead"] == 2 and entry.after["window_months_ahead"] == 3


def test_a_window_out_of_range_is_refused_and_nothing_changes(centre, manager):
    with pytest.raises(ValidationError):
        set_booking_window(
            actor=manager,
            centre=centre,
            window_months_ahead=2,
            window_opens_day=31,
            window_opens_time=datetime.time(9, 0),
            resident_head_start_days=0,
        )
    centre.refresh_from_db()
    assert centre.window_opens_day == 1


def test_the_schedule_tells_each_month_lottery_or_first_come_and_why_not(centre, room, resident):
    lottery = make_lottery(centre)
    months = {row.month: row for row in centre_schedule(centre, now=SET_UP)}
    assert months[MONTH].lottery == lottery and months[MONTH].refusal == "この月はすでに抽選です"
    january = months[datetime.date(2027, 1, 1)]
    assert january.lottery is None and "先着順の受付が2026年11月1日 09:00に始まっています" in january.refusal
    april = months[datetime.date(2027, 4, 1)]
    assert april.refusal is None and april.opens_at == at(2, 1, 9)
    assert len(months) == 7 and min(months) == datetime.date(2026, 11, 1)
