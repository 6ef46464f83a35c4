"""The due lottery work as a background task: it draws a lottery whose time has come, at once in
development, or from the database queue by `machi worker` in production, and mails the results."""

import signal

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from tests.facilities.lottery_support import (
    AFTER_CLOSE,
    AFTER_CONFIRM,
    DAY,
    DRAW_TIME,
    IN_WINDOW,
    make_lottery,
)

from machi.facilities import lottery as lotteries
from machi.facilities import tasks
from machi.facilities.models import Lottery, Reservation

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def lottery(centre):
    return make_lottery(centre)


def apply(lottery, user, room):
    return lotteries.apply(
        actor=user, lottery=lottery, choices=[(room, DAY, ["morning"])], group=None, now=IN_WINDOW
    )


@pytest.mark.django_db
def test_the_due_work_task_draws_the_lottery_whose_time_has_come(
    lottery, room, resident, django_capture_on_commit_callbacks
):
    apply(lottery, resident, room)
    early = tasks.run_due_work.enqueue(now=AFTER_CLOSE.isoformat())
    assert early.return_value == {"drawn": [], "lapsed": [], "failed": []}
    assert Lottery.objects.get(pk=lottery.pk).drawn_at is None

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.run_due_work.enqueue(now=DRAW_TIME.isoformat())
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"drawn": [lottery.pk], "lapsed": [], "failed": []}
    assert Lottery.objects.get(pk=lottery.pk).drawn_at == DRAW_TIME
    won = Reservation.objects.get(lottery=lottery)
    assert won.holder == resident and won.status == Reservation.Status.WON
    [message] = mail.outbox
    assert message.to == [resident.email] and message.subject.endswith("抽選の結果：当選")

    again = tasks.run_due_work.enqueue(now=DRAW_TIME.isoformat())
    assert again.return_value == {"drawn": [], "lapsed": [], "failed": []}
    lapsed = tasks.run_due_work.enqueue(now=AFTER_CONFIRM.isoformat())
    assert lapsed.return_value == {"drawn": [], "lapsed": [won.pk], "failed": []}


@pytest.mark.django_db
def test_a_lottery_that_cannot_be_drawn_fails_the_task_so_the_operator_sees_it(lottery, monkeypatch):
    report = lotteries.TickReport(failed=[(lottery, "ほかの方が先に予約しました。")])
    monkeypatch.setattr(tasks, "run_due", lambda now: report)
    result = tasks.run_due_work.enqueue(now=DRAW_TIME.isoformat())
    assert result.status == "FAILED"
    [error] = result.errors
    assert error.exception_class is tasks.DueWorkFailed
    assert f"'lottery': {lottery.pk}" in error.traceback and "ほかの方が先に予約しました。" in error.traceback


@pytest.fixture
def keep_signal_handlers():
    """The worker sets its own SIGINT/SIGTERM handlers; give the test runner its own back."""
    kept = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in kept.items():
        signal.signal(number, handler)


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_runs_the_queued_due_work_and_the_lottery_is_drawn(
    lottery, room, resident, keep_signal_handlers
):
    apply(lottery, resident, room)
    tasks.run_due_work.enqueue(now=DRAW_TIME.isoformat())
    assert Lottery.objects.get(pk=lottery.pk).drawn_at is None  # queued, not run

    call_command("worker", "--batch", "--no-reload", "--no-startup-delay", "--no-due-work", verbosity=0)

    [done] = DBTaskResult.objects.filter(task_path="machi.facilities.tasks.run_due_work")
    assert done.status == "SUCCESSFUL"
    assert done.return_value == {"drawn": [lottery.pk], "lapsed": [], "failed": []}
    assert Lottery.objects.get(pk=lottery.pk).drawn_at == DRAW_TIME
    assert Reservation.objects.get(lottery=lottery).status == Reservation.Status.WON
    [message] = mail.outbox
    assert message.to == [resident.email] and message.subject.endswith("抽選の結果：当選")
