"""`machi facilities_tick`: what is due at this minute — draw the lotteries whose time has come,
and release the wins not confirmed by their deadline — done now, in this process, with a report.

In production `machi worker` does the same work every minute as a background task
(machi.facilities.tasks.run_due_work); this command is for doing it by hand (in development,
where no worker runs), or from cron where no worker can run:

    * * * * *  machi facilities_tick

Running it twice does nothing more: a lottery is drawn once, and a win lapses once.
"""

from django.core.management.base import CommandError
from django.utils import timezone

from machi.core.management import MachiCommand
from machi.facilities.lottery import run_due


class Command(MachiCommand):
    help = "期限の来た処理を実行する：抽選の実施、確認期限を過ぎた当選の無効化（cron で毎分）"

    def handle(self, *args, **options):
        report = run_due(now=timezone.now())
        for outcome in report.drawn:
            lottery = outcome.lottery
            self.stdout.write(
                f"抽選を実施しました：{lottery.centre.name} {lottery.month:%Y年%-m月}分"
                f"（申込 {outcome.entries}件、当選 {outcome.winners}件）"
            )
        for reservation in report.lapsed:
            self.stdout.write(
                f"確認期限を過ぎた当選を無効にしました：{reservation.room} {reservation.date:%Y年%-m月%-d日}"
                f"（受付番号 {reservation.receipt_number}）"
            )
        for lottery, message in report.failed:
            self.stderr.write(f"抽選を実施できませんでした：{lottery}：{message}")
        if not (report.drawn or report.lapsed or report.failed):
            self.stdout.write("期限の来た処理はありませんでした")
        if report.failed:
            # A non-zero exit, so cron mails the operator.
            raise CommandError(f"実施できなかった抽選が{len(report.failed)}件あります")
