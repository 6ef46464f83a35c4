"""`machi demo`: load the shipped Kumamoto FY2022 data. Safe to run again: nothing changes.

The ledger first, then the demo community centres and their rooms (centres.csv and
rooms.csv beside it), whose 中央区 centres belong to the ledger's 中央区 No.1, then the
FY2022 community-grant programmes linked to their ledger projects (`machi.grants.demo`).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from machi.accounts.actors import SYSTEM
from machi.core.importing import ImportRefused
from machi.ledger.importers import import_path
from machi.ledger.importers.rows import LedgerImportError


class Command(BaseCommand):
    help = (
        "デモデータ（熊本市 令和4年度 5区のまちづくり推進経費と、デモの地域コミュニティセンター）を読み込む"
    )

    def handle(self, *args, **options):
        dataset = settings.MACHI_DATA_DIR / "kumamoto-fy2022"
        try:
            report = import_path(dataset, source="data/kumamoto-fy2022", actor=SYSTEM)
        except LedgerImportError as error:
            raise CommandError(f"デモデータを読み込めません:\n{error}") from None
        self.stdout.write(report.summary())
        self.load_centres(dataset)
        self.load_grants()

    def load_centres(self, dataset):
        from machi.facilities.importers import import_path as import_centres

        try:
            report = import_centres(dataset, source="デモのセンター", actor=SYSTEM)
        except ImportRefused as error:
            raise CommandError(f"デモのセンターを読み込めません:\n{error}") from None
        self.stdout.write(report.summary())

    def load_grants(self):
        from machi.grants import demo

        self.stdout.write(demo.load(actor=SYSTEM).summary())
