"""Machi's background tasks: the settings' list of work due every minute, and how the worker enqueues it.

Tasks are Django's Tasks framework (the django-tasks backport). Which backend runs them comes
from MACHI_TASKS_BACKEND (settings.TASKS): at once in development and tests; from the database,
by `machi worker`, in production. Each app defines its own tasks in its `tasks.py`; the work
that falls due with the clock (a lottery's draw time, a win's confirmation deadline) is named in
settings.MACHI_DUE_TASKS, so core needs to import no app.
"""

import datetime
import logging

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

DUE_EVERY_SECONDS = 60
logger = logging.getLogger(__name__)


def due_tasks() -> list:
    """The tasks named in settings.MACHI_DUE_TASKS: each takes no argument and is safe to run every minute."""
    return [import_string(path) for path in settings.MACHI_DUE_TASKS]


def enqueue_due_work() -> list:
    """Enqueue each due task, unless one is already waiting in the database queue. Returns the results enqueued.

    Several workers may each call this every minute: a task still waiting is not queued a second
    time, and two that slip through both run harmlessly (the due work is re-runnable).
    """
    enqueued = []
    for due in due_tasks():
        backend = due.get_backend()
        if isinstance(backend, DatabaseBackend):
            waiting = DBTaskResult.objects.ready().filter(
                backend_name=backend.alias, task_path=due.module_path
            )
            if waiting.exists():
                continue
        enqueued.append(due.enqueue())
    return enqueued


def daily_tasks() -> list:
    """The tasks named in settings.MACHI_DAILY_TASKS: each takes no argument and is safe to run again."""
    return [import_string(path) for path in settings.MACHI_DAILY_TASKS]


def enqueue_daily_work() -> list:
    """Enqueue each daily task unless it was enqueued since local midnight. Returns the results enqueued.

    The database queue only: it remembers what was enqueued today. In development (tasks run at
    once, no worker) the daily work is run by hand (`machi privacy anonymise`).
    """
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    enqueued = []
    for daily in daily_tasks():
        backend = daily.get_backend()
        if not isinstance(backend, DatabaseBackend):
            continue
        today = DBTaskResult.objects.filter(
            backend_name=backend.alias, task_path=daily.module_path, enqueued_at__gte=midnight
        )
        if not today.exists():
            enqueued.append(daily.enqueue())
    return enqueued


def tick() -> None:
    """One minute's enqueueing, from the worker's clock thread: which then lets its connection go.

    A failure (the database away for a moment) is logged and the next minute tries again: the
    clock must not stop while the worker goes on.
    """
    try:
        enqueue_due_work()
        enqueue_daily_work()
    except Exception:
        logger.exception("期限の来た処理をキューに入れられませんでした（次の分にもう一度試します）")
    finally:
        connections.close_all()  # this thread's own connections only
