"""Bookings and lottery entries in a person's rights over their data (machi.facilities.privacy)."""

import datetime

import pytest
from tests.facilities.lottery_support import DAY, IN_WINDOW, make_lottery

from machi.accounts import privacy
from machi.accounts.actors import SYSTEM
from machi.facilities import lottery as lotteries
from machi.facilities import privacy as facilities_privacy
from machi.facilities.models import LotteryEntry, Reservation


def _booking(room, person, day, **fields):
    return Reservation.objects.create(
        room=room, date=day, status="confirmed", holder=person, fee_yen=600, **fields
    )


def test_the_download_holds_ones_bookings_including_those_made_on_ones_behalf(room, resident, outsider):
    _booking(room, resident, datetime.date(2026, 12, 1), purpose="書道", on_behalf=True, holder_phone="090-1")
    _booking(room, outsider, datetime.date(2026, 12, 2), purpose="囲碁")
    [booking] = facilities_privacy.personal_data(resident)["bookings"]
    assert (booking["purpose"], booking["on_behalf"], booking["holder_phone"]) == ("書道", True, "090-1")


def test_an_entry_in_a_lottery_not_yet_drawn_holds_the_account(centre, room, resident):
    lottery = make_lottery(centre)
    lotteries.apply(actor=resident, lottery=lottery, choices=[(room, DAY, ["morning"])], now=IN_WINDOW)
    assert facilities_privacy.deletion_refusals(resident) == [
        "抽選前の申込みがあります。抽選が終わってから削除してください。"
    ]
    lottery.drawn_at = IN_WINDOW
    lottery.save()
    assert facilities_privacy.deletion_refusals(resident) == []


def test_a_future_booking_holds_the_account_and_a_past_one_does_not(room, resident):
    _booking(room, resident, datetime.date(2026, 12, 10))
    today = datetime.date(2026, 12, 5)
    assert "これからの予約が1件あります" in facilities_privacy.deletion_refusals(resident, today=today)[0]
    assert facilities_privacy.deletion_refusals(resident, today=datetime.date(2026, 12, 11)) == []


@pytest.mark.django_db
def test_an_anonymised_lottery_entry_reads_as_deleted_on_the_staff_page(
    client, centre, room, resident, manager
):
    lottery = make_lottery(centre, month=datetime.date(2027, 3, 1))
    lotteries.apply(actor=resident, lottery=lottery, choices=[(room, DAY, ["morning"])], now=IN_WINDOW)
    assert privacy.anonymise_expired(actor=SYSTEM, today=datetime.date(2031, 4, 1))["facilities"] == 1
    assert LotteryEntry.objects.get().applicant is None
    client.force_login(manager)
    page = client.get(f"/facilities/lotteries/{lottery.pk}/staff/").content.decode()
    assert "（削除済み）" in page and "熊本花子" not in page
