"""Benchmark: a lottery draw of 5,000 applications for a centre's month, and its verification.

Prints its figures; never a pass/fail test. Target (issue 16): the draw and its verification
together in under 5 s.

A busy centre (bench/busy_centre.py: 8 rooms × 3 blocks, a closed weekday, national holidays
and two inspection days closed) puts March 2031 to lottery. 5,000 people apply, one entry
each, a tenth of them for their group (自治会 with 50% 減免, 校区自治協議会 with 100%), with one
to three ranked choices of a room, a day and one or two consecutive blocks. The choices
crowd where they do in life: the hall and the big meeting room, weekends, the evening block,
so about 700 slots meet 12,000 wishes. A twentieth of the slots are booked before the draw
(the centre's own events). The entries are written in bulk; the lottery's seed is fixed, so
every run draws the same result (its digest is printed: compare it between versions).

Then the real action, `lottery.draw` (lock, read the entries, the pure draw, hold every win
as a 当選 booking with its fee and 減免, the audit entries, the draw log, and the results mail
queued as one background task, on production's database queue), and the real
`lottery.verify_draw` (the seed against its digest, the recorded entries against the log,
the draw re-run, the bookings against the wins). For each: the wall and CPU time and the
SQL statements it ran. Then, apart from the target, the queued results task as `machi worker`
runs it: all 5,000 applicants' mails written, and each queued as its own mail task.

Runs in this process on a scratch PostgreSQL database (127.0.0.1:5432, or the server
DATABASE_URL names; created and dropped), or on SQLite when none answers or with --sqlite.

    .venv/bin/python bench/lottery_draw.py            # 5,000 entries
    .venv/bin/python bench/lottery_draw.py 20000      # more
    .venv/bin/python bench/lottery_draw.py --profile  # and the draw's cProfile headline
"""

import cProfile
import datetime
import hashlib
import json
import os
import pstats
import random
import sys
import time

from busy_centre import busy_centre, people, scratch_machi_db  # bench/ is this script's folder

ENTRIES = next((int(a) for a in sys.argv[1:] if a.isdigit()), 5000)
MONTH = datetime.date(2031, 3, 1)
CLOSED = [datetime.date(2031, 3, 11), datetime.date(2031, 3, 25)]
SEED = "5eed" * 16
TARGET_SECONDS = 5.0


def build(centre) -> object:
    """The lottery with its entries and the bookings made before it; returns the lottery."""
    from machi.accounts.actors import SYSTEM
    from machi.accounts.models import CommunityGroup
    from machi.core.text import lookalike_key
    from machi.facilities import lottery as lotteries
    from machi.facilities.models import (
        Lottery,
        LotteryChoice,
        LotteryEntry,
        Reservation,
        ReservationBlock,
    )
    from machi.facilities.queries import closure_reason

    rng = random.Random(16)
    schedule = lotteries.default_schedule(centre, MONTH)
    lottery = lotteries.create_lottery(
        actor=SYSTEM,
        centre=centre,
        month=MONTH,
        now=schedule["applications_open_at"] - datetime.timedelta(days=1),
        **schedule,
    )
    Lottery.objects.filter(pk=lottery.pk).update(seed=SEED, seed_digest=lotteries.seed_digest(SEED))

    rooms = list(centre.rooms.order_by("position"))
    blocks = list(centre.blocks.order_by("position"))
    closed = {day: "館内点検" for day in CLOSED}
    days = [MONTH + datetime.timedelta(days=n) for n in range(31)]
    open_days = [day for day in days if not closure_reason(centre, day, closed)]

    # The centre's own events, booked before the draw: a twentieth of the slots.
    slots = [(room, day, block) for room in rooms for day in open_days for block in blocks]
    events = rng.sample(slots, len(slots) // 20)
    booked = Reservation.objects.bulk_create(
        Reservation(
            room=room, date=day, status="confirmed", holder_name="センター行事", fee_yen=0, purpose="行事"
        )
        for room, day, _block in events
    )
    ReservationBlock.objects.bulk_create(
        ReservationBlock.holding(reservation, block)
        for reservation, (_room, _day, block) in zip(booked, events, strict=True)
    )

    applicants = people(ENTRIES, "lot")
    kinds = ["jichikai", "kouku", "circle", "npo"]
    groups = CommunityGroup.objects.bulk_create(
        CommunityGroup(
            name=f"団体{n}",
            name_key=lookalike_key(f"団体{n}"),
            kind=kinds[n % len(kinds)],
            ward=centre.ward,
            representative=person,
            status="approved",
        )
        for n, person in enumerate(applicants[::10])
    )
    group_of = {group.representative_id: group for group in groups}
    entries = LotteryEntry.objects.bulk_create(
        LotteryEntry(lottery=lottery, applicant=person, group=group_of.get(person.pk))
        for person in applicants
    )

    room_weights = [6, 4, 2, 2, 2, 1, 1, 1]
    day_weights = [3 if day.weekday() >= 5 else 1 for day in open_days]
    block_weights = [2, 2, 3]
    choices, chosen_blocks = [], []
    for entry in entries:
        wishes = set()
        for _ in range(rng.choice([1, 2, 3, 3, 3])):
            room = rng.choices(rooms, room_weights)[0]
            day = rng.choices(open_days, day_weights)[0]
            count = 2 if rng.random() < 0.2 and room.max_blocks_per_booking >= 2 else 1
            first = rng.choices(range(len(blocks) - count + 1), block_weights[: len(blocks) - count + 1])[0]
            wish = (room, day, tuple(blocks[first : first + count]))
            if wish not in wishes:
                wishes.add(wish)
                choices.append(LotteryChoice(entry=entry, rank=len(wishes), room=room, date=day))
                chosen_blocks.append(wish[2])
    LotteryChoice.objects.bulk_create(choices, batch_size=2000)
    through = LotteryChoice.blocks.through
    through.objects.bulk_create(
        (
            through(lotterychoice_id=choice.pk, timeblock_id=block.pk)
            for choice, wanted in zip(choices, chosen_blocks, strict=True)
            for block in wanted
        ),
        batch_size=2000,
    )
    print(
        f"  {len(entries):,} entries ({len(groups):,} for groups), {len(choices):,} choices for"
        f" {len(slots):,} slots ({len(rooms)} rooms × {len(open_days)} open days × {len(blocks)} blocks),"
        f" {len(events)} booked before the draw"
    )
    return Lottery.objects.select_related("centre").get(pk=lottery.pk), schedule


def measure(label: str, action, *, profile: bool = False):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profiler = cProfile.Profile() if profile else None
    with CaptureQueriesContext(connection) as statements:
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = action()
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<34} {wall:7.2f} s wall  {cpu:7.2f} s CPU  {len(statements):6,} SQL statements")
    if profiler:
        pstats.Stats(profiler).sort_stats(
            *(sys.argv[sys.argv.index("--sort") + 1],) if "--sort" in sys.argv else ("cumulative",)
        ).print_stats(25)
    return result, wall


def main() -> None:
    os.environ["MACHI_TASKS_BACKEND"] = "database"  # production's queue: the mail waits for `machi worker`
    engine = scratch_machi_db("lottery")
    from django.urls import reverse
    from django_tasks_db.models import DBTaskResult

    from machi.accounts.actors import SYSTEM
    from machi.core.draws import plain
    from machi.facilities import emails
    from machi.facilities import lottery as lotteries
    from machi.facilities.models import Lottery, Reservation

    print(f"Machi lottery draw benchmark: {ENTRIES:,} applications for a centre's month, {engine}")
    centre = busy_centre(closed=CLOSED)
    lottery, schedule = build(centre)

    reverse("facilities:index")  # the URLconf loaded, as in a worker that has run before
    outcome, drew = measure(
        "draw",
        lambda: lotteries.draw(actor=SYSTEM, lottery=lottery, now=schedule["draw_at"]),
        profile="--profile" in sys.argv,
    )
    queued = DBTaskResult.objects.filter(task_path__endswith="lottery_results_task").count()
    print(f"  results mail queued as {queued} background task")
    drawn = Lottery.objects.select_related("centre").get(pk=lottery.pk)
    verification, verified = measure("verification", lambda: lotteries.verify_draw(drawn))

    wins = Reservation.objects.filter(lottery=drawn, status="won").count()
    log = drawn.draw_log
    digest = hashlib.sha256(
        json.dumps(plain([log["order"], log["decisions"]]), sort_keys=True).encode()
    ).hexdigest()
    print(
        f"winners {outcome.winners:,}, losers {outcome.entries - outcome.winners:,}"
        f" ({wins:,} 当選 bookings); verification {'ok' if verification.ok else verification.problems}"
    )
    print(f"result digest (order and decisions, seed {SEED[:8]}…): {digest[:16]}")
    measure(
        "results mail (the queued task)",
        lambda: emails.lottery_results_task.call(lottery.pk),
    )
    mails = DBTaskResult.objects.filter(task_path__endswith="send_email").count()
    print(f"  {mails:,} mails queued, one task each (sent by `machi worker`)")
    total = drew + verified
    met = "yes" if total < TARGET_SECONDS and verification.ok else "no"
    print(f"draw + verification {total:.2f} s; target < {TARGET_SECONDS:.0f} s: met {met}")


if __name__ == "__main__":
    sys.exit(main())
