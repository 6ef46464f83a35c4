"""Benchmark: importing and exporting a large ledger. Prints its figures; never a pass/fail test.

A generated city of 20 wards × 5 years × 60 projects (6,000 rows) in the canonical
CSV: first import, re-import of the same file (no change), re-import with 10 % of
the settled figures changed, a dry run, and the CSV export. Runs on a fresh SQLite
file unless DATABASE_URL is set (use a scratch database: it is migrated and filled).

Beside each import's time: how long its write transaction lasted (the only time it holds the
write lock, on SQLite the whole database's), and on SQLite the longest another writer waited
meanwhile (a second connection taking the write lock every 10 ms, as a booking would).

    .venv/bin/python bench/ledger_import.py        # 60 projects a ward-year
    .venv/bin/python bench/ledger_import.py 198    # 19,800 rows, the size of a large city's file
"""

import csv
import io
import os
import random
import resource
import sys
from pathlib import Path

from import_timing import WriteTimer, scratch_machi  # bench/ is this script's folder

WARDS, YEARS = 20, 5
PROJECTS = int(sys.argv[1]) if len(sys.argv) > 1 else 60


def main() -> None:
    scratch = scratch_machi()
    from machi.accounts.actors import SYSTEM
    from machi.core import lgcode
    from machi.ledger.actions import imports
    from machi.ledger.exporters.csv_export import export_csv
    from machi.ledger.importers import import_path

    writes = WriteTimer(imports)
    rng = random.Random(2022)
    codes = [f"{n}{lgcode.check_digit(n)}" for n in (f"{49100 + i:05d}" for i in range(WARDS))]
    rows = []
    for code in codes:
        for year in range(2018, 2018 + YEARS):
            for no in range(1, PROJECTS + 1):
                initial = rng.randrange(100, 3000)
                revised = initial + rng.randrange(-50, 50)
                rows.append(
                    [
                        year,
                        code,
                        f"区{code}",
                        f"柱{(no - 1) // 12 + 1}",
                        no,
                        f"事業{no}",
                        "",
                        "説明",
                        initial,
                        revised,
                        revised - rng.randrange(0, 40),
                    ]
                )
    header = [
        "fiscal_year",
        "ward_code",
        "ward",
        "pillar",
        "no",
        "name",
        "status",
        "description",
        "initial",
        "revised",
        "settled",
    ]

    def write(path: Path, data) -> Path:
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(data)
        return path

    first = write(scratch / "city.csv", rows)
    changed_rows = [[*r[:10], r[10] + 1 if i % 10 == 0 else r[10]] for i, r in enumerate(rows)]
    changed = write(scratch / "city-changed.csv", changed_rows)

    engine = os.environ["DATABASE_URL"].split(":", 1)[0]

    def timed(label: str, action) -> None:
        result, elapsed, lock = writes.measure(action)
        print(f"{label:<32} {elapsed:7.2f} s {len(rows) / elapsed:8,.0f} rows/s  {lock}   {result}")

    print(
        f"Machi ledger import benchmark: {len(rows):,} rows ({WARDS} wards × {YEARS} years × {PROJECTS} projects), {engine}"
    )
    timed("first import", lambda: import_path(first, actor=SYSTEM).summary())
    timed("re-import, unchanged", lambda: import_path(first, actor=SYSTEM).summary())
    timed("dry run, 10% settled changed", lambda: import_path(changed, dry_run=True, actor=SYSTEM).summary())
    timed("re-import, 10% settled changed", lambda: import_path(changed, actor=SYSTEM).summary())
    timed("CSV export, FY2018 (all wards)", lambda: f"{export_csv(io.StringIO(), fiscal_year=2018)} rows")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mib:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
