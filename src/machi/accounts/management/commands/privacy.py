"""`machi privacy anonymise [--dry-run] [--today YYYY-MM-DD]`: anonymise personal data past retention, now.

The same work `machi worker` does once a day (machi.accounts.tasks). Prints the rows anonymised by
app; a second run prints zeros. `--dry-run` counts and writes nothing.
"""

import datetime
from argparse import ArgumentTypeError

from machi.accounts.actors import SYSTEM
from machi.accounts.privacy import anonymise_expired, retention_cutoff, retention_fiscal_years
from machi.core.management import MachiCommand


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        # argparse's own error: one line and exit 2, not a traceback.
        raise ArgumentTypeError(f"日付は YYYY-MM-DD で指定してください（{text!r}）") from None


class Command(MachiCommand):
    help = "個人情報: 保存期間を過ぎた予約・補助金の申請の個人情報を匿名化する（anonymise）"

    def add_arguments(self, parser):
        actions_ = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        anonymising = actions_.add_parser(
            "anonymise", help="保存期間（MACHI_RETENTION_FISCAL_YEARS 年度）を過ぎた個人情報を匿名化する"
        )
        anonymising.add_argument("--dry-run", action="store_true", help="件数を数えるだけで、変更しない")
        anonymising.add_argument("--today", type=_date, help="この日を今日として数える（YYYY-MM-DD）")

    def handle(self, *args, action, dry_run: bool = False, today=None, **options):
        counts = anonymise_expired(actor=SYSTEM, today=today, dry_run=dry_run)
        cutoff = retention_cutoff(today)
        self.stdout.write(
            f"保存期間: {retention_fiscal_years()}年度（{cutoff:%Y-%m-%d} より前の年度の分が対象）"
            + ("　※試行（変更していません）" if dry_run else "")
        )
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count}")
