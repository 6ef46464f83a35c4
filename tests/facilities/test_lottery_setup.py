"""Setting up a lottery: who may, the schedule in order, the secret seed and its published digest."""

import datetime
import hashlib

import pytest
from tests.facilities.lottery_support import (
    AFTER_CLOSE,
    IN_WINDOW,
    MONTH,
    SET_UP,
    at,
    make_lottery,
)

from machi.accounts.actions import NotAllowed
from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.facilities import lottery as lotteries
from machi.facilities.actions import BookingRefused, save_centre
from machi.facilities.models import Centre, Lottery


def test_default_schedule_follows_the_booking_window_two_months_ahead(centre):
    schedule = lotteries.default_schedule(centre, MONTH)
    assert schedule == {
        "applications_open_at": at(1, 1, 9),
        "applications_close_at": at(1, 7, 23, 59, 59),
        "draw_at": at(1, 8, 9),
        "confirm_by": at(1, 15, 23, 59, 59),
        "first_come_opens_at": at(1, 16, 9),
    }
    centre.window_months_ahead = 3
    assert lotteries.default_schedule(centre, MONTH)["draw_at"] == at(12, 8, 9, year=2026)


def test_the_seed_is_secret_random_and_committed_to_by_its_digest(centre):
    first = make_lottery(centre)
    second = make_lottery(centre, month=datetime.date(2027, 4, 1))
    assert len(first.seed) == 64 and int(first.seed, 16) >= 0
    assert first.seed != second.seed
    assert first.seed_digest == hashlib.sha256(first.seed.encode()).hexdigest()
    stored = Lottery.objects.get(pk=first.pk)
    assert (stored.seed, stored.seed_digest) == (first.seed, first.seed_digest)


def test_the_audit_log_records_the_set_up_without_the_seed(centre, manager):
    lottery = make_lottery(centre, actor=manager)
    entry = AuditEntry.objects.get(action="facilities.lottery_create")
    assert entry.actor == manager and entry.object_id == str(lottery.pk)
    assert entry.after["seed_digest"] == lottery.seed_digest
    assert lottery.seed not in str(entry.after)
    assert lottery.created_by == manager


def test_the_seed_is_published_only_after_applications_close(centre):
    lottery = make_lottery(centre)
    assert lotteries.published_seed(lottery, IN_WINDOW) is None
    assert lotteries.published_seed(lottery, lottery.applications_close_at) is None
    assert lotteries.published_seed(lottery, AFTER_CLOSE) == lottery.seed


def test_stages_follow_the_clock(centre):
    lottery = make_lottery(centre)
    assert lotteries.stage(lottery, SET_UP) == lotteries.Stage.UPCOMING
    assert lotteries.stage(lottery, IN_WINDOW) == lotteries.Stage.OPEN
    assert lotteries.stage(lottery, AFTER_CLOSE) == lotteries.Stage.CLOSED
    assert not lotteries.can_draw(lottery, AFTER_CLOSE)
    assert lotteries.can_draw(lottery, lottery.draw_at)


def test_a_manager_of_another_centre_or_a_resident_may_not_set_one_up(
    centre, chuo, resident, django_user_model
):
    from machi.accounts.models import RoleGrant

    other = save_centre(actor=SYSTEM, centre=Centre(ward=chuo, name="黒髪地域コミュニティセンター"))
    elsewhere = django_user_model.objects.create_user("kurokami")
    RoleGrant.objects.create(user=elsewhere, role="centre-manager", centre=other)
    for person in (resident, elsewhere):
        with pytest.raises(NotAllowed, match="白川地域コミュニティセンターの抽選を扱う権限がありません"):
            make_lottery(centre, actor=person)
    assert not Lottery.objects.exists()


def test_ward_staff_of_the_centre_s_ward_may(centre, chuo, ward_staff):
    lottery = make_lottery(centre, actor=ward_staff("chuo", chuo))
    assert lottery.pk


def test_one_lottery_per_centre_and_month(centre):
    make_lottery(centre)
    with pytest.raises(BookingRefused, match="2027年3月分の抽選はすでにあります"):
        make_lottery(centre, month=datetime.date(2027, 3, 15))
    assert Lottery.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"applications_close_at": at(1, 1, 9)},
            "申込締切（2027年1月1日 09:00）は申込開始（2027年1月1日 09:00）より後に",
        ),
        ({"draw_at": at(1, 7, 9)}, "抽選日時（2027年1月7日 09:00）は申込締切（2027年1月7日 23:59）以降に"),
        (
            {"confirm_by": at(1, 8, 9)},
            "当選者の確認期限（2027年1月8日 09:00）は抽選日時（2027年1月8日 09:00）より後に",
        ),
        (
            {"first_come_opens_at": at(1, 15, 9)},
            "空き枠の先着受付開始（2027年1月15日 09:00）は当選者の確認期限",
        ),
        (
            {"first_come_opens_at": at(3, 1, 9)},
            "空き枠の先着受付開始（2027年3月1日 09:00）は対象月（2027年3月）より前に",
        ),
    ],
)
def test_the_steps_must_come_in_order_and_before_the_month(centre, change, message):
    schedule = lotteries.default_schedule(centre, MONTH) | change
    with pytest.raises(BookingRefused, match=message.replace("(", r"\(")):
        lotteries.create_lottery(actor=SYSTEM, centre=centre, month=MONTH, now=SET_UP, **schedule)
    assert not Lottery.objects.exists()


def test_a_month_already_open_first_come_cannot_be_put_to_lottery(centre):
    # January 2027 opened first-come on 2026-11-01 09:00.
    january = datetime.date(2027, 1, 1)
    schedule = {
        "applications_open_at": at(12, 1, 9, year=2026),
        "applications_close_at": at(12, 7, 23, year=2026),
        "draw_at": at(12, 8, 9, year=2026),
        "confirm_by": at(12, 15, 23, year=2026),
        "first_come_opens_at": at(12, 16, 9, year=2026),
    }
    with pytest.raises(
        BookingRefused, match="2027年1月分はすでに先着順の受付（2026年11月1日 09:00から）が始まっている"
    ):
        lotteries.create_lottery(actor=SYSTEM, centre=centre, month=january, now=SET_UP, **schedule)


def test_a_lottery_whose_window_has_closed_cannot_be_set_up(centre):
    with pytest.raises(BookingRefused, match="申込締切（2027年1月7日 23:59）がすでに過ぎています"):
        make_lottery(centre, now=AFTER_CLOSE)


def test_the_number_of_choices_is_one_to_five(centre):
    with pytest.raises(BookingRefused, match="希望の数は1〜5"):
        make_lottery(centre, max_choices=6)
