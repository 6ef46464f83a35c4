"""`machi worker`: the one process production runs beside the web servers.

It runs the tasks waiting in the database queue (mail, the due lottery work) as they come —
django-tasks-db's `db_worker`, with all its options — and, every minute, enqueues the work that
falls due with the clock (settings.MACHI_DUE_TASKS: lottery draws, lapsed wins), and once a day
the daily work (settings.MACHI_DAILY_TASKS: personal data past retention), so no cron line is needed. Several workers may run at once; a due task already waiting is not queued twice.

    machi worker                        # production: MACHI_TASKS_BACKEND=database
    machi worker --batch                # enqueue the due work, run everything waiting, exit
    machi worker --no-due-work          # a further worker that only runs the queue

Needs the database backend (MACHI_TASKS_BACKEND=database). In development tasks run at once
and there is nothing to start; `machi facilities_tick` does the due work by hand.
"""

import os
import threading
import time
from argparse import ArgumentTypeError

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from machi.core.checks import COMMAND_CHECKS
from machi.core.tasks import DUE_EVERY_SECONDS, enqueue_daily_work, enqueue_due_work, tick


def _database_backend(name: str) -> str:
    try:
        return db_worker.valid_backend_name(name)
    except ArgumentTypeError as error:
        raise ArgumentTypeError(
            f"{error} — machi worker は MACHI_TASKS_BACKEND=database のときに使います"
            "（開発環境ではタスクはその場で実行されるので、worker は不要です）"
        ) from error


def _every_minute(stop: threading.Event) -> None:
    """Enqueue the due work at each minute's turn until `stop` is set (a daemon thread: it dies with the worker)."""
    while not stop.wait(DUE_EVERY_SECONDS - time.time() % DUE_EVERY_SECONDS):
        tick()


class Command(db_worker.Command):
    help = (
        "バックグラウンドのタスク（メール送信、期限の来た抽選・当選の無効化）を実行する。"
        "毎分、期限の来た処理をキューに入れる（本番: MACHI_TASKS_BACKEND=database）"
    )
    requires_system_checks = COMMAND_CHECKS

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        for action in parser._actions:
            if action.dest == "backend_name":
                action.type = _database_backend
        parser.add_argument(
            "--no-due-work",
            action="store_false",
            dest="due_work",
            help="毎分の期限処理をキューに入れない（キューを実行するだけの追加の worker 用）",
        )

    def handle(self, *, due_work: bool, **options) -> None:
        reloading = options["reload"] and not options["batch"]
        # With --reload the first process only watches the code and restarts a child that works.
        works_here = not reloading or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        if due_work and works_here:
            enqueue_due_work()
            enqueue_daily_work()
            if not options["batch"]:
                threading.Thread(
                    target=_every_minute, args=(threading.Event(),), name="machi-due-work", daemon=True
                ).start()
        super().handle(**options)
