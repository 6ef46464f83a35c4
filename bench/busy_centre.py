"""What bench/availability.py and bench/lottery_draw.py share: a scratch Machi in this process, and a busy centre.

`scratch_machi_db()` sets Django up on a new PostgreSQL database (on the server DATABASE_URL names,
else on 127.0.0.1:5432 when one answers there; dropped at exit), or on a fresh SQLite file when
no server answers or `--sqlite` is given; migrated. `busy_centre()` builds a centre of 中央区 with
its rooms and blocks, a closure and a closed weekday, directly in bulk (what is measured is
reading and drawing, not setting up). Used as a plain import (bench/ is the scripts' folder).
"""

import atexit
import datetime
import os
import secrets
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def scratch_machi_db(label: str) -> str:
    """Set Django up on a scratch database, migrated; returns the engine's name ("postgresql" or "sqlite")."""
    url = os.environ.get("DATABASE_URL")
    if "--sqlite" in sys.argv or (url and url.startswith("sqlite")):
        url = None
    else:
        url = _scratch_postgres(url or DEFAULT_SERVER, label)
    if url is None:
        scratch = Path(tempfile.mkdtemp(prefix=f"machi-bench-{label}-"))
        url = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "machi.settings")
    os.environ["MACHI_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("MACHI_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return connection.vendor


def _scratch_postgres(server: str, label: str) -> str | None:
    """A new database on this server (dropped at exit), or None when the server does not answer."""
    try:
        import psycopg
    except ImportError:
        return None
    parts = urlsplit(server)
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    name = f"machi_bench_{label}_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=3) as db:
            db.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return None

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(maintenance, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    atexit.register(drop)
    return urlunsplit(parts._replace(path=f"/{name}"))


ROOMS = [  # name, capacity, fee per block (yen), max blocks per booking
    ("多目的ホール", 120, 2400, 3),
    ("大会議室", 60, 1500, 3),
    ("小会議室1", 20, 600, 2),
    ("小会議室2", 20, 600, 2),
    ("和室1", 24, 700, 3),
    ("和室2", 16, 500, 3),
    ("調理実習室", 30, 1200, 2),
    ("音楽室", 15, 900, 2),
]


def busy_centre(*, closed: list[datetime.date], closed_weekday: int = 0):
    """The centre (open every day but `closed_weekday`, closed on national holidays and on the `closed`
    days), its 3 default blocks and 8 rooms; with a 50% 減免 for 自治会 and 100% for 校区自治協議会."""
    from machi.accounts.actors import SYSTEM
    from machi.facilities.actions import save_centre
    from machi.facilities.models import Centre, ClosedDay, FeeExemption, Room
    from machi.ledger.models import Ward

    ward = Ward.objects.get_or_create(code="431010", defaults={"name": "中央区", "name_en": "Chuo"})[0]
    centre = save_centre(
        actor=SYSTEM,
        centre=Centre(
            ward=ward,
            name="白川地域コミュニティセンター",
            phone="096-000-0000",
            open_weekdays="".join(str(d) for d in range(7) if d != closed_weekday),
            closed_on_holidays=True,
        ),
    )
    Room.objects.bulk_create(
        Room(
            centre=centre,
            name=name,
            capacity=capacity,
            fee_per_block_yen=fee,
            max_blocks_per_booking=most,
            position=n,
        )
        for n, (name, capacity, fee, most) in enumerate(ROOMS, start=1)
    )
    ClosedDay.objects.bulk_create(ClosedDay(centre=centre, date=day, reason="館内点検") for day in closed)
    FeeExemption.objects.bulk_create(
        [
            FeeExemption(centre=centre, group_kind="jichikai", percent=50),
            FeeExemption(centre=centre, group_kind="kouku", percent=100),
        ]
    )
    return centre


def people(count: int, prefix: str):
    """`count` people of 中央区 (no password: nobody logs in), made in bulk; in creation order."""
    from django.contrib.auth import get_user_model

    from machi.ledger.models import Ward

    User = get_user_model()
    ward = Ward.objects.get(code="431010")
    User.objects.bulk_create(
        User(
            username=f"{prefix}{n:05d}",
            email=f"{prefix}{n:05d}@example.jp",
            display_name=f"利用者{n}",
            home_ward=ward,
            password="!",
        )
        for n in range(count)
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("username"))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
