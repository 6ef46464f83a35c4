"""Applying to a lottery: the window, ranked choices checked like a booking, one entry per person and group."""

import datetime

import pytest
from tests.facilities.lottery_support import (
    AFTER_CLOSE,
    BEFORE_WINDOW,
    DAY,
    IN_WINDOW,
    OTHER_DAY,
    at,
    make_lottery,
)

from machi.accounts.actions import NotAllowed
from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup, GroupMember
from machi.audit.models import AuditEntry
from machi.facilities import lottery as lotteries
from machi.facilities.actions import BookingRefused, save_centre
from machi.facilities.models import Centre, ClosedDay, LotteryChoice, LotteryEntry, Room


@pytest.fixture
def lottery(centre):
    return make_lottery(centre)


def choices_of(entry):
    return [
        (c.rank, c.room.name, c.date, [b.code for b in c.blocks.order_by("position")])
        for c in entry.choices.order_by("rank")
    ]


def test_a_person_applies_with_ranked_choices(lottery, room, hall, resident):
    entry = lotteries.apply(
        actor=resident,
        lottery=lottery,
        choices=[
            (hall, DAY, ["afternoon", "evening"]),
            (room, DAY, ["morning"]),
            (room, OTHER_DAY, ["evening"]),
        ],
        now=IN_WINDOW,
    )
    assert entry.applicant == resident and entry.group is None
    assert choices_of(entry) == [
        (1, "多目的ホール", DAY, ["afternoon", "evening"]),
        (2, "和室", DAY, ["morning"]),
        (3, "和室", OTHER_DAY, ["evening"]),
    ]
    audit = AuditEntry.objects.get(action="facilities.lottery_apply")
    assert audit.actor == resident and audit.after["choices"][0] == {
        "rank": 1,
        "room": hall.pk,
        "date": "2027-03-09",
        "blocks": ["afternoon", "evening"],
    }


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (BEFORE_WINDOW, "申込の受付は2027年1月1日 09:00からです"),
        (AFTER_CLOSE, "申込は2027年1月7日 23:59で締め切りました"),
    ],
)
def test_applications_are_taken_only_while_the_window_is_open(lottery, room, resident, moment, message):
    with pytest.raises(BookingRefused, match=message):
        lotteries.apply(actor=resident, lottery=lottery, choices=[(room, DAY, ["morning"])], now=moment)
    assert not LotteryEntry.objects.exists()


def test_the_window_includes_its_first_and_last_moments(lottery, room, resident, outsider):
    lotteries.apply(actor=resident, lottery=lottery, choices=[(room, DAY, ["morning"])], now=at(1, 1, 9))
    lotteries.apply(
        actor=outsider, lottery=lottery, choices=[(room, DAY, ["morning"])], now=at(1, 7, 23, 59, 59)
    )
    assert LotteryEntry.objects.count() == 2


def test_logging_in_is_needed(lottery, room):
    with pytest.raises(NotAllowed, match="ログインが必要"):
        lotteries.apply(actor=SYSTEM, lottery=lottery, choices=[(room, DAY, ["morning"])], now=IN_WINDOW)


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (("room", "2027-04-06", ["morning"]), "第1希望：2027年3月の日を選んでください（2027年4月6日）"),
        (("room", "2027-03-09", []), "第1希望：利用区分を1つ以上選んでください"),
        (("room", "2027-03-09", ["night"]), "第1希望：利用区分「night」はこのセンターにありません"),
        (("room", "2027-03-09", ["morning", "evening"]), "第1希望：続けて予約できるのは連続した区分だけです"),
        (("room", "2027-03-09", ["morning", "morning"]), "第1希望：同じ利用区分が重複しています"),
        (("small", "2027-03-09", ["morning", "afternoon"]), "第1希望：会議室は1回に1区分まで予約できます"),
        (
            ("room", "2027-03-21", ["morning"]),
            "第1希望：2027年3月21日は白川地域コミュニティセンターの祝日（春分の日）の休館日です",
        ),
        (
            ("room", "2027-03-16", ["morning"]),
            "第1希望：2027年3月16日は白川地域コミュニティセンターの設備点検です",
        ),
        (
            ("elsewhere", "2027-03-09", ["morning"]),
            "第1希望：ホールは白川地域コミュニティセンターの部屋ではありません",
        ),
    ],
)
def test_each_choice_must_be_a_booking_the_centre_could_take(
    lottery, centre, chuo, room, resident, choice, message
):
    centre.closed_on_holidays = True
    centre.save()
    ClosedDay.objects.create(centre=centre, date=datetime.date(2027, 3, 16), reason="設備点検")
    other = save_centre(actor=SYSTEM, centre=Centre(ward=chuo, name="黒髪地域コミュニティセンター"))
    rooms = {
        "room": room,
        "small": Room.objects.create(centre=centre, name="会議室", capacity=8, max_blocks_per_booking=1),
        "elsewhere": Room.objects.create(centre=other, name="ホール", capacity=100),
    }
    name, day, codes = choice
    # A good first choice before it, so the refusal names the rank of the bad one.
    with pytest.raises(BookingRefused, match=message.replace("第1希望", "第2希望").replace("(", r"\(")):
        lotteries.apply(
            actor=resident,
            lottery=lottery,
            choices=[(room, OTHER_DAY, ["morning"]), (rooms[name], datetime.date.fromisoformat(day), codes)],
            now=IN_WINDOW,
        )
    assert not LotteryEntry.objects.exists() and not LotteryChoice.objects.exists()


def test_at_least_one_and_at_most_max_choices(lottery, room, resident):
    with pytest.raises(BookingRefused, match="希望を1つ以上選んでください"):
        lotteries.apply(actor=resident, lottery=lottery, choices=[], now=IN_WINDOW)
    four = [(room, DAY, [code]) for code in ("morning", "afternoon", "evening")] + [
        (room, OTHER_DAY, ["morning"])
    ]
    with pytest.raises(BookingRefused, match="希望は3つまでです"):
        lotteries.apply(actor=resident, lottery=lottery, choices=four, now=IN_WINDOW)


def test_the_same_choice_twice_is_refused(lottery, room, resident):
    with pytest.raises(BookingRefused, match="第3希望が第1希望と同じです"):
        lotteries.apply(
            actor=resident,
            lottery=lottery,
            choices=[(room, DAY, ["morning"]), (room, DAY, ["afternoon"]), (room, DAY, ["morning"])],
            now=IN_WINDOW,
        )


def test_one_entry_per_person(lottery, room, resident):
    first = lotteries.apply(
        actor=resident, lottery=lottery, choices=[(room, DAY, ["morning"])], now=IN_WINDOW
    )
    with pytest.raises(
        BookingRefused, match=f"すでに申し込んでいます（申込番号 {first.pk}）。申込は1人1件です"
    ):
        lotteries.apply(
            actor=resident, lottery=lottery, choices=[(room, OTHER_DAY, ["morning"])], now=IN_WINDOW
        )
    assert LotteryEntry.objects.count() == 1 and LotteryChoice.objects.count() == 1


def test_one_entry_per_group(lottery, room, resident, outsider, approved_group):
    GroupMember.objects.create(group=approved_group, name=str(outsider), user=outsider)
    entry = lotteries.apply(
        actor=resident,
        lottery=lottery,
        choices=[(room, DAY, ["morning"])],
        group=approved_group,
        now=IN_WINDOW,
    )
    assert entry.group == approved_group
    with pytest.raises(
        BookingRefused, match="白川一丁目自治会はすでにこの抽選に申し込んでいます。申込は1団体1件です"
    ):
        lotteries.apply(
            actor=outsider,
            lottery=lottery,
            choices=[(room, DAY, ["evening"])],
            group=approved_group,
            now=IN_WINDOW,
        )
    # The other member may still apply for themselves.
    lotteries.apply(actor=outsider, lottery=lottery, choices=[(room, DAY, ["evening"])], now=IN_WINDOW)
    assert LotteryEntry.objects.count() == 2


def test_a_group_must_be_approved_and_the_applicant_a_member(
    lottery, room, resident, outsider, approved_group, chuo
):
    with pytest.raises(NotAllowed, match="この団体としては予約できません"):
        lotteries.apply(
            actor=outsider,
            lottery=lottery,
            choices=[(room, DAY, ["morning"])],
            group=approved_group,
            now=IN_WINDOW,
        )
    pending = CommunityGroup.objects.create(
        name="新しいサークル", kind="circle", ward=chuo, representative=resident
    )
    with pytest.raises(BookingRefused, match="新しいサークルは区の承認前のため"):
        lotteries.apply(
            actor=resident, lottery=lottery, choices=[(room, DAY, ["morning"])], group=pending, now=IN_WINDOW
        )
    assert not LotteryEntry.objects.exists()


def test_the_applicant_changes_the_entry_while_the_window_is_open(
    lottery, room, hall, resident, approved_group
):
    entry = lotteries.apply(
        actor=resident, lottery=lottery, choices=[(room, DAY, ["morning"])], now=IN_WINDOW
    )
    lotteries.change_entry(
        actor=resident,
        entry=entry,
        choices=[(hall, OTHER_DAY, ["evening"]), (room, DAY, ["afternoon"])],
        group=approved_group,
        now=IN_WINDOW,
    )
    entry.refresh_from_db()
    assert entry.group == approved_group
    assert choices_of(entry) == [(1, "多目的ホール", OTHER_DAY, ["evening"]), (2, "和室", DAY, ["afternoon"])]
    audit = AuditEntry.objects.get(action="facilities.lottery_change")
    assert audit.before["group"] is None and audit.after["group"] == approved_group.pk

    with pytest.raises(BookingRefused, match="締め切りました"):
        lotteries.change_entry(
            actor=resident, entry=entry, choices=[(room, DAY, ["morning"])], now=AFTER_CLOSE
        )
    assert choices_of(entry)[0] == (1, "多目的ホール", OTHER_DAY, ["evening"])


def test_a_bad_change_keeps_the_entry_as_it_was(lottery, room, resident):
    entry = lotteries.apply(
        actor=resident, lottery=lottery, choices=[(room, DAY, ["morning"])], now=IN_WINDOW
    )
    with pytest.raises(BookingRefused, match="第1希望：利用区分を1つ以上"):
        lotteries.change_entry(actor=resident, entry=entry, choices=[(room, DAY, [])], now=IN_WINDOW)
    assert choices_of(entry) == [(1, "和室", DAY, ["morning"])]


def test_only_the_applicant_changes_or_withdraws(lottery, room, resident, outsider, manager):
    entry = lotteries.apply(
        actor=resident, lottery=lottery, choices=[(room, DAY, ["morning"])], now=IN_WINDOW
    )
    for other in (outsider, manager):
        with pytest.raises(NotAllowed, match="申込者だけです"):
            lotteries.change_entry(
                actor=other, entry=entry, choices=[(room, DAY, ["evening"])], now=IN_WINDOW
            )
        with pytest.raises(NotAllowed, match="申込者だけです"):
            lotteries.withdraw(actor=other, entry=entry, now=IN_WINDOW)
    assert LotteryEntry.objects.filter(pk=entry.pk).exists()


def test_withdrawing_frees_the_place_for_a_new_entry(lottery, room, resident):
    entry = lotteries.apply(
        actor=resident, lottery=lottery, choices=[(room, DAY, ["morning"])], now=IN_WINDOW
    )
    lotteries.withdraw(actor=resident, entry=entry, now=IN_WINDOW)
    assert not LotteryEntry.objects.exists() and not LotteryChoice.objects.exists()
    assert AuditEntry.objects.get(action="facilities.lottery_withdraw").before["applicant"] == resident.pk
    again = lotteries.apply(
        actor=resident, lottery=lottery, choices=[(room, DAY, ["evening"])], now=IN_WINDOW
    )
    with pytest.raises(BookingRefused, match="締め切りました"):
        lotteries.withdraw(actor=resident, entry=again, now=AFTER_CLOSE)
    assert LotteryEntry.objects.filter(pk=again.pk).exists()
