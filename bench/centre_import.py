"""Benchmark: importing a city's community centres and rooms. Prints its figures; never a pass/fail test.

The shipped Kumamoto centres (11) and rooms (38) copied 40 times, each copy's centre names
suffixed (「五福校区地域コミュニティセンター 2」 …): 440 centres and 1,520 rooms, each centre in
the ledger's project, with its 減免. After the shipped ledger is imported: a dry run of the new
file, the first import, a dry run and an import of the file with a tenth of the rooms' fees
changed, and a re-import of the same file (no change). Runs on a fresh SQLite file unless
DATABASE_URL is set (use a scratch database: it is migrated and filled).

Beside each import's time: how long its write transaction lasted (the only time it holds the
write lock, on SQLite the whole database's), and on SQLite the longest another writer waited
meanwhile (a second process taking the write lock every 10 ms, as a booking would).

    .venv/bin/python bench/centre_import.py        # 40 copies
    .venv/bin/python bench/centre_import.py 100    # 1,100 centres, 3,800 rooms
"""

import csv
import os
import sys
from pathlib import Path

from import_timing import WriteTimer, scratch_machi  # bench/ is this script's folder

DATASET = Path(__file__).resolve().parent.parent / "data" / "kumamoto-fy2022"
COPIES = int(sys.argv[1]) if len(sys.argv) > 1 else 40


def main() -> None:
    scratch = scratch_machi()
    from machi.accounts.actors import SYSTEM
    from machi.facilities.actions import centre_import
    from machi.facilities.importers import import_path
    from machi.ledger.importers import import_path as import_ledger

    writes = WriteTimer(centre_import)
    import_ledger(DATASET, actor=SYSTEM)

    def read(name: str) -> tuple[list[str], list[list[str]]]:
        with (DATASET / name).open(encoding="utf-8-sig", newline="") as f:
            header, *rows = csv.reader(f)
        return header, rows

    def write(name: str, header: list[str], rows: list[list[str]]) -> Path:
        path = scratch / name
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header, *rows])
        return path

    centre_header, centre_rows = read("centres.csv")
    room_header, room_rows = read("rooms.csv")
    name, centre_of, fee = (
        centre_header.index("名称"),
        room_header.index("センター名"),
        room_header.index("使用料（円／1区分）"),
    )

    def suffixed(row: list[str], column: int, copy: int) -> list[str]:
        return [*row[:column], f"{row[column]} {copy}", *row[column + 1 :]]

    centres = write(
        "centres.csv",
        centre_header,
        [suffixed(r, name, n) for n in range(1, COPIES + 1) for r in centre_rows],
    )
    rooms = [suffixed(r, centre_of, n) for n in range(1, COPIES + 1) for r in room_rows]
    first = write("rooms.csv", room_header, rooms)
    changed = write(
        "rooms-changed.csv",
        room_header,
        [
            [*r[:fee], str(int(r[fee]) + 100), *r[fee + 1 :]] if i % 10 == 0 else r
            for i, r in enumerate(rooms)
        ],
    )

    engine = os.environ["DATABASE_URL"].split(":", 1)[0]

    def timed(label: str, rooms: Path, *, dry_run: bool = False) -> None:
        report, elapsed, lock = writes.measure(
            lambda: import_path(centres, rooms=rooms, actor=SYSTEM, dry_run=dry_run)
        )
        print(f"{label:<30} {elapsed:7.2f} s  {lock}   {report.summary()}")

    print(
        f"Machi centre import benchmark: {len(centre_rows) * COPIES:,} centres, {len(rooms):,} rooms"
        f" ({COPIES} copies of the shipped file), {engine}"
    )
    timed("dry run, all new", first, dry_run=True)
    timed("first import", first)
    timed("dry run, 10% fees changed", changed, dry_run=True)
    timed("re-import, 10% fees changed", changed)
    timed("re-import, unchanged", changed)


if __name__ == "__main__":
    sys.exit(main())
