"""The draw: once, on time, reproducible from the published seed; wins become bookings to confirm;
unconfirmed wins lapse; leftovers open first-come at the set time."""

import datetime
import random

import pytest
from django.core import mail
from django.utils import translation
from tests.facilities.lottery_support import (
    AFTER_CLOSE,
    AFTER_CONFIRM,
    CONFIRMING,
    DAY,
    DRAW_TIME,
    FIRST_COME,
    IN_WINDOW,
    OTHER_DAY,
    make_lottery,
)

from machi.accounts.actions import NotAllowed
from machi.accounts.actors import SYSTEM
from machi.accounts.models import GroupMember
from machi.audit.models import AuditEntry
from machi.facilities import actions
from machi.facilities import lottery as lotteries
from machi.facilities.actions import BookingRefused, SlotTaken
from machi.facilities.actions import lottery as lottery_actions
from machi.facilities.models import (
    ClosedDay,
    FeeExemption,
    Lottery,
    LotteryChoice,
    Reservation,
    ReservationBlock,
    TimeBlock,
)


@pytest.fixture
def lottery(centre):
    return make_lottery(centre)


@pytest.fixture
def person(django_user_model, chuo):
    made = iter(range(1000))

    def make(name=None):
        n = next(made)
        return django_user_model.objects.create_user(
            f"applicant{n}",
            email=f"applicant{n}@example.jp",
            display_name=name or f"申込者{n}",
            home_ward=chuo,
        )

    return make


def enter(lottery, user, *choices, group=None):
    return lotteries.apply(actor=user, lottery=lottery, choices=list(choices), group=group, now=IN_WINDOW)


def result(entry):
    """(rank won, reservation) or (None, None)."""
    won = LotteryChoice.objects.filter(entry=entry, won__isnull=False).select_related("won").first()
    return (won.rank, won.won) if won else (None, None)


def test_the_draw_waits_for_its_time_and_runs_once(lottery, room, resident):
    enter(lottery, resident, (room, DAY, ["morning"]))
    with pytest.raises(BookingRefused, match="抽選は2027年1月8日 09:00から実施できます"):
        lotteries.draw(actor=SYSTEM, lottery=lottery, now=AFTER_CLOSE)
    assert Lottery.objects.get(pk=lottery.pk).drawn_at is None

    outcome = lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
    assert (outcome.entries, outcome.winners) == (1, 1)
    assert lottery.drawn_at == DRAW_TIME
    with pytest.raises(BookingRefused, match="この抽選は2027年1月8日 09:00に実施済みです"):
        lotteries.draw(actor=SYSTEM, lottery=lottery, now=CONFIRMING)
    assert Reservation.objects.count() == 1


def test_staff_of_the_centre_may_draw_a_resident_may_not(lottery, room, resident, manager):
    enter(lottery, resident, (room, DAY, ["morning"]))
    with pytest.raises(NotAllowed):
        lotteries.draw(actor=resident, lottery=lottery, now=DRAW_TIME)
    lotteries.draw(actor=manager, lottery=lottery, now=DRAW_TIME)
    audit = AuditEntry.objects.get(action="facilities.lottery_draw")
    assert audit.actor == manager and audit.after["winners"] == 1 and audit.after["seed"] == lottery.seed


def test_the_order_is_the_seeded_shuffle_of_the_entry_numbers(lottery, room, person):
    entries = [enter(lottery, person(), (room, DAY, ["morning"])) for _ in range(12)]
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)

    expected = sorted(entry.pk for entry in entries)
    random.Random(lottery.seed).shuffle(expected)
    assert lottery.draw_log["order"] == expected
    assert lottery.draw_log["seed"] == lottery.seed
    # Twelve compete for one block: the first in the order wins, the others lose to it.
    winner = expected[0]
    decisions = {d["entry"]: d for d in lottery.draw_log["decisions"]}
    assert decisions[winner]["result"] == "won"
    for number in expected[1:]:
        assert decisions[number] == {
            "rank": 1,
            "entry": number,
            "result": "lost",
            "blocks": ["morning"],
            "reason": f"申込番号{winner}が第1希望で当選",
        }
    assert [result(entry)[0] is not None for entry in entries].count(True) == 1
    assert result(next(e for e in entries if e.pk == winner))[0] == 1


def test_the_draw_verifies_and_tampering_is_found(lottery, room, hall, person):
    for n in range(8):
        enter(lottery, person(), (room, DAY, ["morning"]), (hall, DAY, [("morning", "evening")[n % 2]]))
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
    assert lotteries.verify_draw(Lottery.objects.get(pk=lottery.pk)).ok

    # Anyone may re-run it from the published seed and the public log alone.
    log = Lottery.objects.get(pk=lottery.pk).draw_log
    rerun = lotteries.run_draw(seed=log["seed"], entries=log["entries"], unavailable=log["unavailable"])
    assert (rerun["order"], rerun["decisions"]) == (log["order"], log["decisions"])

    swapped = Lottery.objects.get(pk=lottery.pk)
    swapped.draw_log["order"] = list(reversed(swapped.draw_log["order"]))
    check = lotteries.verify_draw(swapped)
    assert not check.ok and "乱数の種から求めた順番が、記録と一致しません" in check.problems

    reseeded = Lottery.objects.get(pk=lottery.pk)
    reseeded.seed = "0" * 64
    check = lotteries.verify_draw(reseeded)
    assert not check.ok and "乱数の種が、事前に公開したハッシュと一致しません" in check.problems

    # A win handed to someone the log says lost.
    loser = next(d for d in log["decisions"] if d["result"] == "lost")
    choice = LotteryChoice.objects.get(entry_id=loser["entry"], rank=loser["rank"])
    choice.won = Reservation.objects.filter(lottery=lottery).first()
    LotteryChoice.objects.filter(won=choice.won).update(won=None)
    choice.save()
    check = lotteries.verify_draw(Lottery.objects.get(pk=lottery.pk))
    assert check.problems == ["当選の予約が、記録の当選と一致しません"]


def test_an_entry_added_after_the_draw_is_found(lottery, room, person):
    enter(lottery, person(), (room, DAY, ["morning"]))
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
    late = lottery.entries.create(applicant=person())
    LotteryChoice.objects.create(entry=late, rank=1, room=room, date=DAY)
    assert "記録された申込が、データベースの申込と一致しません" in lotteries.verify_draw(lottery).problems
    with translation.override("en"):
        problems = lotteries.verify_draw(lottery).problems
    assert "The entries in the log do not match the entries in the database" in problems


def test_every_first_choice_is_decided_before_any_second_choice(lottery, room, hall, person):
    # Two want the morning of the room first; the one who loses it wants the hall's evening next.
    # The hall's evening is someone else's first choice, so it goes to them whatever the order.
    first, second = person(), person()
    a = enter(lottery, first, (room, DAY, ["morning"]), (hall, DAY, ["evening"]))
    b = enter(lottery, second, (room, DAY, ["morning"]), (hall, DAY, ["evening"]))
    hall_first = enter(lottery, person(), (hall, DAY, ["evening"]))
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)

    assert result(hall_first)[0] == 1
    ranks = sorted([result(a)[0], result(b)[0]], key=lambda rank: rank or 99)
    assert ranks == [1, None]
    loser = a if result(a)[0] is None else b
    second_round = next(d for d in lottery.draw_log["decisions"] if d["entry"] == loser.pk and d["rank"] == 2)
    assert (second_round["result"], second_round["blocks"]) == ("lost", ["evening"])
    assert second_round["reason"] == f"申込番号{hall_first.pk}が第1希望で当選"


def test_a_loser_gets_a_lower_choice_that_is_still_free(lottery, room, person):
    a = enter(lottery, person(), (room, DAY, ["morning"]), (room, OTHER_DAY, ["morning"]))
    b = enter(lottery, person(), (room, DAY, ["morning"]), (room, OTHER_DAY, ["afternoon"]))
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
    assert sorted([result(a)[0], result(b)[0]]) == [1, 2]
    # A winner's lower choices are not drawn for.
    winner = a if result(a)[0] == 1 else b
    skipped = next(d for d in lottery.draw_log["decisions"] if d["entry"] == winner.pk and d["rank"] == 2)
    assert skipped["result"] == "already_won" and skipped["reason"] == "第1希望で当選済み"


def test_overlapping_blocks_clash_and_disjoint_blocks_both_win(lottery, room, person):
    long = enter(lottery, person(), (room, DAY, ["morning", "afternoon"]))
    evening = enter(lottery, person(), (room, DAY, ["evening"]))
    afternoon = enter(lottery, person(), (room, DAY, ["afternoon"]))
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
    assert result(evening)[0] == 1
    assert sorted([result(long)[0] or 0, result(afternoon)[0] or 0]) == [0, 1]
    held = ReservationBlock.objects.filter(room=room, date=DAY, active=True).values_list(
        "block__code", flat=True
    )
    assert sorted(held) in (["afternoon", "evening", "morning"], ["afternoon", "evening"])


def test_blocks_already_booked_or_closed_are_not_won(lottery, centre, room, resident, person):
    morning = TimeBlock.objects.get(centre=centre, code="morning")
    event = Reservation.objects.create(
        room=room, date=DAY, status=Reservation.Status.CONFIRMED, holder_name="センター主催行事", fee_yen=0
    )
    actions.hold_blocks(event, [morning])
    booked = enter(lottery, person(), (room, DAY, ["morning", "afternoon"]))
    closed = enter(lottery, person(), (room, OTHER_DAY, ["evening"]))
    ClosedDay.objects.create(centre=centre, date=OTHER_DAY, reason="選挙の投票所")
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)

    assert result(booked) == (None, None) and result(closed) == (None, None)
    reasons = {d["entry"]: (d["blocks"], d["reason"]) for d in lottery.draw_log["decisions"]}
    assert reasons[booked.pk] == (["morning"], "予約済み")
    assert reasons[closed.pk] == (["evening"], "選挙の投票所")
    # The pages name the blocks as people know them.
    why = {row["entry"]: row["why"] for row in lotteries.decision_rows(lottery)}
    assert (why[booked.pk], why[closed.pk]) == ("午前：予約済み", "夜間：選挙の投票所")
    assert {
        "room": room.pk,
        "date": "2027-03-09",
        "block": "morning",
        "reason": "予約済み",
    } in lottery.draw_log["unavailable"]
    assert lotteries.verify_draw(lottery).ok


def test_a_win_is_a_booking_held_under_the_unique_index(lottery, room, resident, approved_group):
    FeeExemption.objects.create(centre=room.centre, group_kind="jichikai", percent=50)
    entry = enter(lottery, resident, (room, DAY, ["morning", "afternoon"]), group=approved_group)
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)

    rank, won = result(entry)
    assert rank == 1
    assert (won.status, won.holder, won.group, won.lottery, won.confirm_by) == (
        Reservation.Status.WON,
        resident,
        approved_group,
        lottery,
        lottery.confirm_by,
    )
    assert (won.fee_yen, won.exemption_yen, won.booked_by) == (1200, 600, None)
    assert sorted(won.held_blocks.filter(active=True).values_list("block__code", flat=True)) == [
        "afternoon",
        "morning",
    ]
    assert AuditEntry.objects.filter(action="facilities.lottery_win", object_id=str(won.pk)).exists()
    intruder = Reservation.objects.create(room=room, date=DAY, status="confirmed", holder_name="x", fee_yen=0)
    with pytest.raises(SlotTaken):
        actions.hold_blocks(intruder, [TimeBlock.objects.get(centre=room.centre, code="morning")])


def test_a_block_taken_behind_the_draw_s_back_leaves_nothing_drawn(
    lottery, centre, room, person, monkeypatch
):
    entry = enter(lottery, person(), (room, DAY, ["morning"]))
    taker = Reservation.objects.create(room=room, date=DAY, status="confirmed", holder_name="x", fee_yen=0)
    actions.hold_blocks(taker, [TimeBlock.objects.get(centre=centre, code="morning")])
    monkeypatch.setattr(lottery_actions, "_unavailable", lambda lottery, entries: [])
    report = lotteries.run_due(now=DRAW_TIME)
    assert report.drawn == [] and report.failed == [
        (lottery, "ほかの方が先に予約しました。別の区分か部屋をお選びください")
    ]
    lottery.refresh_from_db()
    assert lottery.drawn_at is None and lottery.draw_log == {}
    assert result(entry) == (None, None) and not Reservation.objects.filter(lottery=lottery).exists()


def test_each_applicant_is_mailed_the_result(lottery, room, hall, person, django_capture_on_commit_callbacks):
    winner = enter(lottery, person("当選 太郎"), (hall, DAY, ["evening"]))
    rivals = [enter(lottery, person(), (room, DAY, ["morning"])) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
    assert len(mail.outbox) == 3
    by_address = {message.to[0]: message for message in mail.outbox}
    won = by_address[winner.applicant.email]
    assert won.subject == "[Machi] 白川地域コミュニティセンター 2027年3月分 抽選の結果：当選"
    assert "第1希望で当選しました" in won.body and "多目的ホール" in won.body
    assert "2027-01-15 23:59までに" in won.body
    assert f"/facilities/lotteries/{lottery.pk}/entry/" in won.body
    losing = [by_address[entry.applicant.email] for entry in rivals if result(entry)[0] is None]
    assert len(losing) == 1
    assert losing[0].subject.endswith("：落選")
    assert "2027-01-16 09:00 から先着順で予約できます" in losing[0].body


def test_winners_who_do_not_confirm_lapse_and_their_blocks_are_released(
    lottery, room, person, django_capture_on_commit_callbacks
):
    keen = enter(lottery, person(), (room, DAY, ["morning"]))
    forgetful = enter(lottery, person(), (room, DAY, ["evening"]))
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
    actions.confirm_win(actor=keen.applicant, reservation=result(keen)[1], now=CONFIRMING)

    assert lotteries.lapse_unconfirmed(actor=SYSTEM, lottery=lottery, now=lottery.confirm_by) == []
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lapsed = lotteries.lapse_unconfirmed(actor=SYSTEM, lottery=lottery, now=AFTER_CONFIRM)
    assert [r.pk for r in lapsed] == [result(forgetful)[1].pk]
    assert result(forgetful)[1].status == Reservation.Status.LAPSED
    assert result(keen)[1].status == Reservation.Status.CONFIRMED
    assert not ReservationBlock.objects.filter(reservation=result(forgetful)[1], active=True).exists()
    assert [m.to for m in mail.outbox] == [[forgetful.applicant.email]]
    assert "確認期限を過ぎたため、当選は無効になりました" in mail.outbox[0].body
    with pytest.raises(BookingRefused, match="確認期限"):
        actions.confirm_win(actor=forgetful.applicant, reservation=result(forgetful)[1], now=AFTER_CONFIRM)


def test_run_due_draws_and_lapses_once(lottery, centre, room, person):
    later = make_lottery(centre, month=datetime.date(2027, 4, 1))
    entry = enter(lottery, person(), (room, DAY, ["morning"]))
    assert lotteries.run_due(now=AFTER_CLOSE).drawn == []

    report = lotteries.run_due(now=DRAW_TIME)
    assert [outcome.lottery for outcome in report.drawn] == [lottery]
    assert report.lapsed == [] and report.failed == []
    assert Lottery.objects.get(pk=later.pk).drawn_at is None
    again = lotteries.run_due(now=CONFIRMING)
    assert (again.drawn, again.lapsed, again.failed) == ([], [], [])

    report = lotteries.run_due(now=AFTER_CONFIRM)
    assert [r.pk for r in report.lapsed] == [result(entry)[1].pk]
    assert lotteries.run_due(now=AFTER_CONFIRM).lapsed == []
    assert Reservation.objects.filter(lottery=lottery).count() == 1


def test_a_lottery_nobody_applied_to_is_drawn_all_the_same(lottery):
    [outcome] = lotteries.run_due(now=DRAW_TIME).drawn
    assert (outcome.entries, outcome.winners) == (0, 0)
    assert Lottery.objects.get(pk=lottery.pk).draw_log["order"] == []
    assert lotteries.verify_draw(Lottery.objects.get(pk=lottery.pk)).ok


def test_leftovers_open_first_come_at_the_set_time(lottery, room, resident, outsider, person):
    kept = enter(lottery, person(), (room, DAY, ["morning"]))
    enter(lottery, person(), (room, DAY, ["afternoon"]))  # wins, never confirms
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
    actions.confirm_win(actor=kept.applicant, reservation=result(kept)[1], now=CONFIRMING)
    lotteries.lapse_unconfirmed(actor=SYSTEM, lottery=lottery, now=AFTER_CONFIRM)

    just_before = FIRST_COME - datetime.timedelta(minutes=1)
    with pytest.raises(
        BookingRefused,
        match="2027年3月分は抽選で受け付けています。空いた枠の先着受付は2027年1月16日 09:00からです",
    ):
        actions.book(actor=resident, room=room, date=DAY, block_codes=["evening"], now=just_before)

    evening = actions.book(actor=resident, room=room, date=DAY, block_codes=["evening"], now=FIRST_COME)
    lapsed_slot = actions.book(actor=outsider, room=room, date=DAY, block_codes=["afternoon"], now=FIRST_COME)
    assert evening.status == lapsed_slot.status == Reservation.Status.CONFIRMED
    with pytest.raises(SlotTaken, match="午前はすでに予約されています"):
        actions.book(actor=outsider, room=room, date=DAY, block_codes=["morning"], now=FIRST_COME)


def test_an_entry_for_a_group_shares_the_one_entry_per_group(
    lottery, room, resident, outsider, approved_group
):
    GroupMember.objects.create(group=approved_group, name=str(outsider), user=outsider)
    entry = enter(lottery, resident, (room, DAY, ["morning"]), group=approved_group)
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
    # The holder is the member who applied; any other member cannot confirm for them.
    with pytest.raises(NotAllowed):
        actions.confirm_win(actor=outsider, reservation=result(entry)[1], now=CONFIRMING)
