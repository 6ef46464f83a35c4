"""`machi demo`: load the shipped Kumamoto FY2022 data. Safe to run again: nothing changes.

Each app that has demo data says so with a `load_demo(dataset, *, actor)` method on its
AppConfig, which returns a report with a `summary()` (or raises ImportRefused) and names
what it loads in `demo_label`; they run in INSTALLED_APPS order, so
the ledger comes first, then the demo community centres and their rooms (centres.csv and
rooms.csv beside it, whose 中央区 centres belong to the ledger's 中央区 No.1), then the FY2022
community-grant programmes linked to their ledger projects. The ledger does not know the
services: they find it, not the other way round.

Beside FY2022, each app makes the current fiscal year tryable: the ledger carries each ward's programme
forward as a demo (`ledger.demo`), the centres put a coming month to lottery, the grants open a round
(their `demo` modules). A second run the same day changes nothing and says so.
"""

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError

from machi.accounts.actors import SYSTEM
from machi.core.importing import ImportRefused
from machi.core.management import MachiCommand


class Command(MachiCommand):
    help = (
        "デモデータ（熊本市 令和4年度 5区のまちづくり推進経費と、デモの地域コミュニティセンター）を読み込む"
    )

    def handle(self, *args, **options):
        dataset = settings.MACHI_DATA_DIR / "kumamoto-fy2022"
        changed = False
        for config in apps.get_app_configs():
            if not hasattr(config, "load_demo"):
                continue
            try:
                report = config.load_demo(dataset, actor=SYSTEM)
            except ImportRefused as error:
                raise CommandError(f"{config.demo_label}を読み込めません:\n{error}") from None
            self.stdout.write(report.summary())
            changed |= getattr(report, "changed_anything", True)
        if not changed:
            self.stdout.write("変更はありません（デモデータはすでに最新です）")
