"""`machi worker` with the database backend: a mail waits in the queue after commit, and the worker
sends it; every run enqueues the due work once. Real commits (transaction=True), as in production."""

import os
import re
import signal
import subprocess
import sys
import threading

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from machi.core.tasks import enqueue_daily_work, enqueue_due_work
from machi.facilities.tasks import run_due_work

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SIGNUP = {
    "email": "hanako@example.jp",
    "password1": "kumamoto-castle-2022",
    "password2": "kumamoto-castle-2022",
    "display_name": "熊本 花子",
    "name_kana": "くまもと はなこ",
}


@pytest.fixture
def keep_signal_handlers():
    """The worker sets its own SIGINT/SIGTERM handlers; give the test runner its own back."""
    kept = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in kept.items():
        signal.signal(number, handler)


def work(*extra: str) -> None:
    """`machi worker --batch`: run what is waiting, then exit."""
    call_command("worker", "--batch", "--no-reload", "--no-startup-delay", *extra, verbosity=0)


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_a_signup_queues_its_mail_and_the_worker_sends_it(client, keep_signal_handlers):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    [queued] = DBTaskResult.objects.all()
    assert (queued.task_path, queued.status) == ("machi.core.mail.send_email", "READY")
    assert mail.outbox == []  # the page answered without waiting for the mail server

    work("--no-due-work")

    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL" and queued.return_value == 1
    [message] = mail.outbox
    assert message.to == ["hanako@example.jp"]
    assert message.subject == "【Machi】メールアドレスの確認"
    assert re.search(r"http://testserver/accounts/verify/[^/\s]+/", message.body)


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_a_refused_signup_queues_nothing(client, keep_signal_handlers):
    response = client.post("/accounts/signup/", {**SIGNUP, "password2": "something-else"})
    assert response.status_code == 200
    work("--no-due-work")
    assert not DBTaskResult.objects.exists() and mail.outbox == []


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_enqueues_the_due_work_and_runs_it(keep_signal_handlers):
    work()
    daily, forget, events_due, due = DBTaskResult.objects.order_by("task_path")
    assert due.task_path == "machi.facilities.tasks.run_due_work"
    assert due.status == "SUCCESSFUL"
    assert due.return_value == {"drawn": [], "lapsed": [], "failed": []}
    assert events_due.task_path == "machi.events.tasks.draw_due_lotteries"
    assert (events_due.status, events_due.return_value) == ("SUCCESSFUL", {"drawn": [], "failed": []})
    # The daily work too: the retention of personal data, with nothing past it here.
    assert daily.task_path == "machi.accounts.tasks.anonymise_expired"
    assert daily.status == "SUCCESSFUL"
    assert daily.return_value == {"facilities": 0, "grants": 0, "events": 0, "requests": 0}
    # And forgetting the answers kept for Idempotency-Key retries after 48 hours (none here).
    assert forget.task_path == "machi.accounts.tasks.forget_idempotent_answers"
    assert (forget.status, forget.return_value) == ("SUCCESSFUL", 0)
    work()  # the same day: the daily work is not enqueued again
    assert DBTaskResult.objects.filter(task_path=daily.task_path).count() == 1


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_due_work_already_waiting_is_not_queued_twice():
    first = enqueue_due_work()
    assert [result.task.module_path for result in first] == [
        "machi.facilities.tasks.run_due_work",
        "machi.events.tasks.draw_due_lotteries",
    ]
    assert enqueue_due_work() == []
    assert DBTaskResult.objects.filter(task_path=run_due_work.module_path).count() == 1


@pytest.mark.django_db
def test_the_worker_says_it_needs_the_database_backend():
    with pytest.raises(CommandError, match="MACHI_TASKS_BACKEND=database"):
        call_command("worker", "--batch")


@pytest.mark.django_db
def test_with_the_immediate_backend_the_daily_work_waits_for_the_command():
    assert enqueue_daily_work() == []


@pytest.mark.django_db
def test_with_the_immediate_backend_the_due_work_runs_at_once():
    facilities, events = enqueue_due_work()
    assert (facilities.status, events.status) == ("SUCCESSFUL", "SUCCESSFUL")
    assert facilities.return_value == {"drawn": [], "lapsed": [], "failed": []}
    assert events.return_value == {"drawn": [], "failed": []}
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_clock_logs_a_failed_minute_and_goes_on(monkeypatch, caplog):
    from machi.core import tasks

    def away():
        raise ConnectionError("the database is away")

    monkeypatch.setattr(tasks, "enqueue_due_work", away)
    tasks.tick()
    assert "期限の来た処理をキューに入れられませんでした" in caplog.text
    monkeypatch.undo()
    tasks.tick()
    assert DBTaskResult.objects.filter(task_path=run_due_work.module_path, status="READY").count() == 1


def test_the_workers_clock_ticks_at_each_turn_until_stopped(monkeypatch):
    from machi.core.management.commands import worker

    ticks = []
    monkeypatch.setattr(worker, "DUE_EVERY_SECONDS", 0.1)
    monkeypatch.setattr(worker, "tick", lambda: ticks.append(1))
    stop = threading.Event()
    clock = threading.Thread(target=worker._every_minute, args=(stop,), daemon=True)
    clock.start()
    threading.Event().wait(0.55)
    stop.set()
    clock.join(timeout=1)
    assert not clock.is_alive()
    assert 2 <= len(ticks) <= 6  # about five turns; a busy machine may lose one or two


@pytest.mark.parametrize(("chosen", "backend"), [("", "ImmediateBackend"), ("database", "DatabaseBackend")])
def test_the_tasks_backend_comes_from_the_environment(chosen, backend):
    answer = _settings_with(chosen)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip().endswith(backend)


def test_an_unknown_tasks_backend_stops_machi_with_a_clear_error():
    answer = _settings_with("redis")
    assert answer.returncode != 0
    assert "MACHI_TASKS_BACKEND は immediate / database のどれかにしてください（'redis'）" in answer.stderr


def _settings_with(chosen: str):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "machi.settings"}
    env.pop("MACHI_TASKS_BACKEND", None)
    if chosen:
        env["MACHI_TASKS_BACKEND"] = chosen
    code = "from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_the_deploy_checks_ask_production_to_queue_its_tasks_for_the_worker(settings):
    """Tasks run at once would send mail inside the web request: `machi check --deploy` says so."""
    from machi.core.checks import tasks_wait_for_the_worker

    settings.MACHI_TASKS_BACKEND = "immediate"
    (warning,) = tasks_wait_for_the_worker()
    assert (
        warning.id == "machi.W002" and "MACHI_TASKS_BACKEND" in warning.msg and "machi worker" in warning.hint
    )
    settings.MACHI_TASKS_BACKEND = "database"
    assert tasks_wait_for_the_worker() == []
