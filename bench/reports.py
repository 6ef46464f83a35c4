"""Benchmark: report pages and PDFs on a generated city. Prints its figures; never a pass/fail test.

A city of 20 wards × 10 fiscal years × 60 projects (12,000 projects), loaded through
the real importer into a scratch database (SQLite unless DATABASE_URL is set: use a
scratch database, it is migrated and filled). Each page is requested 20 times through
Django's test client; the median and p95 times and the number of SQL queries are
printed, with the query count of the same page on a ward a tenth the size, to show
it does not grow with the number of projects.

    .venv/bin/python bench/reports.py
"""

import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

WARDS, YEARS, PROJECTS, SMALL_PROJECTS = 20, 10, 60, 6
RUNS = 20


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="machi-bench-reports-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "machi.settings")
    os.environ["MACHI_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from machi.accounts.actors import SYSTEM
    from machi.core import lgcode
    from machi.ledger.importers import import_path

    call_command("migrate", verbosity=0)
    codes = [f"{n}{lgcode.check_digit(n)}" for n in (f"{49100 + i:05d}" for i in range(WARDS + 1))]
    path = scratch / "city.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
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
        )
        for index, code in enumerate(codes):
            projects = SMALL_PROJECTS if index == WARDS else PROJECTS  # the last ward is the small one
            for year in range(2013, 2013 + YEARS):
                for no in range(1, projects + 1):
                    initial = 100 + (no * 37 + index * 11 + year) % 2900
                    writer.writerow(
                        [
                            year,
                            code,
                            f"区{code}",
                            f"柱{(no - 1) // 12 + 1}",
                            no,
                            f"事業{no}",
                            "継続",
                            "地域の課題に取り組む事業の説明",
                            initial,
                            initial,
                            initial - no % 40,
                        ]
                    )
    started = time.perf_counter()
    import_path(path, actor=SYSTEM)
    print(
        f"generated and imported {WARDS + 1} wards × {YEARS} years in {time.perf_counter() - started:.1f} s"
    )

    big, small, year = codes[0], codes[WARDS], 2022
    client = Client()
    pages = {
        "ledger ward page": "/{year}/{ward}/",
        "ledger index (all years)": "/",
        "report: ward": "/reports/{year}/{ward}/",
        "report: city overview": "/reports/{year}/",
        "report: ward PDF": "/reports/{year}/{ward}/report.pdf",
        "report: city PDF": "/reports/{year}/report.pdf",
        "open data (FDP zip)": "/reports/{year}/fdp.zip",
    }
    print(f"{'page':<28} {'median':>9} {'p95':>9} {'queries':>8} {'queries (small ward)':>21}")
    for label, pattern in pages.items():
        url = pattern.format(year=year, ward=big)
        if client.get(url).status_code != 200:
            print(f"{label:<28} {'(not available: ' + url + ')':>40}")
            continue
        times = []
        for _ in range(RUNS):
            begin = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - begin) * 1000)
        with CaptureQueriesContext(connection) as big_queries:
            client.get(url)
        with CaptureQueriesContext(connection) as small_queries:
            client.get(pattern.format(year=year, ward=small))
        p95 = statistics.quantiles(times, n=20)[-1]
        print(
            f"{label:<28} {statistics.median(times):7.1f}ms {p95:7.1f}ms {len(big_queries):8d} {len(small_queries):21d}"
        )


if __name__ == "__main__":
    sys.exit(main())
