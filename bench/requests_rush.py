"""Benchmark: residents' requests over Open311 at a real gunicorn, on SQLite and PostgreSQL.

Machi runs under gunicorn on 127.0.0.1 against a scratch database (bench/live_machi.py: a SQLite file,
or a PostgreSQL database created on the server of DATABASE_URL, or postgres://postgres@127.0.0.1:5432,
and dropped afterwards), with its people and tokens; the client is bench/booking_rush.py's asyncio one,
every client a different person with their own token and connection, all released at once.

- submissions: 200 clients POST /open311/v2/requests.json (form-encoded, api_key = their token) to
  one category of 中央区 at the same instant. Targets: ≥ 100 submissions/s, p99 < 500 ms, and the
  ward's numbers for the year exactly 1..200 — no gap, no repeat — in the answers and in the database.
  (A warm-up first submits to 東区, whose numbers are its own, so every worker has imported and
  connected.)
- steady: the same 200 submissions sent by 20 clients in parallel, each sending its 10 one after
  another (東区): the rate and latency of a busy hour rather than of one instant. 200 requests released
  at one instant queue behind each other (200 × the CPU a request costs ÷ the CPUs), so the burst's
  p99 measures that queue; the steady phase's p99 is what each person waits.
- floor: the same 200 clients call GET /api/me (a token, no submission): what a request costs the
  server at least, and so the most submissions per second the CPUs allow.
- listing: 50,000 requests bulk-created in the database, then GET /open311/v2/requests.json
  ?page_size=1000 over HTTP (best and median of 5). Target < 300 ms. The number of SQL queries of
  page_size=10 and page_size=1000 is counted in this process (Django's test client and
  CaptureQueriesContext against the same database): it must be the same.
- fund race: 16 staff clients at once record an expenditure against a fund with room for exactly 3
  (POST /api/requests/{code}/expenditures, each for a different request of the fund's category, no
  流用 reason): exactly 3 may succeed, the rest hear 400.

Latency is measured by each client from its connect to the end of the answer (it includes the wait in
the server's queue). Only a wrong outcome (a gap, a repeat, other than 3 winners, more queries for a
longer page) fails the run; speed depends on the machine and is reported as PASS/FAIL beside it.

    .venv/bin/python bench/requests_rush.py [--engine sqlite|postgres|both] [--workers 4]
"""

import argparse
import asyncio
import datetime
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.booking_rush import CPUS, DEFAULT_SERVER, Phase, burst, call, cpu_now, run_phase
from bench.event_rush import _django, verdict
from bench.live_machi import live_machi

SUBMISSIONS = 200
STEADY_CLIENTS = 20
WARMUP = 20
LISTED = 50_000
PAGE = 1000
FUND_ROOM = 3  # expenditures the fund has room for
FUND_CLIENTS = 16
COST_YEN = 10_000
CATEGORY = "road"
# 熊本市役所 (中央区手取本町) and 東区役所.
CHUO = ("32.803100", "130.707900")
HIGASHI = ("32.791700", "130.757000")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (>1: gthread)")
    parser.add_argument("--server", default=None, help="PostgreSQL server URL (default: DATABASE_URL)")
    args = parser.parse_args()
    if args.engine == "both":
        # One process per engine: this process becomes Machi (django.setup) against its scratch database.
        codes = [
            subprocess.call([sys.executable, __file__, *sys.argv[1:], "--engine", engine])
            for engine in ("sqlite", "postgres")
        ]
        return max(codes)
    return run(args)


def run(args) -> int:
    server_url = None
    if args.engine == "postgres":
        server_url = args.server or os.environ.get("DATABASE_URL", "")
        if not server_url.startswith(("postgres://", "postgresql://")):
            server_url = DEFAULT_SERVER
        import psycopg

        try:
            psycopg.connect(
                urlunsplit(urlsplit(server_url)._replace(path="/postgres")), connect_timeout=5
            ).close()
        except psycopg.OperationalError as error:
            print(f"requests_rush: PostgreSQL is not reachable at {server_url} ({error}).", file=sys.stderr)
            return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    users = WARMUP + SUBMISSIONS
    print(f"\n### Requests rush on {args.engine}: a scratch database, {users} people with tokens")
    with (
        tempfile.TemporaryDirectory(prefix="machi-bench-requests-") as scratch,
        live_machi(
            users=users,
            rooms=0,
            engine=args.engine,
            scratch=Path(scratch),
            workers=args.workers,
            threads=args.threads,
            server_url=server_url,
        ) as machi,
    ):
        print(f"gunicorn machi.wsgi:application {' '.join(machi.server_args)}")
        print(f"{args.engine}, DEBUG off, {CPUS} CPUs shared by client, server and database")
        chuo, higashi = categories(machi)
        tokens = iter(machi.tokens)
        for _chunk in range(0, WARMUP, 10):  # every worker imports, connects and submits once
            asyncio.run(burst(machi.port, [submission(higashi, next(tokens), HIGASHI, n) for n in range(10)]))
        rush = run_phase(
            f"submissions: {SUBMISSIONS} clients, one category of 中央区",
            machi,
            [submission(chuo, next(tokens), CHUO, n) for n in range(SUBMISSIONS)],
        )
        steady = steady_phase(machi, higashi)
        floor = run_phase(
            f"floor: GET /api/me ({SUBMISSIONS} clients: a token, no submission)",
            machi,
            [("GET", "/api/me", machi.tokens[WARMUP + n], None) for n in range(SUBMISSIONS)],
        )
        numbering = check_numbers(machi, rush, "431010", SUBMISSIONS) + check_numbers(
            machi, steady, "431028", WARMUP + SUBMISSIONS
        )
        server_errors = machi.log.read_text().count("Traceback")
        listing = list_requests(machi)
        race = fund_race(machi)

    rush.report(f"≥ 100 submissions/s, p99 < 500 ms, numbers 1..{SUBMISSIONS} without a gap or a repeat")
    steady.report("≥ 100 submissions/s, p99 < 500 ms")
    floor.report()
    for phase in (rush, steady, floor):
        per_request = (phase.cpu.server + phase.cpu.database + phase.cpu.client) / len(phase.statuses)
        print(
            f"   CPU bound ({phase.name.split(':')[0]}): {CPUS} CPUs / {per_request * 1000:.1f} ms per request"
            f" = {CPUS / per_request:.0f} requests/s at most on an idle machine"
        )
    rate, p99 = rush.count(200) / rush.wall, rush.percentile(99)
    results = [
        (f"submissions: all {SUBMISSIONS} accepted (server tracebacks: {server_errors})", rush.count(200) == SUBMISSIONS),
        *numbering,
        (f"submissions: ≥ 100/s ({rate:.0f}/s)", rate >= 100),
        (f"submissions: p99 < 500 ms ({p99 * 1000:.0f} ms)", p99 < 0.5),
        (f"steady: all {SUBMISSIONS} accepted", steady.count(200) == SUBMISSIONS),
        (f"steady: ≥ 100/s ({steady.count(200) / steady.wall:.0f}/s)", steady.count(200) / steady.wall >= 100),
        (f"steady: p99 < 500 ms ({steady.percentile(99) * 1000:.0f} ms)", steady.percentile(99) < 0.5),
        *listing,
        *race,
    ]  # fmt: skip
    print(f"\n== targets ({args.engine})")
    for name, ok in results:
        print(f"   {verdict(ok)}  {name}")
    speed = ("/s", "p99", "< 300 ms")
    return 0 if all(ok for name, ok in results if not any(word in name for word in speed)) else 1


def submission(service_code: str, token: str, where: tuple[str, str], n: int):
    """One Open311 POST: form-encoded (a str body), the token as api_key."""
    lat, lon = where
    body = urlencode(
        {
            "api_key": token,
            "service_code": service_code,
            "lat": f"{float(lat) + (n % 20) * 0.0007:.6f}",
            "long": f"{float(lon) + (n // 20) * 0.0007:.6f}",
            "description": f"歩道の段差（ベンチマーク {n + 1}）",
        }
    )
    return ("POST", "/open311/v2/requests.json", token, body)


def categories(machi) -> tuple[str, str]:
    """The road category of 中央区 and of 東区, each paid from its ward's fund; their Open311 codes."""
    _django(machi)
    from machi.ledger.models import Programme, Project, Ward
    from machi.requests.models import Category

    codes = []
    year = fiscal_year_now()
    for code, name in (("431010", "中央区"), ("431028", "東区")):
        ward = Ward.objects.get_or_create(code=code, defaults={"name": name})[0]
        programme = Programme.objects.get_or_create(ward=ward, fiscal_year=year)[0]
        fund = Project.objects.get_or_create(
            programme=programme, name="課題対応経費", defaults={"initial_yen": FUND_ROOM * COST_YEN}
        )[0]
        Category.objects.get_or_create(
            ward=ward, code=CATEGORY, defaults={"name": "道路の破損", "target_days": 10, "fund": fund}
        )
        codes.append(f"{code}-{CATEGORY}")
    return codes[0], codes[1]


def fiscal_year_now() -> int:
    from django.utils import timezone

    from machi.core.fiscal import fiscal_year_of

    return fiscal_year_of(timezone.now())


def check_numbers(machi, phase, ward_code: str, total: int) -> list[tuple[str, bool]]:
    """The phase's answers' numbers among the ward's, and the ward's numbers in the database: 1..total,
    once each, and the counter at total."""
    from machi.requests.models import Request, RequestCounter

    year = fiscal_year_now()
    answered = Counter(
        int(answer[0]["service_request_id"].rsplit("-", 1)[1])
        for status, answer in zip(phase.statuses, phase.answers, strict=True)
        if status == 200
    )
    stored = Counter(
        Request.objects.filter(ward__code=ward_code, fiscal_year=year).values_list("number", flat=True)
    )
    counter = RequestCounter.objects.get(ward__code=ward_code, fiscal_year=year).last
    wanted = Counter(range(1, total + 1))
    repeats = sum(c - 1 for c in stored.values() if c > 1)
    gaps = len(set(wanted) - set(stored))
    print(
        f"\n== numbering {ward_code}: {len(stored)} requests stored, counter {counter}, gaps {gaps},"
        f" repeats {repeats}"
    )
    return [
        (
            f"numbers {ward_code}: {len(phase.statuses)} answers, each a different number within 1..{total}",
            len(answered) == len(phase.statuses) and all(c == 1 for c in answered.values())
            and set(answered) <= set(wanted),
        ),
        (
            f"numbers {ward_code}: the database holds 1..{total}, no gap ({gaps}), no repeat ({repeats}), "
            f"counter {counter}",
            stored == wanted and counter == total,
        ),
    ]  # fmt: skip


def steady_phase(machi, service_code: str) -> Phase:
    """200 submissions by 20 clients in parallel, each sending its 10 one after another."""
    clients, each = STEADY_CLIENTS, SUBMISSIONS // STEADY_CLIENTS

    async def client(n: int, start: asyncio.Event):
        token, answers = machi.tokens[n], []
        for k in range(each):
            method, path, _token, body = submission(service_code, token, HIGASHI, WARMUP + n * each + k)
            answers.append(await call(machi.port, method, path, token, body, start))
        return answers

    async def run_all():
        start = asyncio.Event()
        tasks = [asyncio.create_task(client(n, start)) for n in range(clients)]
        await asyncio.sleep(0.05)
        began = time.perf_counter()
        start.set()
        done = await asyncio.gather(*tasks)
        return [answer for answers in done for answer in answers], time.perf_counter() - began

    before = cpu_now(machi, machi.server_pid)
    results, wall = asyncio.run(run_all())
    return Phase(
        name=f"steady: {SUBMISSIONS} submissions by {clients} clients in parallel ({each} each), 東区",
        statuses=[status for status, _, _ in results],
        latencies=[seconds for _, _, seconds in results],
        wall=wall,
        answers=[answer for _, answer, _ in results],
        cpu=cpu_now(machi, machi.server_pid) - before,
    )


# --- Listing --------------------------------------------------------------------------------------


def list_requests(machi) -> list[tuple[str, bool]]:
    """GET /open311/v2/requests.json?page_size=1000 of 50,000: its time over HTTP, its queries in process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    began = time.perf_counter()
    made = bulk_requests(LISTED - SUBMISSIONS)
    print(f"\n== listing: {made:,} more requests bulk-created in {time.perf_counter() - began:.1f} s")
    url = f"{machi.base_url}/open311/v2/requests.json?jurisdiction_id=431010&page_size={PAGE}"
    times, listed = [], 0
    for _n in range(6):  # the first warms the worker up and is not counted
        began = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as answer:
            listed = len(json.load(answer))
        times.append(time.perf_counter() - began)
    times = times[1:]
    client = Client(HTTP_HOST="127.0.0.1")

    def queries(size: int) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            answer = client.get("/open311/v2/requests.json", {"jurisdiction_id": "431010", "page_size": size})
        assert answer.status_code == 200, answer.content[:300]
        return len(answer.json()), len(captured)

    (small, small_queries), (large, large_queries) = queries(10), queries(PAGE)
    best, median = min(times), statistics.median(times)
    print(
        f"   GET page_size={PAGE} over HTTP: {listed} listed, best {best * 1000:.0f} ms, median {median * 1000:.0f} ms"
    )
    print(f"   queries in process: page_size=10 → {small} listed in {small_queries} queries; "
          f"page_size={PAGE} → {large} listed in {large_queries} queries")  # fmt: skip
    return [
        (f"listing: {PAGE} of {LISTED:,} listed", listed == PAGE),
        (f"listing: < 300 ms (median {median * 1000:.0f} ms)", median < 0.3),
        (
            f"listing: queries constant ({small_queries} for 10, {large_queries} for {PAGE})",
            small_queries == large_queries and small == 10 and large == PAGE,
        ),
    ]


def bulk_requests(count: int) -> int:
    """`count` more requests of 中央区's category over the last 80 days, each with its received row and
    every third with a public note; the counter moved past them."""
    from django.db import connection, transaction
    from django.utils import timezone

    from machi.requests.models import Category, Request, RequestCounter, RequestUpdate

    category = Category.objects.select_related("ward").get(ward__code="431010", code=CATEGORY)
    year = fiscal_year_now()
    now = timezone.now()
    start = SUBMISSIONS + 1
    with transaction.atomic():
        made = Request.objects.bulk_create(
            (
                Request(
                    ward=category.ward,
                    fiscal_year=year,
                    number=start + n,
                    category=category,
                    description=f"一覧のベンチマーク {n}",
                    latitude=f"{32.75 + (n % 100) * 0.001:.6f}",
                    longitude=f"{130.65 + (n // 100 % 100) * 0.001:.6f}",
                    status=Request.Status.RECEIVED if n % 3 else Request.Status.CHECKING,
                    acknowledge_by=now.date(),
                    expected_by=now.date() + datetime.timedelta(days=10),
                    created_at=now - datetime.timedelta(minutes=2 + n * 2),
                )
                for n in range(count)
            ),
            batch_size=2000,
        )
        RequestUpdate.objects.bulk_create(
            (
                RequestUpdate(
                    request=request,
                    from_status="" if n % 3 else Request.Status.RECEIVED,
                    to_status=request.status,
                    public_note="" if n % 3 else "現地を確認しています。",
                )
                for n, request in enumerate(made)
            ),
            batch_size=2000,
        )
        RequestCounter.objects.update_or_create(
            ward=category.ward, fiscal_year=year, defaults={"last": start + count - 1}
        )
    if connection.vendor == "postgresql":  # what autovacuum does within a minute of such a load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE requests_request, requests_requestupdate")
    return len(made)


# --- The fund race -------------------------------------------------------------------------------


def fund_race(machi) -> list[tuple[str, bool]]:
    """16 staff at once record an expenditure against a fund with room for 3, without a 流用 reason."""
    from django.utils import timezone

    from machi.accounts.actions import create_token
    from machi.accounts.actors import SYSTEM
    from machi.accounts.models import RoleGrant, User
    from machi.ledger.models import Ward
    from machi.requests.models import Category

    ward = Ward.objects.get(code="431010")
    fund = Category.objects.get(ward=ward, code=CATEGORY).fund
    tokens = []
    for n in range(FUND_CLIENTS):
        person = User.objects.create_user(f"staff{n:02d}", email=f"staff{n:02d}@example.jp", is_staff=True)
        RoleGrant.objects.create(user=person, role="ward-staff", ward=ward)
        tokens.append(create_token(actor=SYSTEM, user=person, name="fund race")[1])
    year, today = fiscal_year_now(), timezone.localdate().isoformat()
    body = {
        "section": "supplies",
        "payee": "（ベンチマーク）工事店",
        "paid_on": today,
        "amount_yen": COST_YEN,
    }
    # Each clerk pays for a different request of the same category: only the fund's row is shared.
    race = run_phase(
        f"fund race: {FUND_CLIENTS} staff pay {COST_YEN:,} yen each from a fund with room for {FUND_ROOM}",
        machi,
        [
            ("POST", f"/api/requests/431010-{year}-{n + 1}/expenditures", token, body)
            for n, token in enumerate(tokens)
        ],
    )
    fund.refresh_from_db()
    won, refused = race.count(201), race.count(400)
    print(
        f"\n== fund race: {FUND_CLIENTS} staff at once, a fund of {fund.initial_yen:,} yen ({FUND_ROOM} payments)"
    )
    print(f"   answers         {'   '.join(f'{s}: {c}' for s, c in sorted(Counter(race.statuses).items()))}")
    print(f"   succeeded       {won} of {FUND_CLIENTS}; the fund's 決算額 {fund.settled_yen or 0:,} yen")
    print(
        f"   latency         p50 {statistics.median(race.latencies) * 1000:.0f} ms   "
        f"p99 {race.percentile(99) * 1000:.0f} ms"
    )
    return [
        (
            f"fund race: exactly {FUND_ROOM} of {FUND_CLIENTS} succeed ({won}), the rest 400 ({refused})",
            won == FUND_ROOM and refused == FUND_CLIENTS - FUND_ROOM,
        ),
        (
            f"fund race: the fund's 決算額 is {FUND_ROOM} payments ({fund.settled_yen or 0:,} yen)",
            fund.settled_yen == FUND_ROOM * COST_YEN,
        ),
    ]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
