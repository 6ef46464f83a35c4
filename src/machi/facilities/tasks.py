"""The facilities' background tasks: what is due at this minute (lottery draws, lapsed wins).

`machi worker` enqueues `run_due_work` every minute (settings.MACHI_DUE_TASKS); `machi
facilities_tick` does the same work at once, for cron or by hand. Running it twice does nothing
more: a lottery is drawn once, and a win lapses once.
"""

import datetime

from django.utils import timezone
from django_tasks import task

from machi.facilities.lottery import run_due


class DueWorkFailed(Exception):
    """Some lottery could not be drawn: the task is recorded as failed, so the operator sees it."""


@task()
def run_due_work(now: str | None = None) -> dict:
    """Draw every lottery whose time has come and lapse every overdue win.

    `now`: an ISO 8601 moment with its offset (the task's arguments are JSON); the present by default.
    Returns what was done, by id: {"drawn": [...], "lapsed": [...], "failed": [...]}.
    """
    moment = datetime.datetime.fromisoformat(now) if now else timezone.now()
    report = run_due(now=moment)
    done = {
        "drawn": [outcome.lottery.pk for outcome in report.drawn],
        "lapsed": [reservation.pk for reservation in report.lapsed],
        "failed": [{"lottery": lottery.pk, "reason": str(reason)} for lottery, reason in report.failed],
    }
    if report.failed:
        raise DueWorkFailed(f"実施できなかった抽選があります：{done}")
    return done
