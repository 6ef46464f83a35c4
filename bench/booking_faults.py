"""Benchmark: the 9:00 rush with faults — a gunicorn worker killed and PostgreSQL restarted mid-rush.

The fault phase of `bench/booking_rush.py`, kept in its own file (the timing phases live there).
200 clients, each a different person booking a different block, all at once, over HTTP against
gunicorn and a scratch PostgreSQL database (bench/live_machi.py). Each client behaves as a person
at 9:00 does: it gives up waiting after 0.25 s (then 0.5, 1, 2, 4 s) and sends the same request
again with the same `Idempotency-Key`, on a 5xx or a broken connection too, until it is told
(201, or 200: the block is already theirs) or refused (409), for at most 60 s. Mid-rush one worker
is killed (SIGKILL) and PostgreSQL is restarted
(`pg_ctlcluster --skip-systemctl-redirect <version> main restart`; `--no-restart` leaves it alone:
the server may be shared). Then `machi worker --batch` sends the queued mail.

Printed: confirmed bookings (distinct bookings the clients were told of), rows in the database,
bookings whose holder was never told, mails queued and sent, double bookings. Correct when
rows = confirmations = mails and no one is left unaware.

    .venv/bin/python bench/booking_faults.py [--clients 200] [--workers 4] [--threads 4] [--db-pool 0] [--no-restart]

The defaults are the production settings of the README (gthread, 4 workers of 4 threads): a killed
worker takes the requests of all its threads with it.
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.booking_rush import DEFAULT_SERVER, HOST, booking
from bench.live_machi import BIN, ROOT, live_machi, server_env

TIMEOUTS = (0.25, 0.5, 1.0, 2.0, 4.0)  # how long a person waits for each try before pressing again
PAUSE = 0.2  # seconds between giving up and pressing again
DEADLINE = 60.0


async def send(port: int, token: str, body: dict, key: str) -> tuple[int, dict]:
    payload = json.dumps(body).encode()
    head = (
        f"POST /api/reservations HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(head + payload)
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        while await reader.readline() not in (b"\r\n", b""):
            pass  # the headers
        data = await reader.read()
    finally:
        writer.close()
    try:
        return status, json.loads(data) if data else {}
    except ValueError:
        return status, {}


async def person(
    port: int, token: str, body: dict, start: asyncio.Event
) -> tuple[str, int | None, int, Counter]:
    """(outcome, reservation id told, tries, what each try got): outcome told / refused / never told."""
    key = str(uuid.uuid4())
    seen: Counter = Counter()
    await start.wait()
    began = time.monotonic()
    tries = 0
    while time.monotonic() - began < DEADLINE:
        timeout = TIMEOUTS[min(tries, len(TIMEOUTS) - 1)]
        tries += 1
        try:
            status, answer = await asyncio.wait_for(send(port, token, body, key), timeout)
        except (TimeoutError, OSError, ValueError, IndexError):
            seen["gave up / broken"] += 1
            await asyncio.sleep(PAUSE)
            continue
        seen[status] += 1
        if status in (200, 201):
            return "told", answer.get("id"), tries, seen
        if status == 409:
            return "refused", None, tries, seen
        await asyncio.sleep(PAUSE)
    return "never told", None, tries, seen


def workers_of(master: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if parent == master:
                children.append(int(entry.name))
    return sorted(children)


def restart_postgresql() -> str:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"]
    done = subprocess.run(command, capture_output=True, text=True)
    return "restarted" if done.returncode == 0 else f"restart failed: {done.stderr.strip()[:200]}"


async def rush(machi, targets: list, restart: bool) -> tuple[list, dict]:
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(person(machi.port, token, booking(*target), start))
        for token, target in zip(machi.tokens, targets, strict=False)
    ]
    await asyncio.sleep(0.05)
    faults: dict[str, str] = {}
    began = time.perf_counter()
    start.set()
    await asyncio.sleep(0.3)
    victim = workers_of(machi.server_pid)[0]
    os.kill(victim, signal.SIGKILL)
    faults["worker killed"] = f"pid {victim} at {time.perf_counter() - began:.2f} s"
    if restart:
        await asyncio.sleep(0.3)
        at = time.perf_counter() - began
        outcome = await asyncio.to_thread(restart_postgresql)
        faults["PostgreSQL"] = f"{outcome} at {at:.2f} s (took {time.perf_counter() - began - at:.2f} s)"
    results = await asyncio.gather(*tasks)
    faults["wall"] = f"{time.perf_counter() - began:.2f} s"
    return results, faults


def send_queued_mail(machi, scratch: Path) -> int:
    """Run `machi worker --batch` (console mail) on the scratch database; how many mails it printed."""
    env = server_env(machi.database_url, scratch)
    worker = subprocess.run(
        [str(BIN / "machi"), "worker", "--batch", "--no-due-work"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return worker.stdout.count("Message-ID:")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="people, each booking a different block")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (>1: gthread)")
    parser.add_argument(
        "--db-pool",
        default="0",
        help="MACHI_DB_POOL of the server (N or MIN:MAX; 0: none, CONN_MAX_AGE)",
    )
    parser.add_argument(
        "--no-restart", action="store_true", help="do not restart PostgreSQL (a shared server)"
    )
    parser.add_argument("--server", default=None, help="PostgreSQL server URL (default: DATABASE_URL)")
    args = parser.parse_args()
    server_url = args.server or os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        server_url = DEFAULT_SERVER
    rooms = -(-args.clients // (20 * 3))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"Booking faults: a scratch PostgreSQL database, {args.clients} people with tokens, {rooms} rooms")
    with (
        tempfile.TemporaryDirectory(prefix="machi-bench-faults-") as scratch,
        live_machi(
            users=args.clients,
            rooms=rooms,
            engine="postgres",
            scratch=Path(scratch),
            workers=args.workers,
            threads=args.threads,
            db_pool=args.db_pool if args.db_pool not in ("", "0") else None,
            server_url=server_url,
        ) as machi,
    ):
        targets = [(room, day, block) for room in machi.rooms for day in machi.days for block in machi.blocks]
        results, faults = asyncio.run(rush(machi, targets[: args.clients], restart=not args.no_restart))
        time.sleep(1)  # a killed worker's replacement, a restarted server: settled
        rows = dict(machi.query("SELECT id, holder_id FROM facilities_reservation"))
        double = machi.query(
            "SELECT count(*) FROM (SELECT 1 FROM facilities_reservationblock WHERE active"
            " GROUP BY room_id, date, block_id HAVING count(*) > 1) AS shared"
        )[0][0]
        queued = machi.query(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path IN"
            " ('machi.core.mail.send_email', 'machi.core.mail.write_and_send_email')"  # written now, or by the task
        )[0][0]
        sent = send_queued_mail(machi, Path(scratch))
        tracebacks = machi.log.read_text().count("Traceback")

    outcomes = Counter(outcome for outcome, *_ in results)
    confirmed = {reservation for outcome, reservation, *_ in results if outcome == "told"}
    unaware = sorted(set(rows) - confirmed)
    tries = [n for _, _, n, _ in results]
    seen = sum((s for *_, s in results), Counter())
    print(
        f"\n== faults: {args.clients} clients at once, each retrying with its Idempotency-Key"
        f" (gives up after {TIMEOUTS[0]} s, then {', '.join(str(t) for t in TIMEOUTS[1:])} s)"
    )
    for fault, what in faults.items():
        print(f"   {fault:<15} {what}")
    print(f"   outcome         {'   '.join(f'{k}: {v}' for k, v in sorted(outcomes.items()))}")
    print(f"   every try got   {'   '.join(f'{k}: {v}' for k, v in sorted(seen.items(), key=str))}")
    print(f"   tries a person  p50 {statistics.median(tries):.0f}   max {max(tries)}")
    print(f"   confirmed       {len(confirmed)} bookings told to their holders")
    print(f"   rows            {len(rows)} bookings in the database   double bookings {double}")
    print(f"   never told      {len(unaware)} bookings whose holder was never told {unaware[:10] or ''}")
    print(f"   mails           {queued} queued with their bookings, {sent} sent by `machi worker --batch`")
    print(f"   server          {tracebacks} tracebacks in gunicorn's log")
    correct = (
        len(rows) == len(confirmed) == queued == sent
        and not unaware
        and double == 0
        and outcomes["told"] == args.clients
    )
    print(f"   correct: {'yes' if correct else 'NO'} (rows = confirmations = mails, no one left unaware)")
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
