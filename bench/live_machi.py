"""A real Machi for races and benchmarks: a scratch database, seeded, served by gunicorn on 127.0.0.1.

    with live_machi(users=50, rooms=2, engine="sqlite", scratch=tmp_path) as machi:
        machi.base_url, machi.tokens, machi.rooms, machi.days, machi.blocks
        machi.query("SELECT count(*) FROM facilities_reservation")

`race(machi, path, bodies)` POSTs each body from its own thread, person and connection, all released at
once, and gives back (status, answer) each. With `event=(seats, max_party)` the seed also holds a
published first-come event of 中央区 open for registration now (`machi.event`); with
`events=[(seats, max_party), …]`, one such event for each (`machi.events`, the first is `machi.event`).
With `fund_yen=…`, 中央区's quick-response fund (a project of the current year budgeted that much), a
category it pays for and one request of it (`machi.request`, its service_request_id), and every person
is a member of 中央区's staff.

The database is a SQLite file in `scratch` (a copy of `sqlite_template`, an already migrated
file, where given: the tests pass theirs), or a new PostgreSQL database on the server
named by DATABASE_URL (created through psycopg, dropped afterwards). It is migrated and
seeded in one child process (`python bench/live_machi.py prepare`): the 中央区 ward, a
centre with the default blocks (午前・午後・夜間), rooms, and people each with their own
personal token. The server runs in production mode (DEBUG off). On any exit, the server
is stopped and the PostgreSQL database dropped.
"""

import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DAYS = 20  # bookable days seeded per room: next month's 5th to 24th


@dataclass
class LiveMachi:
    base_url: str
    database_url: str
    engine: str
    tokens: list[str]
    rooms: list[int]
    days: list[str]
    blocks: list[str]
    server_args: list[str]
    log: Path
    server_pid: int
    # Every gunicorn master (`masters=`), each on its own port, all on the one database: the first is
    # base_url / server_pid.
    base_urls: list[str] = field(default_factory=list)
    server_pids: list[int] = field(default_factory=list)
    event: int | None = None
    events: list[int] = field(default_factory=list)
    request: str | None = None
    _pg_conninfo: str | None = field(default=None, repr=False)

    @property
    def port(self) -> int:
        return urlsplit(self.base_url).port

    @property
    def ports(self) -> list[int]:
        return [urlsplit(url).port for url in self.base_urls or [self.base_url]]

    def query(self, sql: str) -> list[tuple]:
        """Rows of one SQL query on the scratch database, read from outside the server."""
        if self.engine == "sqlite":
            with contextlib.closing(sqlite3.connect(urlsplit(self.database_url).path)) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self._pg_conninfo) as db:
            return db.execute(sql).fetchall()

    def execute(self, *statements: str) -> None:
        """Run these statements on the scratch database from outside the server, and commit."""
        if self.engine == "sqlite":
            with contextlib.closing(sqlite3.connect(urlsplit(self.database_url).path)) as db, db:
                for sql in statements:
                    db.execute(sql)
            return
        import psycopg

        with psycopg.connect(self._pg_conninfo) as db:
            for sql in statements:
                db.execute(sql)


def engine_of(database_url: str | None) -> str:
    return (
        "postgres" if database_url and database_url.startswith(("postgres://", "postgresql://")) else "sqlite"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def scratch_database(engine: str, scratch: Path, server_url: str | None = None, sqlite_template=None):
    """Yield the DATABASE_URL of a new database (SQLite: a copy of `sqlite_template`, a migrated file,
    where given; else empty); a PostgreSQL one is dropped on exit."""
    if engine == "sqlite":
        if sqlite_template is not None:
            shutil.copyfile(sqlite_template, scratch / "machi.sqlite3")
        yield f"sqlite:///{scratch / 'machi.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(server_url or os.environ["DATABASE_URL"])
    name = f"machi_scratch_{os.getpid()}_{secrets.token_hex(4)}"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(database_url: str, scratch: Path, db_pool: str | None = None) -> dict:
    """The environment of a production Machi process on this database (`db_pool`: its MACHI_DB_POOL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MACHI_")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="machi.settings",
        MACHI_HOME=str(scratch),
        MACHI_DEBUG="0",
        MACHI_SECRET_KEY=secrets.token_urlsafe(50),
        MACHI_ALLOWED_HOSTS="127.0.0.1",
        MACHI_SSL_REDIRECT="0",  # plain HTTP on the loopback, as behind the city's TLS proxy
        MACHI_TASKS_BACKEND="database",  # as in production: mail waits in the queue for `machi worker`
    )
    if db_pool:
        env["MACHI_DB_POOL"] = db_pool
    return env


@contextlib.contextmanager
def live_machi(
    *,
    users: int,
    rooms: int,
    engine: str,
    scratch: Path,
    workers: int = 4,
    threads: int = 1,
    masters: int = 1,
    db_pool: str | None = None,
    server_url: str | None = None,
    extra_args: tuple[str, ...] = (),
    event: tuple[int, int] | None = None,
    events: list[tuple[int, int]] = (),
    sqlite_template: Path | None = None,
    fund_yen: int | None = None,
):
    events = [event, *events] if event else list(events)
    scratch.mkdir(parents=True, exist_ok=True)
    with scratch_database(engine, scratch, server_url, sqlite_template) as database_url:
        env = server_env(database_url, scratch, db_pool)
        prepared = subprocess.run(
            [
                sys.executable,
                __file__,
                "prepare",
                str(users),
                str(rooms),
                *(str(number) for pair in events for number in pair),
                *(["--fund", str(fund_yen)] if fund_yen is not None else []),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if prepared.returncode != 0:
            raise RuntimeError(f"preparing the scratch database failed:\n{prepared.stderr[-4000:]}")
        seed = json.loads(prepared.stdout.strip().splitlines()[-1])
        # Several masters stand for several application servers behind one load balancer: each its own
        # port, processes and log; they share nothing but the database (and MACHI_HOME's settings).
        ports = [free_port() for _ in range(masters)]
        args = gunicorn_args(ports[0], workers, threads, extra_args)
        log = scratch / "server.log"
        servers: list[subprocess.Popen] = []
        try:
            for n, port in enumerate(ports):
                log_n = log if n == 0 else scratch / f"server{n + 1}.log"
                servers.append(
                    start_gunicorn(
                        "machi.wsgi:application",
                        gunicorn_args(port, workers, threads, extra_args),
                        env,
                        log_n,
                    )
                )
            base_urls = [f"http://127.0.0.1:{port}" for port in ports]
            for n, (server, base_url) in enumerate(zip(servers, base_urls, strict=True)):
                _wait_until_up(base_url, server, log if n == 0 else scratch / f"server{n + 1}.log")
            pg = None if engine == "sqlite" else database_url
            yield LiveMachi(
                base_url=base_urls[0],
                base_urls=base_urls,
                server_pids=[server.pid for server in servers],
                database_url=database_url,
                engine=engine,
                tokens=seed["tokens"],
                rooms=seed["rooms"],
                days=seed["days"],
                blocks=seed["blocks"],
                server_args=args,
                log=log,
                server_pid=servers[0].pid,
                event=seed["events"][0] if seed["events"] else None,
                events=seed["events"],
                request=seed.get("request"),
                _pg_conninfo=pg,
            )
        finally:
            for server in servers:
                _stop(server)


def gunicorn_args(port: int, workers: int, threads: int, extra_args: tuple[str, ...] = ()) -> list[str]:
    return [
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        *(["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
        "--backlog", "2048",
        "--timeout", "60",
        *extra_args,
    ]  # fmt: skip


def start_gunicorn(app: str, args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as log_file:
        return subprocess.Popen(
            [str(BIN / "gunicorn"), app, *args],
            env=env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers stop with it
        )


@contextlib.contextmanager
def floor_server(machi: "LiveMachi", workers: int, threads: int, scratch: Path, masters: int = 1):
    """bench/floor_wsgi.py (a booking in bare WSGI on psycopg) on the same database, by the same gunicorn
    settings as Machi's, as many masters as Machi's; yields (ports, pids)."""
    env = {**server_env(machi.database_url, scratch), "PYTHONPATH": str(ROOT)}
    servers: list[tuple[int, subprocess.Popen]] = []
    try:
        for n in range(masters):
            port = free_port()
            log = scratch / (f"floor{n + 1}.log" if n else "floor.log")
            args = gunicorn_args(port, workers, threads)
            servers.append((port, start_gunicorn("bench.floor_wsgi:application", args, env, log)))
            _wait_until_up(f"http://127.0.0.1:{port}", servers[-1][1], log, path="/")
        yield [port for port, _ in servers], [server.pid for _, server in servers]
    finally:
        for _, server in servers:
            _stop(server)


def race(
    machi: LiveMachi, path: str, bodies: list[dict], *, person: int | None = None, key: str | None = None
) -> list[tuple[int, dict]]:
    """POST each body to `path` from its own thread and person (token n), all released at once; (status, answer) each.

    `person`: every client is that one person (token `person`), as one person pressing again and again;
    `key`: every request carries it as its `Idempotency-Key`."""
    url = urlsplit(machi.base_url)
    barrier = threading.Barrier(len(bodies))
    answers: list[tuple[int, dict] | BaseException | None] = [None] * len(bodies)

    def client(n: int) -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        try:
            connection.connect()  # connected before the barrier: the requests leave together
            payload = json.dumps(bodies[n]).encode()
            token = machi.tokens[n if person is None else person]
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            if key is not None:
                headers["Idempotency-Key"] = key
            barrier.wait(timeout=30)
            connection.request("POST", path, payload, headers)
            response = connection.getresponse()
            answers[n] = (response.status, json.loads(response.read() or b"{}"))
        except BaseException as error:
            answers[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    errors = [a for a in answers if not isinstance(a, tuple)]
    assert not errors, errors
    return answers


def _wait_until_up(base_url: str, server: subprocess.Popen, log: Path, path: str = "/api/centres") -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}{path}", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within 30 s:\n{log.read_text()[-4000:]}")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # the group of the gunicorn this module started
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- Inside the child process: migrate and seed ------------------------------------------------


def prepare(users: int, rooms: int, events: list[tuple[int, int]] = (), fund_yen: int | None = None) -> dict:
    import django

    django.setup()
    import datetime

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from machi.accounts.actions import create_token
    from machi.accounts.actors import SYSTEM
    from machi.accounts.models import User
    from machi.facilities.actions import save_centre
    from machi.facilities.models import Centre, Room
    from machi.facilities.queries import add_months
    from machi.ledger.models import Ward

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        ward = Ward.objects.get_or_create(code="431010", defaults={"name": "中央区", "name_en": "Chuo"})[0]
        centre = save_centre(actor=SYSTEM, centre=Centre(ward=ward, name="白川地域コミュニティセンター"))
        room_ids = [
            Room.objects.create(centre=centre, name=f"会議室{n + 1}", capacity=30, fee_per_block_yen=600).pk
            for n in range(rooms)
        ]
        people = User.objects.bulk_create(
            User(username=f"racer{n:04d}", email=f"racer{n:04d}@example.jp", home_ward=ward)
            for n in range(users)
        )
        tokens = [create_token(actor=SYSTEM, user=person, name="race")[1] for person in people]
        request = seed_fund(ward, people, fund_yen) if fund_yen is not None else None
    # Next month: its booking window opened on the 1st of last month, and its days are all ahead.
    first = add_months(timezone.localdate(), 1)
    days = [(first + datetime.timedelta(days=4 + n)).isoformat() for n in range(DAYS)]
    return {
        "events": [seed_event(ward, seats, max_party, n) for n, (seats, max_party) in enumerate(events)],
        "rooms": room_ids,
        "days": days,
        "blocks": list(centre.blocks.order_by("position").values_list("code", flat=True)),
        "tokens": tokens,
        "request": request,
    }


def seed_fund(ward, people, fund_yen: int) -> str:
    """中央区's quick-response fund budgeted `fund_yen`, a category it pays for, one request of it; the
    people become the ward's staff. The request's service_request_id."""
    from django.utils import timezone

    from machi.accounts.actors import SYSTEM
    from machi.accounts.models import RoleGrant
    from machi.core.fiscal import fiscal_year_of
    from machi.ledger.models import Programme, Project
    from machi.requests import actions as requests
    from machi.requests.models import Category

    year = fiscal_year_of(timezone.localdate())
    programme = Programme.objects.get_or_create(ward=ward, fiscal_year=year)[0]
    fund = Project.objects.create(programme=programme, no=15, name="課題対応経費", initial_yen=fund_yen)
    road = Category.objects.create(ward=ward, code="road", name="道路の破損", target_days=5, fund=fund)
    RoleGrant.objects.bulk_create(RoleGrant(user=person, role="ward-staff", ward=ward) for person in people)
    made = requests.submit_request(
        actor=SYSTEM, category=road, description="側溝の蓋が外れている", address="中央区手取本町1-1"
    )
    return made.service_request_id


def seed_event(ward, seats: int, max_party: int, n: int = 0) -> int:
    """A published first-come event of a project of the ward's current programme, open for registration now."""
    import datetime

    from django.utils import timezone

    from machi.accounts.actors import SYSTEM
    from machi.core.fiscal import fiscal_year_of
    from machi.events import actions as events
    from machi.ledger.models import Programme, Project

    now = timezone.now()
    programme = Programme.objects.get_or_create(ward=ward, fiscal_year=fiscal_year_of(timezone.localdate()))[
        0
    ]
    project = Project.objects.get_or_create(programme=programme, name="防災講座")[0]
    starts = now + datetime.timedelta(days=30)
    event = events.create_event(
        actor=SYSTEM,
        project=project,
        kind="course",
        title=f"防災講座（第{n + 1}回）" if n else "防災講座",
        title_kana="ぼうさいこうざ",
        capacity_seats=seats,
        max_party=max_party,
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=starts - datetime.timedelta(days=1),
        cancel_until=starts - datetime.timedelta(days=1),
        sessions=[(starts, starts + datetime.timedelta(hours=2))],
    )
    return events.publish_event(actor=SYSTEM, event=event).pk


if __name__ == "__main__":
    arguments = sys.argv[1:]
    fund = None
    if "--fund" in arguments:
        at = arguments.index("--fund")
        fund = int(arguments[at + 1])
        del arguments[at : at + 2]
    if arguments[:1] == ["prepare"] and len(arguments) >= 3 and len(arguments) % 2 == 1:
        numbers = [int(arg) for arg in arguments[3:]]
        events = list(zip(numbers[::2], numbers[1::2], strict=True))
        print(json.dumps(prepare(int(arguments[1]), int(arguments[2]), events, fund)))
    else:
        sys.exit(
            "usage: live_machi.py prepare USERS ROOMS [SEATS MAX_PARTY]… [--fund YEN] (run by live_machi())"
        )
