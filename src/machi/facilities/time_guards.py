"""Time that cannot be booked twice, said by the database itself.

Two guards, each named once here and installed by migration 0006:

- `held_times_never_overlap`: two active held blocks of one room and day never overlap
  in time, whatever blocks they are (a centre's blocks may change after a booking).
- `blocks_never_overlap`: a centre's blocks never overlap each other.

PostgreSQL says it with exclusion constraints over time ranges (btree_gist lets a GiST
index compare the room or centre for equality); concurrent inserts wait for each other
there. SQLite has no exclusion constraints, so triggers check before each insert and
update; SQLite's single writer makes the check and the write one step. Either way a
refused row is an `IntegrityError`, as a unique index's would be.
"""

from machi.core.schema import execute_for_vendor

HELD_TIMES = "held_times_never_overlap"
BLOCK_TIMES = "blocks_never_overlap"

# A block's times on one fixed day, so that PostgreSQL can compare them as ranges.
_BLOCK_RANGE = "tsrange(DATE '2000-01-01' + starts_at, DATE '2000-01-01' + ends_at)"

POSTGRESQL = (
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"ALTER TABLE facilities_reservationblock ADD CONSTRAINT {HELD_TIMES} EXCLUDE USING gist"
    " (room_id WITH =, tsrange(date + starts_at, date + ends_at) WITH &&) WHERE (active)",
    f"ALTER TABLE facilities_timeblock ADD CONSTRAINT {BLOCK_TIMES} EXCLUDE USING gist"
    f" (centre_id WITH =, {_BLOCK_RANGE} WITH &&)",
)
POSTGRESQL_REMOVE = (
    f"ALTER TABLE facilities_reservationblock DROP CONSTRAINT IF EXISTS {HELD_TIMES}",
    f"ALTER TABLE facilities_timeblock DROP CONSTRAINT IF EXISTS {BLOCK_TIMES}",
)

_HELD_CLASH = """EXISTS (
    SELECT 1 FROM facilities_reservationblock AS held
    WHERE held.active AND held.room_id = NEW.room_id AND held.date = NEW.date
      AND held.starts_at < NEW.ends_at AND NEW.starts_at < held.ends_at AND held.id IS NOT NEW.id
)"""
_BLOCK_CLASH = """EXISTS (
    SELECT 1 FROM facilities_timeblock AS other
    WHERE other.centre_id = NEW.centre_id
      AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at AND other.id IS NOT NEW.id
)"""


def _sqlite_triggers(name: str, table: str, columns: str, clash: str, when: str = "") -> tuple[str, ...]:
    condition = f"{when} AND {clash}" if when else clash
    return tuple(
        f"CREATE TRIGGER IF NOT EXISTS {name}_{event.split()[0].lower()} BEFORE {event} ON {table}"
        f" WHEN {condition} BEGIN SELECT RAISE(ABORT, '{name}'); END"
        for event in ("INSERT", f"UPDATE OF {columns}")
    )


SQLITE = _sqlite_triggers(
    HELD_TIMES,
    "facilities_reservationblock",
    "room_id, date, starts_at, ends_at, active",
    _HELD_CLASH,
    "NEW.active",
) + _sqlite_triggers(BLOCK_TIMES, "facilities_timeblock", "centre_id, starts_at, ends_at", _BLOCK_CLASH)
SQLITE_REMOVE = tuple(
    f"DROP TRIGGER IF EXISTS {name}_{event}"
    for name in (HELD_TIMES, BLOCK_TIMES)
    for event in ("insert", "update")
)


INSTALL = {"postgresql": POSTGRESQL, "sqlite": SQLITE}
REMOVE = {"postgresql": POSTGRESQL_REMOVE, "sqlite": SQLITE_REMOVE}


def install(schema_editor) -> None:
    execute_for_vendor(schema_editor, INSTALL)


def remove(schema_editor) -> None:
    execute_for_vendor(schema_editor, REMOVE)
