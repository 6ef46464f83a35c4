"""A mail the server would not take is tried again by a new task, later, a bounded number of times."""

import datetime
import smtplib

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from machi.core import mail

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@override_settings(TASKS=DATABASE_TASKS)
def test_the_queue_tries_a_failed_mail_again_later_and_then_gives_up(db, mail_down):
    with pytest.raises(smtplib.SMTPServerDisconnected):
        mail.send_email.call(["hanako@example.jp"], "件名", "本文")

    [again] = DBTaskResult.objects.all()
    assert again.task_path == "machi.core.mail.send_email"
    assert again.args_kwargs == {
        "args": [["hanako@example.jp"], "件名", "本文", None],
        "kwargs": {"attempt": 2},
    }
    assert again.status == "READY"
    wait = again.run_after - timezone.now()
    assert datetime.timedelta(seconds=50) < wait <= datetime.timedelta(seconds=60)

    with pytest.raises(smtplib.SMTPServerDisconnected):
        mail.send_email.call(["hanako@example.jp"], "件名", "本文", None, attempt=mail.MAIL_ATTEMPTS)
    assert DBTaskResult.objects.count() == 1  # the last attempt queues nothing more
    assert len(mail_down) == 2
