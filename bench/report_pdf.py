"""Benchmark: rendering the A4 PDF reports. Prints its figures; never a pass/fail test.

Loads the Kumamoto FY2022 dataset, then times: registering the font (once per process),
the ward PDF for the biggest Kumamoto ward, the same for a generated ward of 60
projects with long names and descriptions, and the city PDF. Runs on a fresh SQLite
file unless DATABASE_URL is set (use a scratch database: it is migrated and filled).

    .venv/bin/python bench/report_pdf.py
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = 60
REPEAT = 3


def timed(label: str, render, repeat: int = REPEAT) -> None:
    times, size, pages = [], 0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        data = render()
        times.append(time.perf_counter() - started)
    from io import BytesIO

    from pypdf import PdfReader

    size, pages = len(data), len(PdfReader(BytesIO(data)).pages)
    print(
        f"{label:<44} best {min(times):6.3f} s  worst {max(times):6.3f} s  {pages:3d} pages  {size / 1024:7.1f} KiB"
    )


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="machi-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "machi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    from machi.accounts.actors import SYSTEM
    from machi.core import lgcode
    from machi.ledger.importers import import_path
    from machi.ledger.models import Pillar, Programme, Project, Ward
    from machi.reports import pdf

    call_command("migrate", verbosity=0)
    import_path(ROOT / "data" / "kumamoto-fy2022", source="bench", actor=SYSTEM)

    started = time.perf_counter()
    pdf.register_font()
    print(f"{'register IPAexGothic (once per process)':<44} {time.perf_counter() - started:6.3f} s")

    biggest = (
        Programme.objects.filter(fiscal_year=2022)
        .annotate(n=Count("projects"))
        .select_related("ward")
        .order_by("-n")
        .first()
    )
    timed(
        f"ward PDF, {biggest.ward.name} ({biggest.n} projects)", lambda: pdf.render_ward_report_pdf(biggest)
    )

    code = f"49100{lgcode.check_digit('49100')}"
    ward = Ward.objects.create(code=code, name="試験区", city_name="試験市")
    programme = Programme.objects.create(
        ward=ward,
        fiscal_year=2022,
        allocation_yen=PROJECTS * 300_000,
        vision="試験のための区",
        priorities="一\n二",
    )
    pillars = [
        Pillar.objects.create(programme=programme, position=i, name=f"柱{i}", description="柱の説明。" * 5)
        for i in range(1, 6)
    ]
    Project.objects.bulk_create(
        Project(
            programme=programme,
            pillar=pillars[(no - 1) * len(pillars) // PROJECTS],
            no=no,
            position=no,
            name=f"地域コミュニティと校区自治協議会の連携による防災まちづくり推進モデル事業{no}",
            name_key=f"bench-{no}",
            description="地域の課題を住民とともに整理し、解決に向けた取組みを進める。" * 4,
            status=("新規", "継続", "拡充", "")[no % 4],
            initial_yen=300_000,
            revised_yen=300_000 - no * 1000,
            settled_yen=280_000 + (no % 7) * 5000,
        )
        for no in range(1, PROJECTS + 1)
    )
    programme = Programme.objects.select_related("ward").get(pk=programme.pk)
    timed(f"ward PDF, generated ward ({PROJECTS} projects)", lambda: pdf.render_ward_report_pdf(programme))
    timed("city PDF, FY2022 (6 wards)", lambda: pdf.render_city_report_pdf(2022))


if __name__ == "__main__":
    sys.exit(main())
