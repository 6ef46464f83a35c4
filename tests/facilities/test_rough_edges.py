"""What a resident met on a walk through the booking pages, each fixed and held here: the lottery told on a
room's calendar, the represented group chosen (with its 減免), nothing to pay on a cancelled booking, a
same-day booking's true cancel rule, the button the text names, each run of booked time, the won booking's
link, and the personal calendar linked from "my bookings"."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.facilities.conftest import NOW, OPEN_DAY, TOKYO
from tests.facilities.lottery_support import make_lottery

from machi.accounts.actors import SYSTEM
from machi.facilities import actions, ical
from machi.facilities import lottery as lotteries
from machi.facilities.models import FeeExemption, Reservation, TimeBlock, time_runs, times_label
from machi.facilities.queries import add_months

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def clock(monkeypatch):
    """The pages' clock, set by `clock(moment)`."""

    def set_to(moment):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    return set_to


def test_a_months_lottery_is_told_on_the_rooms_month_and_week_with_its_application_period(
    client, centre, room, clock
):
    lottery = make_lottery(centre)  # March 2027: applications 1月1日 9:00〜1月7日 23:59
    clock(NOW)
    link = reverse("facilities:lottery-detail", args=[lottery.pk])
    for page in (
        client.get(f"/facilities/rooms/{room.pk}/?month=2027-03"),
        client.get(f"/facilities/rooms/{room.pk}/week/?from=2027-02-26"),
    ):
        shown = text(page)
        assert "2027年3月分は抽選で割り振ります" in shown
        assert "抽選の申込期間は 1月1日 9:00〜1月7日 23:59 です" in shown
        assert f'href="{link}"' in page.content.decode()
    assert "抽選で割り振ります" not in text(client.get(f"/facilities/rooms/{room.pk}/?month=2027-04"))


def test_the_booking_form_chooses_the_group_the_person_represents_and_shows_its_exemption(
    client, centre, room, resident, approved_group
):
    FeeExemption.objects.create(centre=centre, group_kind="jichikai", percent=50)
    client.force_login(resident)
    html = client.get(f"/facilities/rooms/{room.pk}/book/").content.decode()
    chosen = re.search(r'<option value="(\d+)"[^>]*selected>([^<]*)</option>', html)
    assert chosen and int(chosen.group(1)) == approved_group.pk
    assert chosen.group(2) == "白川一丁目自治会（自治会・使用料の減免 50%）"


def test_a_cancelled_booking_shows_nothing_to_pay(client, room, resident):
    reservation = actions.book(actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    assert reservation.payable_yen == 600
    actions.cancel(actor=resident, reservation=reservation, now=NOW)
    reservation.refresh_from_db()
    assert reservation.payable_yen == 0
    client.force_login(resident)
    page = text(client.get(f"/facilities/bookings/{reservation.pk}/"))
    assert "お支払いいただく額 （「取消」の予約のため、お支払いはありません） 0" in page
    assert "600" not in page.split("お支払いいただく額")[1][:80]


def test_a_same_day_booking_tells_the_cancel_rule_the_action_keeps(client, centre, room, resident, clock):
    morning = datetime.datetime.combine(OPEN_DAY, datetime.time(7, 0), tzinfo=TOKYO)
    clock(morning)
    client.force_login(resident)
    data = {"date": OPEN_DAY.isoformat(), "blocks": ["evening"], "purpose": "会議", "attendees": 5}
    review = text(client.post(f"/facilities/rooms/{room.pk}/book/", data | {"step": "review"}))
    assert (
        "当日のご予約のため、取り消しは白川地域コミュニティセンター（096-000-0000）へご連絡ください" in review
    )
    assert "取消は" not in review.split("使用料はセンターの窓口でお支払いください。")[1][:30]

    client.post(f"/facilities/rooms/{room.pk}/book/", data | {"step": "confirm"})
    reservation = Reservation.objects.get()
    with pytest.raises(actions.BookingRefused):  # and the action indeed refuses the holder
        actions.cancel(actor=resident, reservation=reservation, now=morning)
    assert "当日のご予約のため、取り消しは" in text(client.get("/facilities/mine/"))


def test_a_room_that_needs_approval_names_the_button_it_shows(client, hall, resident):
    client.force_login(resident)
    data = {"date": OPEN_DAY.isoformat(), "blocks": ["morning"], "purpose": "会議", "attendees": 5}
    review = client.post(f"/facilities/rooms/{hall.pk}/book/", data | {"step": "review"})
    shown = text(review)
    assert (
        "「この内容で申し込む」を押してください" in shown
        and ">この内容で申し込む</button>" in review.content.decode()
    )
    assert "予約を確定する" not in shown


def test_afternoon_and_evening_show_as_two_runs_of_time(client, room, resident):
    blocks = list(room.centre.blocks.filter(code__in=["afternoon", "evening"]))
    assert time_runs(blocks) == [
        (datetime.time(13, 0), datetime.time(17, 0)),
        (datetime.time(18, 0), datetime.time(21, 0)),
    ]
    assert times_label(blocks) == "13:00〜17:00、18:00〜21:00"
    back_to_back = [
        TimeBlock(starts_at=datetime.time(9, 0), ends_at=datetime.time(12, 0)),
        TimeBlock(starts_at=datetime.time(12, 0), ends_at=datetime.time(13, 0)),
    ]
    assert times_label(back_to_back) == "9:00〜13:00"

    actions.book(actor=resident, room=room, date=OPEN_DAY, block_codes=["afternoon", "evening"], now=NOW)
    client.force_login(resident)
    assert "時間 13:00〜17:00、18:00〜21:00" in text(client.get("/facilities/mine/"))


def test_a_won_and_confirmed_booking_is_not_called_a_receipt(client, centre, room, resident):
    now = timezone.now()
    month = add_months(timezone.localdate(), 3)
    lottery = lotteries.create_lottery(
        actor=SYSTEM,
        centre=centre,
        month=month,
        applications_open_at=now - datetime.timedelta(hours=1),
        applications_close_at=now + datetime.timedelta(hours=1),
        draw_at=now + datetime.timedelta(hours=2),
        confirm_by=now + datetime.timedelta(days=7),
        first_come_opens_at=now + datetime.timedelta(days=8),
    )
    day = month
    while lotteries.closure_reason(centre, day):
        day += datetime.timedelta(days=1)
    lotteries.apply(actor=resident, lottery=lottery, choices=[(room, day, ["evening"])])
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=now + datetime.timedelta(hours=3))
    actions.confirm_win(actor=resident, reservation=Reservation.objects.get(lottery=lottery))
    client.force_login(resident)
    page = text(client.get(reverse("facilities:lottery-entry", args=[lottery.pk])))
    assert "予約の内容とお支払いいただく使用料" in page and "領収" not in page


def test_my_bookings_link_my_secret_calendar_and_say_how_to_renew_it(client, resident):
    client.force_login(resident)
    response = client.get("/facilities/mine/")
    feed = "http://testserver" + ical.holder_feed_url(resident)
    assert f'value="{feed}"' in response.content.decode()
    shown = text(response)
    assert "秘密のアドレス" in shown and "パスワードを変更" in shown
    assert client.get(ical.holder_feed_url(resident)).status_code == 200
