"""Where a booking's time goes: the statements of one booking and a CPU profile of many, in process.

A scratch PostgreSQL database is seeded as for bench/booking_rush.py (bench/live_machi.py), and Machi
is called in this process through Django's test client with the production settings (DEBUG off,
the database tasks queue), so that cProfile sees the whole request: middleware, authentication,
the booking, the audit entry and the mail's task. Printed: the SQL statements of one booking, the
server CPU per booking without the profiler, and the profile's heaviest parts (cumulative CPU
seconds, measured on the CPU clock so that waiting for the database does not count).

    .venv/bin/python bench/booking_profile.py [--bookings 300] [--events]

With --events it profiles event registrations (POST /api/events/{id}/registrations) instead.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.live_machi import live_machi

SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
WARM_UP = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument("--events", action="store_true", help="profile event registrations instead")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        server_url = SERVER
    n = args.bookings
    per_room = 20 * 3
    rooms = 1 + -(-(n + WARM_UP + 1) // per_room)
    with (
        tempfile.TemporaryDirectory(prefix="machi-bench-profile-") as scratch,
        live_machi(
            users=n + WARM_UP + 1,
            rooms=rooms,
            engine="postgres",
            scratch=Path(scratch),
            workers=1,
            server_url=server_url,
            events=[(10 * n, 1)] if args.events else [],
        ) as machi,
    ):
        os.environ.update(
            DATABASE_URL=machi.database_url,
            DJANGO_SETTINGS_MODULE="machi.settings",
            MACHI_DEBUG="0",
            MACHI_SECRET_KEY="bench-" * 10,
            MACHI_ALLOWED_HOSTS="127.0.0.1",
            MACHI_SSL_REDIRECT="0",
            MACHI_TASKS_BACKEND="database",
            MACHI_HOME=scratch,
        )
        import django

        django.setup()
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client(HTTP_HOST="127.0.0.1")
        targets = [(room, day, block) for room in machi.rooms for day in machi.days for block in machi.blocks]

        def call(index: int) -> None:
            if args.events:
                path, body = f"/api/events/{machi.event}/registrations", {"party_size": 1}
            else:
                room, day, block = targets[index]
                path, body = "/api/reservations", {"room": room, "date": day, "blocks": [block]}
            answer = client.post(
                path,
                json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {machi.tokens[index]}",
            )
            assert answer.status_code == 201, answer.content

        what = "registration" if args.events else "booking"
        for index in range(WARM_UP):
            call(index)
        with CaptureQueriesContext(connection) as one:
            call(WARM_UP)
        print(f"== one {what}: {len(one.captured_queries)} SQL statements")
        for query in one.captured_queries:
            print(f"   {query['sql'][:110]}")

        half = n // 2
        started = time.process_time()
        for index in range(WARM_UP + 1, WARM_UP + 1 + half):
            call(index)
        plain = (time.process_time() - started) / half
        print(f"\n== server CPU per {what} (in process, no profiler): {plain * 1000:.2f} ms over {half}")

        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for index in range(WARM_UP + 1 + half, WARM_UP + 1 + n):
            call(index)
        profile.disable()
        out = io.StringIO()
        profile.dump_stats(os.environ.get("MACHI_PROFILE_OUT", os.devnull)) if os.environ.get(
            "MACHI_PROFILE_OUT"
        ) else None
        stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
        stats.print_stats(
            r"machi/|django_tasks_db/backend|ninja/operation|models/query\.py.*(create|_insert)", 25
        )
        total = stats.total_tt
        print(f"\n== profile of {n - half} {what}s: {total:.2f} CPU s under the profiler; the heaviest parts")
        print("\n".join(line for line in out.getvalue().splitlines() if "(" in line and "/" in line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
