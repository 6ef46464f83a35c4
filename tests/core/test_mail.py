"""One way to send mail (machi.core.mail): written in the addressee's language with a one-line
subject, and sent by a background task only once the transaction commits."""

import pytest
from django.core import mail as outbox
from django.db import transaction
from django.test import override_settings
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from machi.core import mail

pytestmark = pytest.mark.django_db

# Two templates of their own, so these tests read the rule and not some app's wording.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "test/subject.txt": '{% load i18n %}{% translate "【Machi】メールアドレスの確認" %}\n'
                        "{{ name }}\n",
                        "test/body.txt": '{% load i18n %}{% translate "審査の結果" %}: {{ name }}\n',
                    },
                )
            ]
        },
    }
]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class Refused(Exception):
    pass


def send(to="hanako@example.jp", *, language="ja", name="花園町内自治会"):
    mail.send(
        to=to,
        subject_template="test/subject.txt",
        body_template="test/body.txt",
        context={"name": name},
        language=language,
    )


@pytest.fixture(autouse=True)
def own_templates(settings):
    settings.TEMPLATES = TEMPLATES


def test_a_mail_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            send()
            assert outbox.outbox == []
        assert outbox.outbox == []  # committed to the test's savepoint; the callbacks run on leaving
    assert len(callbacks) == 1
    [message] = outbox.outbox
    assert message.to == ["hanako@example.jp"]
    assert message.subject == "【Machi】メールアドレスの確認 花園町内自治会"
    assert message.body == "審査の結果: 花園町内自治会\n"


def test_a_rolled_back_action_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Refused),
        transaction.atomic(),
    ):
        send()
        raise Refused
    assert callbacks == [] and outbox.outbox == []


def test_the_mail_is_written_in_the_addressees_language_whatever_the_page_speaks(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), translation.override("ja"):
        send("mary@example.com", language="en")
        send("hanako@example.jp", language="ja")
        send("nobody-chose@example.jp", language="")  # no preference: Japanese
        assert translation.get_language() == "ja"
    english, japanese, unset = outbox.outbox
    assert english.subject == "[Machi] Confirm your email address 花園町内自治会"
    assert english.body == "Decision: 花園町内自治会\n"
    assert japanese.subject == unset.subject == "【Machi】メールアドレスの確認 花園町内自治会"
    assert japanese.body == unset.body == "審査の結果: 花園町内自治会\n"


@pytest.mark.parametrize(
    "name", ["花園\n町内自治会", "花園\r\n町内自治会", "花園\u2028町内自治会", " 花園\t町内自治会 "]
)
def test_the_subject_is_one_line_whatever_the_context_holds(name, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(name=name)
    [message] = outbox.outbox
    assert message.subject == "【Machi】メールアドレスの確認 花園 町内自治会"
    assert len(message.subject.splitlines()) == 1


def test_no_recipient_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send([])
    assert callbacks == [] and outbox.outbox == []


def test_several_recipients_get_one_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(["a@example.jp", "b@example.jp"])
    [message] = outbox.outbox
    assert message.to == ["a@example.jp", "b@example.jp"]


@override_settings(TASKS=DATABASE_TASKS)
def test_the_task_carries_only_the_recipients_subject_and_body_as_json(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(language="en")
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "machi.core.mail.send_email"
    assert queued.args_kwargs == {
        "args": [
            ["hanako@example.jp"],
            "[Machi] Confirm your email address 花園町内自治会",
            "Decision: 花園町内自治会\n",
        ],
        "kwargs": {},
    }
    assert queued.status == "READY" and outbox.outbox == []  # waiting for `machi worker`


@pytest.mark.django_db(transaction=True)
def test_with_real_transactions_only_the_committed_mail_goes():
    with pytest.raises(Refused), transaction.atomic():
        send("rolled-back@example.jp")
        raise Refused
    assert outbox.outbox == []
    with transaction.atomic():
        send("committed@example.jp")
        assert outbox.outbox == []
    [message] = outbox.outbox
    assert message.to == ["committed@example.jp"]


@override_settings(TASKS=DATABASE_TASKS)
def test_a_file_travels_to_the_task_as_base64_and_arrives_attached(django_capture_on_commit_callbacks):
    png = b"\x89PNG\r\n\x1a\n\x00\x01binary"
    with django_capture_on_commit_callbacks(execute=True):
        mail.send(
            to="hanako@example.jp",
            subject_template="test/subject.txt",
            body_template="test/body.txt",
            context={"name": "n"},
            language="ja",
            attachments=[("ABC234.png", png, "image/png")],
        )
    [queued] = DBTaskResult.objects.all()
    recipients, subject, body, files = queued.args_kwargs["args"]
    assert files == [["ABC234.png", "iVBORw0KGgoAAWJpbmFyeQ==", "image/png"]]
    assert mail.send_email.call(recipients, subject, body, files) == 1
    [message] = outbox.outbox
    assert message.attachments == [("ABC234.png", png, "image/png")]


@override_settings(TASKS=DATABASE_TASKS)
def test_a_made_file_is_made_by_the_task_that_sends_the_mail(django_capture_on_commit_callbacks):
    from machi.events.codes import qr_png

    with django_capture_on_commit_callbacks(execute=True):
        mail.send(
            to="hanako@example.jp",
            subject_template="test/subject.txt",
            body_template="test/body.txt",
            context={"name": "n"},
            language="ja",
            attachments=[("ABC234.png", mail.Made("machi.events.codes.qr_png", ("ABC234",)), "image/png")],
        )
    [queued] = DBTaskResult.objects.all()
    recipients, subject, body, files = queued.args_kwargs["args"]
    # The queue holds how to make the file, not the file: the request did not make it.
    assert files == [
        ["ABC234.png", {"made_by": "machi.events.codes.qr_png", "args": ["ABC234"]}, "image/png"]
    ]
    assert mail.send_email.call(recipients, subject, body, files) == 1
    [message] = outbox.outbox
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("ABC234.png", "image/png")
    assert content == qr_png("ABC234") and content.startswith(b"\x89PNG")


@override_settings(TASKS=DATABASE_TASKS)
def test_with_the_database_queue_the_mail_is_queued_in_the_actions_own_transaction():
    """Queued with the write: it commits with it (a worker killed after the commit loses no mail) or not at all."""
    with pytest.raises(Refused), transaction.atomic():
        send("rolled-back@example.jp")
        assert DBTaskResult.objects.count() == 1
        raise Refused
    assert not DBTaskResult.objects.exists() and outbox.outbox == []
    with transaction.atomic():
        send("committed@example.jp")
    [queued] = DBTaskResult.objects.all()
    assert queued.args_kwargs["args"][0] == ["committed@example.jp"]


def letter_to(name: str, code: str = ""):
    """A writer for `send_later`: the task calls it by its dotted path."""
    if name == "nobody":
        return None
    return mail.Letter(
        to=("hanako@example.jp",),
        subject_template="test/subject.txt",
        body_template="test/body.txt",
        context={"name": name},
        language="en",
        attachments=((f"{code}.png", mail.Made("machi.events.codes.qr_png", (code,)), "image/png"),)
        if code
        else (),
    )


@override_settings(TASKS=DATABASE_TASKS)
def test_a_mail_sent_later_is_queued_with_the_action_and_written_by_its_task():
    """The request only queues (`send_later`): the task calls the writer, renders and sends."""
    with pytest.raises(Refused), transaction.atomic():
        mail.send_later(writer="tests.core.test_mail.letter_to", args=("rolled back",))
        raise Refused
    assert not DBTaskResult.objects.exists()
    with transaction.atomic():
        mail.send_later(writer="tests.core.test_mail.letter_to", args=("花園町内自治会",))
        assert outbox.outbox == []  # nothing written in the request
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "machi.core.mail.write_and_send_email"
    assert queued.args_kwargs["args"] == ["tests.core.test_mail.letter_to", ["花園町内自治会"]]
    assert mail.write_and_send_email.call(*queued.args_kwargs["args"]) == 1
    [message] = outbox.outbox
    assert message.subject == "[Machi] Confirm your email address 花園町内自治会"
    assert message.body == "Decision: 花園町内自治会\n"
    assert mail.write_and_send_email.call("tests.core.test_mail.letter_to", ["nobody"]) == 0
    assert len(outbox.outbox) == 1


@override_settings(TASKS=DATABASE_TASKS)
def test_a_mail_written_by_its_task_is_tried_again_as_written(mail_down):
    import smtplib

    with pytest.raises(smtplib.SMTPServerDisconnected):
        mail.write_and_send_email.call("tests.core.test_mail.letter_to", ["花園町内自治会"])
    [again] = DBTaskResult.objects.all()
    assert again.task_path == "machi.core.mail.send_email"
    assert again.args_kwargs == {
        "args": [
            ["hanako@example.jp"],
            "[Machi] Confirm your email address 花園町内自治会",
            "Decision: 花園町内自治会\n",
            None,
        ],
        "kwargs": {"attempt": 2},
    }


def test_a_mail_written_by_its_task_carries_the_files_its_letter_names():
    from machi.events.codes import qr_png

    assert mail.write_and_send_email.call("tests.core.test_mail.letter_to", ["n", "ABC234"]) == 1
    [message] = outbox.outbox
    assert message.attachments == [("ABC234.png", qr_png("ABC234"), "image/png")]
