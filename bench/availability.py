"""Benchmark: a month of a busy centre's rooms, on the booking pages and the availability API.

Prints its figures; never a pass/fail test. Target (issue 16): a constant number of queries and
under 50 ms of server CPU per request.

A busy centre (bench/busy_centre.py: 8 rooms × 3 blocks, a closed weekday, national holidays
and two inspection days closed) with the month after next about 90% booked (95% booked, a twentieth of that cancelled), by people and
groups, one block or two at a time, and a few bookings cancelled; a second centre with one
room and nothing booked. Each page is requested through Django's test client (the whole
middleware stack, an anonymous visitor; the month page also as a logged-in resident): 5
times to warm up, then RUNS times, each room in turn. Printed per page: the SQL statements
per request on the busy month and on the empty one (they must be equal), and the p50 and p99
of the server's CPU time (time.process_time) per request. The objects made while setting up
are frozen out of the garbage collector first (`gc.freeze()`, as a preloaded server's worker
does with what it loaded at start): unfrozen, a full collection of this process's heap takes
~100 ms once every few dozen requests, and that, not the page, would be the p99.

Runs in this process on a scratch PostgreSQL database (127.0.0.1:5432, or the server
DATABASE_URL names; created and dropped), or on SQLite when none answers or with --sqlite.

    .venv/bin/python bench/availability.py
    .venv/bin/python bench/availability.py --profile   # the month page's cProfile headline
"""

import cProfile
import datetime
import gc
import pstats
import random
import statistics
import sys
import time

from busy_centre import busy_centre, people, percentile, scratch_machi_db  # bench/ is this script's folder

RUNS = 100
WARM_UP = 5
TARGET_MS = 50.0
BOOKED = 0.95


def build(month: datetime.date):
    """The busy centre with its month booked, and the empty centre's room; returns (rooms, empty room)."""
    from machi.accounts.actors import SYSTEM
    from machi.accounts.models import CommunityGroup
    from machi.core.text import lookalike_key
    from machi.facilities.actions import save_centre
    from machi.facilities.models import Centre, Reservation, ReservationBlock, Room
    from machi.facilities.queries import add_months, closure_reason

    rng = random.Random(16)
    last = add_months(month, 1) - datetime.timedelta(days=1)
    closed = [month + datetime.timedelta(days=9), month + datetime.timedelta(days=23)]
    centre = busy_centre(closed=closed)
    rooms = list(centre.rooms.order_by("position"))
    blocks = list(centre.blocks.order_by("position"))
    closures = {day: "館内点検" for day in closed}
    days = [month + datetime.timedelta(days=n) for n in range((last - month).days + 1)]
    open_days = [day for day in days if not closure_reason(centre, day, closures)]

    holders = people(200, "avail")
    groups = CommunityGroup.objects.bulk_create(
        CommunityGroup(
            name=f"団体{n}",
            name_key=lookalike_key(f"団体{n}"),
            kind="jichikai",
            ward=centre.ward,
            representative=person,
            status="approved",
        )
        for n, person in enumerate(holders[:20])
    )
    bookings, held = [], []
    for room in rooms:
        for day in open_days:
            position = 0
            while position < len(blocks):
                width = 2 if rng.random() < 0.3 and position + 1 < len(blocks) else 1
                chosen = blocks[position : position + width]
                position += width
                if rng.random() >= BOOKED:
                    continue
                holder = rng.choice(holders)
                reservation = Reservation(
                    room=room,
                    date=day,
                    status=rng.choice(["confirmed"] * 8 + ["pending"]),
                    holder=holder,
                    group=rng.choice([None] * 4 + groups),
                    fee_yen=room.fee_per_block_yen * width,
                )
                bookings.append(reservation)
                held.append(chosen)
    Reservation.objects.bulk_create(bookings, batch_size=1000)
    ReservationBlock.objects.bulk_create(
        (
            ReservationBlock.holding(reservation, block)
            for reservation, chosen in zip(bookings, held, strict=True)
            for block in chosen
        ),
        batch_size=1000,
    )
    # Some cancelled: their rows stay, no longer holding (as `actions.cancel` leaves them).
    cancelled = rng.sample(bookings, len(bookings) // 20)
    Reservation.objects.filter(pk__in=[r.pk for r in cancelled]).update(status="cancelled")
    ReservationBlock.objects.filter(reservation__in=cancelled).update(active=False)

    quiet = save_centre(actor=SYSTEM, centre=Centre(ward=centre.ward, name="閑散センター"))
    empty = Room.objects.create(centre=quiet, name="会議室", capacity=10, fee_per_block_yen=300)
    slots = len(rooms) * len(open_days) * len(blocks)
    taken = ReservationBlock.objects.filter(active=True, room__centre=centre).count()
    print(
        f"  {len(rooms)} rooms × {len(open_days)} open days × {len(blocks)} blocks in {month:%Y-%m}:"
        f" {taken:,} of {slots:,} slots booked ({taken / slots:.0%}), {len(bookings):,} bookings"
        f" ({len(cancelled)} cancelled), {len(days) - len(open_days)} days closed"
    )
    return rooms, empty, holders[0]


def main() -> None:
    engine = scratch_machi_db("availability")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from machi.facilities.queries import add_months

    month = add_months(timezone.localdate(), 2)
    print(f"Machi availability benchmark: a busy centre's month, {engine}")
    rooms, empty, resident = build(month)
    last = add_months(month, 1) - datetime.timedelta(days=1)
    signed_in = Client()
    signed_in.force_login(resident)
    pages = [
        ("GET /api/rooms/{id}/availability (month)", Client(), "/api/rooms/{id}/availability", {
            "from": month.isoformat(), "to": last.isoformat()
        }),
        ("GET /facilities/rooms/{id}/?month=", Client(), "/facilities/rooms/{id}/", {"month": f"{month:%Y-%m}"}),
        ("  the same, signed in", signed_in, "/facilities/rooms/{id}/", {"month": f"{month:%Y-%m}"}),
        ("GET /facilities/rooms/{id}/week/", Client(), "/facilities/rooms/{id}/week/", {
            "from": (month + datetime.timedelta(days=14)).isoformat()
        }),
    ]  # fmt: skip

    def get(client, path: str, params: dict, room) -> None:
        response = client.get(path.format(id=room.pk), params)
        assert response.status_code == 200, (path, response.status_code)

    def statements(client, path, params, room) -> int:
        with CaptureQueriesContext(connection) as captured:
            get(client, path, params, room)
        return len(captured)

    # A long-running worker's heap is what it loaded at start: frozen out of the collector, as a
    # preloaded server does (gc.freeze), else each full collection rescans it (~100 ms here, once per
    # few dozen requests) and that, not the page, is the p99.
    gc.collect()
    gc.freeze()
    met = True
    print(f"{'page':<44} {'SQL busy':>8} {'empty':>6} {'CPU p50':>9} {'p99':>9}")
    for label, client, path, params in pages:
        for _ in range(WARM_UP):
            get(client, path, params, rooms[0])
        busy = {statements(client, path, params, room) for room in rooms}
        quiet = statements(client, path, params, empty)
        cpu = []
        for run in range(RUNS):
            room = rooms[run % len(rooms)]
            start = time.process_time()
            get(client, path, params, room)
            cpu.append((time.process_time() - start) * 1000)
        p50, p99 = statistics.median(cpu), percentile(cpu, 0.99)
        constant = len(busy) == 1 and busy == {quiet}
        met &= constant and p99 < TARGET_MS
        shown = "/".join(str(n) for n in sorted(busy))
        print(f"{label:<44} {shown:>8} {quiet:>6} {p50:6.1f} ms {p99:6.1f} ms")
    print(f"target < {TARGET_MS:.0f} ms CPU (p99) and constant queries: met {'yes' if met else 'no'}")

    if "--profile" in sys.argv:
        label, client, path, params = pages[1]
        profiler = cProfile.Profile()
        profiler.enable()
        for run in range(RUNS):
            get(client, path, params, rooms[run % len(rooms)])
        profiler.disable()
        print(f"\n{label}: {RUNS} requests")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    sys.exit(main())
