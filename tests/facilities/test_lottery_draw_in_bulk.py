"""The draw reads and writes in bulk: the same statements for 20 entries or 200, and the same winners
for a seed as when it read and held them one by one (bench/lottery_draw.py times 5,000)."""

import datetime
import random

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from tests.facilities.lottery_support import DRAW_TIME, IN_WINDOW, at, make_lottery

from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup, GroupMember
from machi.audit.models import AuditEntry
from machi.facilities import emails
from machi.facilities import lottery as lotteries
from machi.facilities.models import FeeExemption, Lottery, LotteryEntry, Reservation
from machi.facilities.queries import fee_for

APRIL = datetime.date(2027, 4, 1)  # applications 2027-02-01 … 02-07, drawn 02-08 09:00
SEED = "0123456789abcdef" * 4


def crowd(lottery, rooms, count: int, django_user_model, chuo, *, now, rng_seed: int = 7) -> list:
    """`count` people apply by the real action, every fifth for their group, with one to three choices
    of a room, an open day of the month and one or two consecutive blocks; the entries in order."""
    rng = random.Random(rng_seed)
    codes = ["morning", "afternoon", "evening"]
    days = [lottery.month + datetime.timedelta(days=n) for n in range(28)]
    open_days = [day for day in days if not lotteries.closure_reason(lottery.centre, day)]
    entries = []
    for n in range(count):
        user = django_user_model.objects.create_user(
            f"a{lottery.pk}-{n}", email=f"a{lottery.pk}-{n}@example.jp", home_ward=chuo
        )
        group = None
        if n % 5 == 0:
            group = CommunityGroup.objects.create(
                name=f"団体{lottery.pk}-{n}",
                kind=["jichikai", "circle"][n % 2],
                ward=chuo,
                representative=user,
                status="approved",
            )
            GroupMember.objects.create(group=group, name=str(user), user=user)
        wishes = {}
        for _ in range(rng.choice([1, 2, 3])):
            width = rng.choice([1, 1, 2])
            first = rng.randrange(len(codes) - width + 1)
            wish = (rng.choice(rooms), rng.choice(open_days[:6]), tuple(codes[first : first + width]))
            wishes.setdefault(wish, None)
        choices = [(room, day, list(blocks)) for room, day, blocks in wishes]
        entries.append(lotteries.apply(actor=user, lottery=lottery, choices=choices, group=group, now=now))
    return entries


def draw_statements(lottery, now) -> int:
    with CaptureQueriesContext(connection) as statements:
        lotteries.draw(actor=SYSTEM, lottery=lottery, now=now)
    return len(statements)


def test_the_draw_runs_the_same_statements_for_20_entries_or_200(centre, room, hall, django_user_model, chuo):
    FeeExemption.objects.create(centre=centre, group_kind="jichikai", percent=50)
    few, many = make_lottery(centre), make_lottery(centre, month=APRIL)
    crowd(few, [room, hall], 20, django_user_model, chuo, now=IN_WINDOW)
    crowd(many, [room, hall], 200, django_user_model, chuo, now=at(2, 3, 10))

    # the lottery locked, the centre's blocks; the entries, their choices and their blocks; held times,
    # closures; the won choices, their blocks, the 減免; the bookings, their held blocks (in a savepoint),
    # the wins on the choices, their audit entries; the draw log, its audit entry; the lottery read again
    ContentType.objects.get_for_models(Lottery, Reservation)  # cached once per process

    assert draw_statements(few, DRAW_TIME) == 22
    assert draw_statements(many, at(2, 8, 9)) == 22
    few_wins = Reservation.objects.filter(lottery=few).count()
    many_wins = Reservation.objects.filter(lottery=many).count()
    assert 0 < few_wins < many_wins
    assert AuditEntry.objects.filter(action="facilities.lottery_win").count() == few_wins + many_wins


def test_the_draw_of_a_seed_gives_the_winners_it_gave_before(centre, room, hall, django_user_model, chuo):
    """The winners, their ranks and their fees for this seed and these entries, as the draw that held its
    wins one by one gave them."""
    FeeExemption.objects.create(centre=centre, group_kind="jichikai", percent=50)
    lottery = make_lottery(centre)
    Lottery.objects.filter(pk=lottery.pk).update(seed=SEED, seed_digest=lotteries.seed_digest(SEED))
    lottery.refresh_from_db()
    entries = crowd(lottery, [room, hall], 40, django_user_model, chuo, now=IN_WINDOW)
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)

    number = {entry.pk: n for n, entry in enumerate(entries)}
    drawn = Lottery.objects.get(pk=lottery.pk)
    assert [number[e] for e in drawn.draw_log["order"]][:10] == EXPECTED_ORDER_HEAD
    won = sorted(
        (number[choice.entry_id], choice.rank, choice.won.fee_yen, choice.won.exemption_yen)
        for entry in LotteryEntry.objects.filter(lottery=lottery).prefetch_related("choices__won")
        for choice in entry.choices.all()
        if choice.won_id
    )
    assert won == EXPECTED_WINS
    assert lotteries.verify_draw(drawn).ok


def test_the_log_records_each_entry_as_its_choices_say(centre, room, hall, django_user_model, chuo):
    lottery = make_lottery(centre)
    entries = crowd(lottery, [room, hall], 15, django_user_model, chuo, now=IN_WINDOW)
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
    log = Lottery.objects.get(pk=lottery.pk).draw_log
    assert log["entries"] == [
        {"entry": entry.pk, "choices": lotteries.choice_records(entry)} for entry in entries
    ]
    for reservation in Reservation.objects.filter(lottery=lottery).select_related("room__centre", "group"):
        blocks = reservation.held_blocks.count()
        assert (reservation.fee_yen, reservation.exemption_yen) == fee_for(
            reservation.room, blocks, reservation.group
        )


# Printed by this test on the draw before it held its wins in bulk (commit dd8d44e).
EXPECTED_ORDER_HEAD = [26, 28, 31, 22, 6, 10, 38, 8, 2, 33]
EXPECTED_WINS = [  # (entry number, rank won, fee, 減免)
    (2, 1, 600, 0), (3, 1, 600, 0), (6, 1, 1200, 0), (8, 1, 600, 0), (9, 1, 1500, 0), (11, 1, 1500, 0),
    (12, 2, 600, 0), (14, 1, 1500, 0), (15, 1, 1200, 0), (16, 1, 1500, 0), (18, 1, 600, 0),
    (19, 2, 600, 0), (20, 1, 1500, 750), (22, 1, 600, 0), (24, 1, 1500, 0), (26, 1, 600, 0),
    (27, 2, 600, 0), (28, 1, 600, 0), (29, 1, 600, 0), (31, 1, 3000, 0), (33, 1, 1500, 0),
    (35, 1, 1500, 0), (37, 1, 600, 0), (38, 1, 3000, 0),
]  # fmt: skip


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_results_mail_is_one_task_queued_with_the_draw(centre, room, hall, django_user_model, chuo):
    """The draw does not wait for thousands of mails: it queues one task in its own transaction, and that
    task writes and queues every applicant's mail."""
    lottery = make_lottery(centre)
    crowd(lottery, [room, hall], 6, django_user_model, chuo, now=IN_WINDOW)
    lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
    queued = DBTaskResult.objects.all()
    assert [task.task_path for task in queued] == ["machi.facilities.emails.lottery_results_task"]

    emails.lottery_results_task.call(lottery.pk)
    mails = DBTaskResult.objects.filter(task_path="machi.core.mail.send_email")
    assert sorted(task.args_kwargs["args"][0][0] for task in mails) == sorted(
        LotteryEntry.objects.filter(lottery=lottery).values_list("applicant__email", flat=True)
    )
