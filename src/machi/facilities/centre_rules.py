"""A centre's booking rules, read once and kept in the process until the database says they changed.

A booking needs the centre, its rooms, its blocks, its closed days and its lotteries' opening
times. They change a few times a year; at 9:00 on the 1st they are read hundreds of times a
second. So each process keeps them (`rules_of_room`, `rules_of_centre`) and, on every use, asks the
database one cheap question: is the centre's stamp still the one the copy was read under?

The stamp (`CentreStamp`) is written by the database itself: triggers on the centre, its rooms,
blocks, closed days, fee exemptions and lotteries give it a new random value on every insert,
update and delete — by an action, the admin, an import or a bulk update alike. So several
application servers sharing one PostgreSQL never serve a rule another one has changed (nothing
is told between them: each asks the database). A random value, not a counter, so that a stamp
seen inside a transaction that was rolled back never comes back with other rules behind it.

The stamp is read before the rules, so a copy is never older than its stamp. The copies are
shared by the threads of a process and must not be changed: callers read them.
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import Prefetch

from machi.core.schema import execute_for_vendor
from machi.facilities.models import Centre, CentreStamp, ClosedDay, FeeExemption, Lottery, Room, TimeBlock


class LotteryOpening(NamedTuple):
    """What booking needs of a month's lottery: when first-come booking of the leftovers opens."""

    month: datetime.date
    first_come_opens_at: datetime.datetime


@dataclass(frozen=True)
class CentreRules:
    stamp: str
    centre: Centre  # with its blocks in order (`centre.blocks.all()` reads no database)
    rooms: dict[int, Room]  # each with `room.centre` this centre
    closed_days: dict[datetime.date, str]  # every ad-hoc closure, by date: its reason
    lotteries: dict[datetime.date, LotteryOpening]  # by the first of their month
    exemptions: dict[str, int]  # 減免: group kind → percent

    @property
    def blocks(self) -> list[TimeBlock]:
        return list(self.centre.blocks.all())

    def lottery_of(self, day: datetime.date) -> LotteryOpening | None:
        return self.lotteries.get(day.replace(day=1))


_kept: dict[int, CentreRules] = {}  # by centre id; replacing an entry is atomic, so threads need no lock


def rules_of_room(room_id: int) -> CentreRules | None:
    """The rules of the room's centre (the room among them), or None when there is no such room."""
    with connection.cursor() as cursor:
        cursor.execute(_ROOM_STAMP_SQL, [room_id])
        row = cursor.fetchone()
    if row is None:
        return None
    rules = _current(*row)
    if room_id not in rules.rooms:  # deleted since the stamp was read
        return None
    return rules


def rules_of_centre(centre_id: int) -> CentreRules:
    with connection.cursor() as cursor:
        cursor.execute(_CENTRE_STAMP_SQL, [centre_id])
        row = cursor.fetchone()
    return _current(centre_id, row[0] if row else None)


def _current(centre_id: int, stamp: str | None) -> CentreRules:
    kept = _kept.get(centre_id)
    if kept is not None and stamp is not None and kept.stamp == stamp:
        return kept
    return _load(centre_id, stamp)


def _load(centre_id: int, stamp: str | None) -> CentreRules:
    centre = Centre.objects.prefetch_related(
        Prefetch("blocks", queryset=TimeBlock.objects.order_by("position"))
    ).get(pk=centre_id)
    rooms = {room.pk: room for room in Room.objects.filter(centre_id=centre_id).order_by()}
    for room in rooms.values():
        room.centre = centre
    rules = CentreRules(
        stamp=stamp or "",
        centre=centre,
        rooms=rooms,
        closed_days=dict(
            ClosedDay.objects.filter(centre_id=centre_id).order_by().values_list("date", "reason")
        ),
        lotteries={
            month: LotteryOpening(month, opens)
            for month, opens in Lottery.objects.filter(centre_id=centre_id)
            .order_by()
            .values_list("month", "first_come_opens_at")
        },
        exemptions=dict(
            FeeExemption.objects.filter(centre_id=centre_id).order_by().values_list("group_kind", "percent")
        ),
    )
    if stamp is not None:  # a centre without a stamp row (none yet) is read each time
        _kept[centre_id] = rules
    return rules


_STAMP = CentreStamp._meta.db_table
_ROOM_STAMP_SQL = (
    f"SELECT r.centre_id, s.stamp FROM {Room._meta.db_table} r"
    f" LEFT JOIN {_STAMP} s ON s.centre_id = r.centre_id WHERE r.id = %s"
)
_CENTRE_STAMP_SQL = f"SELECT stamp FROM {_STAMP} WHERE centre_id = %s"


# --- The triggers (installed by migration 0008) ---------------------------------------------

# The tables whose rows are a centre's rules, and the column naming the centre.
WATCHED = {
    "facilities_centre": "id",
    "facilities_room": "centre_id",
    "facilities_timeblock": "centre_id",
    "facilities_closedday": "centre_id",
    "facilities_feeexemption": "centre_id",
    "facilities_lottery": "centre_id",
}

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION facilities_restamp_centre() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    column_name text := TG_ARGV[0];
    centres bigint[] := ARRAY[]::bigint[];
    centre bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        centres := centres || (to_jsonb(OLD) ->> column_name)::bigint;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        centres := centres || (to_jsonb(NEW) ->> column_name)::bigint;
    END IF;
    FOREACH centre IN ARRAY centres LOOP
        INSERT INTO {_STAMP} (centre_id, stamp) VALUES (centre, gen_random_uuid()::text)
        ON CONFLICT (centre_id) DO UPDATE SET stamp = EXCLUDED.stamp;
    END LOOP;
    RETURN NULL;
END
$$"""

POSTGRESQL = (
    _PG_FUNCTION,
    *(
        f"CREATE TRIGGER {table}_restamp AFTER INSERT OR UPDATE OR DELETE ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION facilities_restamp_centre('{column}')"
        for table, column in WATCHED.items()
    ),
)
POSTGRESQL_REMOVE = (
    *(f"DROP TRIGGER IF EXISTS {table}_restamp ON {table}" for table in WATCHED),
    "DROP FUNCTION IF EXISTS facilities_restamp_centre()",
)


def _sqlite_restamp(row: str, column: str) -> str:
    return f"INSERT OR REPLACE INTO {_STAMP} (centre_id, stamp) VALUES ({row}.{column}, lower(hex(randomblob(16))));"


SQLITE = tuple(
    f"CREATE TRIGGER IF NOT EXISTS {table}_restamp_{event.lower()} AFTER {event} ON {table} BEGIN "
    + " ".join(_sqlite_restamp(row, column) for row in rows)
    + " END"
    for table, column in WATCHED.items()
    for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",)))
)
SQLITE_REMOVE = tuple(
    f"DROP TRIGGER IF EXISTS {table}_restamp_{event}"
    for table in WATCHED
    for event in ("insert", "update", "delete")
)

INSTALL = {"postgresql": POSTGRESQL, "sqlite": SQLITE}
REMOVE = {"postgresql": POSTGRESQL_REMOVE, "sqlite": SQLITE_REMOVE}


def install(schema_editor) -> None:
    execute_for_vendor(schema_editor, INSTALL)


def remove(schema_editor) -> None:
    execute_for_vendor(schema_editor, REMOVE)
