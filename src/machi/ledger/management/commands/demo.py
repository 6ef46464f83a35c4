"""`machi demo`: load the shipped Kumamoto FY2022 data. Safe to run again: nothing changes."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.importers.rows import LedgerImportError


class Command(BaseCommand):
    help = "デモデータ（熊本市 令和4年度 5区のまちづくり推進経費）を読み込む"

    def handle(self, *args, **options):
        dataset = settings.MACHI_DATA_DIR / "kumamoto-fy2022"
        try:
            report = import_path(dataset, source="data/kumamoto-fy2022", actor=SYSTEM)
        except LedgerImportError as error:
            raise CommandError(f"デモデータを読み込めません:\n{error}") from None
        self.stdout.write(report.summary())
