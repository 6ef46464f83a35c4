"""Benchmark: the 9:00 opening rush of community-centre bookings, over HTTP, on PostgreSQL.

Machi runs under gunicorn on 127.0.0.1 against a scratch PostgreSQL database (created on
the server of DATABASE_URL, or postgres://postgres@127.0.0.1:5432, and dropped afterwards;
see bench/live_machi.py). Every client is a different person with their own personal
token and their own connection; all of a phase's clients start at the same instant.

- rush:   500 clients race for 50 blocks (10 for each): 50 must win, 450 must hear 409.
- spread: 200 clients book 200 different blocks: all 200 must win; 3 such bursts (`--rounds`).
- floor:  the same spread at bench/floor_wsgi.py (the booking in bare WSGI on psycopg, served the
          same way, warmed up with as many bookings as Machi). Each burst at Machi is followed by
          one at the floor: the ratio of each round pairs two bursts a second apart, and the median
          of the rounds is printed, so that the machine's own drift (others' work, its clock)
          weighs on both alike. Then 500 clients call GET /api/me and GET /api/wards: a request
          without booking work.
- two servers: by default Machi runs as two application servers (two gunicorn masters on two
          ports, the one database), the clients sent to them in turn as a round-robin load
          balancer would: the rush's winners are exactly its blocks across both, and a retry with
          the same Idempotency-Key sent to the other server gets the first one's answer.

Latency is measured by each client from its connect to the end of the answer, so it
includes the wait in the server's queue. Printed: throughput, p50/p99/max latency, double
bookings (several 201 for one block, and active rows sharing a block in the database:
both must be 0) and answers other than 201/409 (must be 0). The target on a 2-core
machine, client included: at least 200 bookings per second with p99 under 500 ms for the
spread. The client is asyncio on raw streams, so it leaves the CPU to the server.

    .venv/bin/python bench/booking_rush.py [--masters 2] [--workers 4] [--threads 4] [--db-pool 0]

The defaults are the production settings of the README ("Production": gunicorn gthread, 4 workers of
4 threads on 2 cores, each thread keeping its connection), as two application servers. `--workers`
counts the worker processes of all masters together (4: two each), so the figures of one master and
of two compare on the same 2 cores; `--threads 1` is sync workers; `--db-pool 2:4` a pool in each.
"""

import argparse
import asyncio
import http.client
import json
import math
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.live_machi import floor_server, live_machi

HOST = "127.0.0.1"
CPUS = os.cpu_count() or 1
TICKS = os.sysconf("SC_CLK_TCK")
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


@dataclass
class Cpu:
    """CPU seconds used, by whom: the server's processes, the database's backends, this client, the machine."""

    server: float
    database: float
    client: float
    machine: float

    def __sub__(self, other: "Cpu") -> "Cpu":
        return Cpu(
            *(getattr(self, f) - getattr(other, f) for f in ("server", "database", "client", "machine"))
        )

    def __add__(self, other: "Cpu") -> "Cpu":
        return Cpu(
            *(getattr(self, f) + getattr(other, f) for f in ("server", "database", "client", "machine"))
        )


@dataclass
class Phase:
    name: str
    statuses: list[int]
    latencies: list[float]  # seconds
    wall: float  # seconds from the start signal to the last answer
    answers: list[dict]
    cpu: Cpu

    @classmethod
    def pooled(cls, name: str, phases: list["Phase"]) -> "Phase":
        """Several bursts as one: every answer and latency, their walls and CPU added up."""
        return cls(
            name=name,
            statuses=[s for p in phases for s in p.statuses],
            latencies=[t for p in phases for t in p.latencies],
            wall=sum(p.wall for p in phases),
            answers=[a for p in phases for a in p.answers],
            cpu=sum((p.cpu for p in phases[1:]), phases[0].cpu),
        )

    def count(self, status: int) -> int:
        return sum(s == status for s in self.statuses)

    @property
    def booked_per_second(self) -> float:
        return self.count(201) / self.wall

    @property
    def others(self) -> int:
        return sum(s not in (201, 409) for s in self.statuses)

    def percentile(self, p: float) -> float:
        """Nearest rank: the smallest latency at least p% of the answers did not exceed."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    def report(self, target: str = "") -> None:
        n = len(self.statuses)
        won = self.count(201)
        answers = "   ".join(
            f"{status or 'no answer'}: {count}" for status, count in sorted(Counter(self.statuses).items())
        )
        print(f"\n== {self.name}: {n} clients at once")
        print(f"   answers         {answers}")
        print(f"   wall time       {self.wall * 1000:.0f} ms")
        rate = f"{n / self.wall:.0f} requests/s" + (f"   {won / self.wall:.0f} bookings/s" if won else "")
        print(f"   throughput      {rate}")
        print(
            f"   latency         p50 {statistics.median(self.latencies) * 1000:.0f} ms   "
            f"p99 {self.percentile(99) * 1000:.0f} ms   max {max(self.latencies) * 1000:.0f} ms"
        )
        cpu = self.cpu
        other = max(0.0, cpu.machine - cpu.server - cpu.database - cpu.client)
        print(
            f"   CPU per request server {cpu.server * 1000 / n:.1f} ms + database {cpu.database * 1000 / n:.1f} ms"
            f" + client {cpu.client * 1000 / n:.1f} ms   (other programs on the machine: {other:.1f} s"
            f" of {self.wall * CPUS:.1f} s)"
        )
        if target:
            print(f"   target          {target}")


async def call(port: int, method: str, path: str, token: str, body: dict | str | None, start: asyncio.Event):
    """One client: connect, send one request, read the whole answer. (status, answer, seconds).

    A dict body is sent as JSON; a str body as a form already encoded (Open311's POST)."""
    form = isinstance(body, str)
    payload = b"" if body is None else body.encode() if form else json.dumps(body).encode()
    kind = "application/x-www-form-urlencoded" if form else "application/json"
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: {kind}\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    ).encode()
    await start.wait()
    began = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(head + payload)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = None
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    data = await (reader.readexactly(length) if length is not None else reader.read())
    elapsed = time.perf_counter() - began
    writer.close()
    try:
        answer = json.loads(data) if data else {}
    except ValueError:
        answer = {"raw": data[:200].decode("utf-8", "replace")}
    return status, answer, elapsed


async def burst(ports: int | list[int], requests: list[tuple[str, str, str, dict | None]]):
    """Start every request at the same instant, the n-th to the n-th port in turn (round robin, as a
    load balancer before several servers); (answers, wall seconds)."""
    ports = [ports] if isinstance(ports, int) else ports
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(call(ports[n % len(ports)], m, p, t, b, start))
        for n, (m, p, t, b) in enumerate(requests)
    ]
    await asyncio.sleep(0.05)  # every task is waiting on the signal
    began = time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    wall = time.perf_counter() - began
    return [r if not isinstance(r, BaseException) else (0, {"error": repr(r)}, wall) for r in results], wall


def run_phase(name: str, machi, requests, server: tuple[list[int], list[int]] | None = None) -> Phase:
    """One burst at Machi's servers in turn, or at `server` (ports, gunicorn masters' pids) on Machi's
    database (the floor)."""
    ports, pids = server or (machi.ports, machi.server_pids)
    before = cpu_now(machi, pids)
    results, wall = asyncio.run(burst(ports, requests))
    return Phase(
        name=name,
        statuses=[status for status, _, _ in results],
        latencies=[seconds for _, _, seconds in results],
        wall=wall,
        answers=[answer for _, answer, _ in results],
        cpu=cpu_now(machi, pids) - before,
    )


def backends(machi) -> set[int]:
    """The PostgreSQL backends serving the scratch database (but the one asking)."""
    if machi.engine == "sqlite":  # in the server's own processes
        return set()
    return {
        pid
        for (pid,) in machi.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    }


def cpu_now(machi, server_pid: int | list[int]) -> Cpu:
    """CPU seconds so far of gunicorn (each master given and its workers), the scratch database's
    backends, us, the machine."""
    masters = {server_pid} if isinstance(server_pid, int) else set(server_pid)
    database_pids = backends(machi)
    server = database = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent, used = int(entry.name), int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS
        if pid in masters or parent in masters:
            server += used
        elif pid in database_pids:
            database += used
    user, nice, system, _idle, _iowait, irq, softirq = (
        int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]
    )
    machine = (user + nice + system + irq + softirq) / TICKS  # guest time is already within user
    return Cpu(server=server, database=database, client=time.process_time(), machine=machine)


def booking(room: int, day: str, block: str) -> dict:
    return {"room": room, "date": day, "blocks": [block]}


def post(port: int, token: str, body: dict, key: str) -> tuple[int, dict, str | None]:
    """One POST /api/reservations with an Idempotency-Key: (status, answer, Idempotent-Replayed)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        }
        connection.request("POST", "/api/reservations", json.dumps(body), headers)
        response = connection.getresponse()
        return (
            response.status,
            json.loads(response.read() or b"{}"),
            response.getheader("Idempotent-Replayed"),
        )
    finally:
        connection.close()


def replay_across(machi, token: str, target: tuple) -> tuple[bool, str]:
    """Book on the first server with a key; send the same request with the same key to each other one
    (to the same one where there is one): the first answer, replayed, and one row.
    (as it should be, what each server said)."""
    key = str(uuid.uuid4())
    first = post(machi.ports[0], token, booking(*target), key)
    others = machi.ports[1:] or machi.ports[:1]
    again = [post(port, token, booking(*target), key) for port in others]
    room, day, block = target
    rows = machi.query(
        "SELECT count(*) FROM facilities_reservationblock r JOIN facilities_timeblock b ON b.id = r.block_id"
        f" WHERE r.room_id = {int(room)} AND r.date = '{day}' AND b.code = '{block}' AND r.active"
    )[0][0]
    ok = first[0] == 201 and rows == 1 and all(a[:2] == first[:2] and a[2] == "true" for a in again)
    said = "; ".join(
        f"port {port}: {status} #{answer.get('id')}{' replayed' if replayed == 'true' else ''}"
        for port, (status, answer, replayed) in [(machi.ports[0], first), *zip(others, again, strict=True)]
    )
    return ok, f"{said}; rows {rows}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--masters", type=int, default=2, help="application servers: gunicorn masters on their own ports"
    )
    parser.add_argument(
        "--workers", type=int, default=4, help="gunicorn worker processes in all, shared among the masters"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (>1: gthread)")
    parser.add_argument(
        "--db-pool",
        default="0",
        help="MACHI_DB_POOL of the servers (N or MIN:MAX; 0: none, CONN_MAX_AGE)",
    )
    parser.add_argument("--rush", type=int, default=500, help="clients in the rush")
    parser.add_argument("--blocks", type=int, default=50, help="blocks the rush races for")
    parser.add_argument("--spread", type=int, default=200, help="clients booking different blocks")
    parser.add_argument(
        "--rounds", type=int, default=3, help="spreads at Machi and at the floor, in turn (each a new burst)"
    )
    parser.add_argument("--server", default=None, help="PostgreSQL server URL (default: DATABASE_URL)")
    args = parser.parse_args()

    if args.rounds < 1:
        parser.error("--rounds must be at least 1 (bursts at Machi, each followed by one at the floor)")
    if args.masters < 1 or args.workers % args.masters:
        parser.error("--workers must be a multiple of --masters (the workers are shared among them)")
    workers = args.workers // args.masters  # each master's
    pool = args.db_pool if args.db_pool not in (None, "", "0") else None
    server_url = args.server or os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        server_url = DEFAULT_SERVER
    warmup = 60
    # Each spread's clients are new people (the floor reuses tokens: it writes no last use).
    users = args.rush + args.rounds * args.spread + warmup + 1  # the last person books once more, with a key
    per_room = 20 * 3  # days × blocks seeded in each room
    # The first room is for warming up; the floor books its own blocks after Machi's, then the replay one.
    rooms = 1 + -(-(args.blocks + 2 * args.rounds * args.spread + warmup + 1) // per_room)

    import psycopg

    try:
        psycopg.connect(server_url, connect_timeout=5).close()
    except psycopg.OperationalError as error:
        print(f"booking_rush: PostgreSQL is not reachable at {server_url} ({error}).", file=sys.stderr)
        print("Start it (pg_ctlcluster <version> main start) or pass --server postgres://…", file=sys.stderr)
        return 1
    # A stop (Ctrl-C, kill) still stops the server and drops the scratch database on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"Booking rush: preparing a scratch PostgreSQL database, {users} people with tokens, {rooms} rooms")
    with (
        tempfile.TemporaryDirectory(prefix="machi-bench-rush-") as scratch,
        live_machi(
            users=users,
            rooms=rooms,
            engine="postgres",
            scratch=Path(scratch),
            workers=workers,
            threads=args.threads,
            masters=args.masters,
            db_pool=pool,
            server_url=server_url,
        ) as machi,
    ):
        version = machi.query("SHOW server_version")[0][0]
        sync_commit = machi.query("SHOW synchronous_commit")[0][0]
        for port in machi.ports:
            arguments = " ".join(machi.server_args).replace(f":{machi.port} ", f":{port} ")
            print(f"gunicorn machi.wsgi:application {arguments}")
        if args.masters > 1:
            print(f"{args.masters} application servers (gunicorn masters) on one database; clients in turn")
        connections = (
            f"MACHI_DB_POOL={pool} (a pool in each worker, CONN_MAX_AGE=0)"
            if pool
            else "CONN_MAX_AGE=60 (each worker keeps its connections)"
        )
        print(
            f"PostgreSQL {version} (synchronous_commit={sync_commit}), "
            f"{connections}, DEBUG off, {os.cpu_count()} CPUs shared by client, server and database"
        )
        targets = [
            (room, day, block) for room in machi.rooms[1:] for day in machi.days for block in machi.blocks
        ]
        rush_targets, spread_targets, floor_targets = (
            targets[: args.blocks],
            targets[args.blocks : args.blocks + args.rounds * args.spread],
            targets[
                args.blocks + args.rounds * args.spread : args.blocks + 2 * args.rounds * args.spread + warmup
            ],
        )
        replay_target = targets[args.blocks + 2 * args.rounds * args.spread + warmup]
        tokens = iter(machi.tokens)
        print(f"Warming up with {warmup} bookings in room {machi.rooms[0]}")

        # Warm-up: every worker imports, connects to the database and renders a mail once.
        warm_room = machi.rooms[0]
        warm = [(warm_room, day, block) for day in machi.days for block in machi.blocks][:warmup]
        for chunk in range(0, warmup, 10):
            asyncio.run(
                burst(
                    machi.ports,
                    [
                        ("POST", "/api/reservations", next(tokens), booking(*target))
                        for target in warm[chunk : chunk + 10]
                    ],
                )
            )

        connections_before = backends(machi)
        rush = run_phase(
            "rush: 500 clients race for 50 blocks" if (args.rush, args.blocks) == (500, 50) else "rush",
            machi,
            [
                ("POST", "/api/reservations", next(tokens), booking(*rush_targets[n % len(rush_targets)]))
                for n in range(args.rush)
            ],
        )
        spreads, bares = [], []
        with floor_server(machi, workers, args.threads, Path(scratch), args.masters) as floor_at:
            # Warmed up as Machi was: every thread connects and runs its statements often enough for
            # psycopg to prepare them (a cold floor ran at two thirds of its speed and flattered Machi).
            for chunk in range(0, warmup, 10):
                asyncio.run(
                    burst(
                        floor_at[0],
                        [
                            ("POST", "/", machi.tokens[n], booking(*floor_targets[n]))
                            for n in range(chunk, chunk + 10)
                        ],
                    )
                )
            for round_ in range(args.rounds):
                spreads.append(
                    run_phase(
                        "spread",
                        machi,
                        [
                            ("POST", "/api/reservations", next(tokens), booking(*target))
                            for target in spread_targets[round_ * args.spread : (round_ + 1) * args.spread]
                        ],
                    )
                )
                first = warmup + round_ * args.spread
                bares.append(
                    run_phase(
                        "floor",
                        machi,
                        [
                            ("POST", "/", machi.tokens[n], booking(*floor_targets[n]))
                            for n in range(first, first + args.spread)
                        ],
                        server=floor_at,
                    )
                )
        spread = Phase.pooled(
            f"spread: each client books a different block ({args.rounds} bursts)"
            if args.rounds > 1
            else "spread: each client books a different block",
            spreads,
        )
        bare = Phase.pooled(
            "floor: bare WSGI on psycopg (bench/floor_wsgi.py), each client books a different block"
            + (f" ({args.rounds} bursts, each after Machi's)" if args.rounds > 1 else ""),
            bares,
        )
        floor = run_phase(
            "floor: GET /api/me (token, 3 queries, no booking)",
            machi,
            [("GET", "/api/me", machi.tokens[n], None) for n in range(args.rush)],
        )
        public = run_phase(
            "floor: GET /api/wards (public, 1 query)",
            machi,
            [("GET", "/api/wards", machi.tokens[n], None) for n in range(args.rush)],
        )
        connections_after = backends(machi)
        replayed, replay_said = replay_across(machi, machi.tokens[-1], replay_target)
        floor_booked = machi.query("SELECT count(*) FROM facilities_reservation WHERE purpose = 'floor'")[0][
            0
        ]

        winners: dict[tuple, int] = {}
        for phase in (rush, spread):
            for answer, status in zip(phase.answers, phase.statuses, strict=True):
                if status == 201:
                    key = (answer["room"], answer["date"], tuple(answer["blocks"]))
                    winners[key] = winners.get(key, 0) + 1
        double_answers = sum(n - 1 for n in winners.values())
        double_rows = machi.query(
            "SELECT count(*) FROM (SELECT 1 FROM facilities_reservationblock WHERE active"
            " GROUP BY room_id, date, block_id HAVING count(*) > 1) AS shared"
        )[0][0]
        booked = (
            machi.query("SELECT count(*) FROM facilities_reservation")[0][0] - warmup - floor_booked - 1
        )  # less the one booked with a key across the servers
        logs = [machi.log, *(machi.log.with_name(f"server{n}.log") for n in range(2, args.masters + 1))]
        server_errors = sum(log.read_text().count("Traceback") for log in logs)

    rush.report(f"{len(rush_targets)} blocks: exactly {len(rush_targets)} answers 201, the rest 409")
    spread.report("≥ 200 bookings/s, p99 < 500 ms")
    floor.report()
    public.report()
    bare.report()
    ratios = [
        (ours.booked_per_second / theirs.booked_per_second) if theirs.count(201) else 0.0
        for ours, theirs in zip(spreads, bares, strict=True)
    ]
    ratio = statistics.median(ratios)
    spread_cpu = (spread.cpu.server + spread.cpu.database) / len(spread.statuses)
    bare_cpu = (bare.cpu.server + bare.cpu.database) / len(bare.statuses)
    if bare.count(201) != len(bare.statuses):
        print("\n   the floor failed some bookings: its ratio means nothing (see floor.log)")
    print(
        f"\n== Machi / floor: {ratio:.2f} of the floor's bookings/s (target ≥ 0.5);"
        f" server+database CPU per booking {spread_cpu * 1000:.1f} ms vs {bare_cpu * 1000:.1f} ms"
    )
    if args.rounds > 1:
        print("   round by round (median above):")
        for n, (ours, theirs, each) in enumerate(zip(spreads, bares, ratios, strict=True), start=1):
            print(
                f"   {n}. Machi {ours.booked_per_second:.0f}/s p99 {ours.percentile(99) * 1000:.0f} ms,"
                f" floor {theirs.booked_per_second:.0f}/s p99 {theirs.percentile(99) * 1000:.0f} ms: {each:.2f}"
            )
    print("\n== outcome")
    print(
        f"   double bookings            {double_answers} (blocks answered 201 twice)   {double_rows} (in the database)"
    )
    print(
        f"   failed (not 201/409)       {rush.others + spread.others}   (server tracebacks: {server_errors})"
    )
    print(f"   bookings in the database   {booked} (answers 201: {rush.count(201) + spread.count(201)})")
    if pool:
        most = args.workers * int(pool.rpartition(":")[2])
        print(
            f"   database connections       {len(connections_after)} at the end"
            f" (MACHI_DB_POOL={pool} in each of {args.workers} workers: at most {most})"
        )
    else:
        # A thread the warm-up did not reach connects later: only a warm-up connection gone means one was lost.
        lost = len(connections_before - connections_after)
        kept = "all kept" if not lost else f"{lost} NOT kept"
        print(
            f"   database connections       {len(connections_after)}; the warm-up's {len(connections_before)}"
            f" {kept} (CONN_MAX_AGE) to the end"
        )
    if args.masters > 1:
        per_server = "   ".join(
            f"port {port}: {sum(s == 201 for n, s in enumerate(rush.statuses) if n % args.masters == m)}"
            for m, port in enumerate(machi.ports)
        )
        print(
            f"   two servers, round robin   rush winners {rush.count(201)} of {len(rush_targets)} blocks"
            f" across the servers ({per_server}), double bookings {double_answers + double_rows}"
        )
        print(f"   key replayed elsewhere     {'yes' if replayed else 'NO'} ({replay_said})")
    for phase in (spread, floor):
        per_request = (phase.cpu.server + phase.cpu.database + phase.cpu.client) / len(phase.statuses)
        print(
            f"   CPU bound                  {CPUS} CPUs / {per_request * 1000:.1f} ms per request"
            f" = {CPUS / per_request:.0f} requests/s at most ({phase.name.split(':')[0]})"
        )
    others = [
        a for p in (rush, spread) for a, s in zip(p.answers, p.statuses, strict=True) if s not in (201, 409)
    ]
    if others:
        print(f"   first failure: {others[0]}")
    spread_ok = spread.count(201) / spread.wall >= 200 and spread.percentile(99) < 0.5
    correct = (
        double_answers == 0
        and double_rows == 0
        and rush.others + spread.others == 0
        and rush.count(201) == len(rush_targets)
        and spread.count(201) == len(spread_targets)
        and booked == rush.count(201) + spread.count(201)
        and (replayed or args.masters == 1)
    )
    print(f"   correct: {'yes' if correct else 'NO'}   spread target met: {'yes' if spread_ok else 'no'}")
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
