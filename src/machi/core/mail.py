"""The one way Machi sends mail: `send()`.

Every mail — the address check, a password reset, a group's review decision, a booking's
status, a lottery result, a grant's workflow step — is written and sent the same way:

- written now, in the addressee's own language (`translation.override`), from two templates:
  the subject and the body. The subject is cleaned to one line, since a mail header may not
  hold a line break. Or written by the task as it sends (`send_later`): a booking at 9:00 only
  queues its confirmation, and `machi worker` renders it;
- sent after the current transaction commits, so an action that is rolled back — a refusal,
  a preview by rollback — tells nobody anything. With the database queue (production) the task
  is queued inside the action's transaction, so the mail commits with the action or not at all;
  with the immediate one it is enqueued by `transaction.on_commit`. Outside a transaction it is
  sent at once;
- sent by a background task (`send_email`), which takes only the recipients, the subject and
  the body, all JSON. With the immediate tasks backend (development, tests) the task runs at
  once; with the database backend (production) `machi worker` runs it, so a slow mail server
  never holds up a page, and a mail server that is down never turns a committed action into an
  error: the task fails, and is tried again later (`MAIL_ATTEMPTS`, `RETRY_DELAYS`).

Links in a mail are absolute, and built one way, by `absolute_url(path)`: on `MACHI_SITE_URL` when it
is set (production: the public address, whatever host a request came in on); else on the scheme and
host of the request that started the action (`RequestOriginMiddleware` keeps it while the request is
served, so an action called by a page needs no request passed down); else, for mail sent by a
background task or the command line, on `DEFAULT_SITE_URL` (a check warns in production when
`MACHI_SITE_URL` is not set).

A mail may carry files (`attachments`: name, content, MIME type). The content is bytes, which travel
to the task as base64 text (a task's arguments are JSON), or a `Made`: a function and its JSON
arguments that the task calls to make the bytes as it sends, so a request does not spend its time on
a file only the mail needs (a registration's QR code as a PNG).

Callers decide whether there is anyone to write to (a caller booked for at the counter has
no address); `send()` refuses no one and writes to every address it is given.
"""

import base64
import datetime
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend

# Where links point when neither MACHI_SITE_URL nor a request says: `make run`'s address.
DEFAULT_SITE_URL = "http://127.0.0.1:8000"

# The scheme and host of the request being served, if any (set by RequestOriginMiddleware).
_request_origin: ContextVar[str | None] = ContextVar("machi_request_origin", default=None)


def site_url(request=None) -> str:
    """The address links in mail start with: MACHI_SITE_URL, else the request's (this one, or the one
    being served), else DEFAULT_SITE_URL. Without a trailing slash."""
    site = settings.MACHI_SITE_URL
    if not site:
        origin = f"{request.scheme}://{request.get_host()}" if request is not None else _request_origin.get()
        site = origin or DEFAULT_SITE_URL
    return site.rstrip("/")


def absolute_url(path: str, request=None) -> str:
    """`path` (from `reverse`) as a link a mail can hold: see `site_url`."""
    return site_url(request) + path


class RequestOriginMiddleware:
    """Keeps the request's scheme and host while it is served, for the links of the mail it sends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_origin.set(f"{request.scheme}://{request.get_host()}")
        try:
            return self.get_response(request)
        finally:
            _request_origin.reset(token)


@dataclass(frozen=True)
class Made:
    """An attachment's content made by the task that sends the mail: `function` (a dotted path) called
    with `args` (JSON) returns the bytes."""

    function: str
    args: tuple = ()


# A file a mail carries: its name, its content (bytes, or made when sent) and its MIME type.
Attachment = tuple[str, bytes | Made, str]


def _attachment_arg(name: str, content: bytes | Made, mimetype: str) -> list:
    if isinstance(content, Made):
        return [name, {"made_by": content.function, "args": list(content.args)}, mimetype]
    return [name, base64.b64encode(content).decode("ascii"), mimetype]


def _attachment_content(content: str | dict) -> bytes:
    if isinstance(content, dict):
        return import_string(content["made_by"])(*content["args"])
    return base64.b64decode(content)


# A mail the server refused or could not take is tried again, this many times in all, waiting longer
# each time (where the queue can wait: the database queue; the immediate one tries again at once).
MAIL_ATTEMPTS = 5
RETRY_DELAYS = (60, 300, 1800, 7200)  # seconds before the 2nd, 3rd, 4th and 5th attempts

logger = logging.getLogger(__name__)


@task()
def send_email(
    recipients: list[str],
    subject: str,
    body: str,
    attachments: list[list[str]] | None = None,
    attempt: int = 1,
) -> int:
    """Hand one written mail to Django's mail backend (SMTP in production). Returns how many were sent.

    `attachments`: [name, content, MIME type] each (JSON, as every task argument): the content is base64
    text, or {"made_by": dotted path, "args": [...]} for the task to make (`Made`).

    A failure (the mail server down or refusing) is tried again by a new task, `MAIL_ATTEMPTS` in all
    (django-tasks does not retry by itself); this one still fails, so the queue keeps its traceback."""
    return _deliver(recipients, subject, body, attachments, attempt)


@task()
def write_and_send_email(writer: str, args: list) -> int:
    """Write a mail now, in the task, and send it (`send_later`): `writer` (a dotted path) called with
    `args` gives a `Letter`, or None when there is no one to write to any more. A failure to send is
    tried again as `send_email` tries, with the mail as written here."""
    letter = import_string(writer)(*args)
    if letter is None:
        return 0
    subject, body = render(
        subject_template=letter.subject_template,
        body_template=letter.body_template,
        context=letter.context,
        language=letter.language,
    )
    files = [_attachment_arg(name, content, mimetype) for name, content, mimetype in letter.attachments]
    return _deliver(list(letter.to), subject, body, files or None, 1)


def _deliver(recipients, subject, body, attachments, attempt: int) -> int:
    try:
        if not attachments:
            return send_mail(subject, body, None, recipients)
        message = EmailMessage(subject, body, None, recipients)
        for name, content, mimetype in attachments:
            message.attach(name, _attachment_content(content), mimetype)
        return message.send()
    except Exception:
        if attempt < MAIL_ATTEMPTS:
            logger.warning("メールを送れませんでした（%s回目）。もう一度送ります", attempt)
            _retry(recipients, subject, body, attachments, attempt + 1)
        else:
            logger.error("メールを%s回送れませんでした。送るのをやめます: %s", attempt, subject)
        raise


def _retry(recipients, subject, body, attachments, attempt: int) -> None:
    again = send_email
    if again.get_backend().supports_defer:
        delay = RETRY_DELAYS[min(attempt - 2, len(RETRY_DELAYS) - 1)]
        again = send_email.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    again.enqueue(recipients, subject, body, attachments, attempt=attempt)


def render(*, subject_template: str, body_template: str, context: dict, language: str) -> tuple[str, str]:
    """The subject (one line) and the body, written in `language` ("ja" where it is empty)."""
    with translation.override(language or "ja"):
        subject = render_to_string(subject_template, context)
        body = render_to_string(body_template, context)
    return " ".join(subject.split()), body


def send(
    *,
    to: str | Iterable[str],
    subject_template: str,
    body_template: str,
    context: dict,
    language: str,
    attachments: Iterable[Attachment] = (),
) -> None:
    """Write a mail to `to` in `language` now, and send it by a background task once the transaction commits."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return
    subject, body = render(
        subject_template=subject_template, body_template=body_template, context=context, language=language
    )
    files = [_attachment_arg(name, content, mimetype) for name, content, mimetype in attachments]
    queue_task(send_email, *((recipients, subject, body, files) if files else (recipients, subject, body)))


@dataclass(frozen=True)
class Letter:
    """A mail to write: to whom, its two templates, what they read, and in which language."""

    to: tuple[str, ...]
    subject_template: str
    body_template: str
    context: dict
    language: str
    attachments: tuple[Attachment, ...] = ()


def send_later(*, writer: str, args: Iterable = ()) -> None:
    """Queue a mail that the background task writes as it sends it, once the transaction commits: `writer`
    (a dotted path) called there with `args` (JSON) gives the `Letter`, or None for no mail.

    For the mails of a rush (a booking's confirmation at 9:00): the request only queues, and the
    templates are rendered by `machi worker`. What the mail must say as it was at the action (a status,
    a link on the request's host) goes in `args`, since the rows may have changed by the time it is written."""
    queue_task(write_and_send_email, writer, list(args))


def queue_task(mail_task, *args) -> None:
    """Queue a task that sends mail so that it goes only if the action commits: see the module's docstring."""
    if isinstance(mail_task.get_backend(), DatabaseBackend):
        # The queue is a table of the same database: the mail is queued in the action's own transaction,
        # so it commits with it or not at all (a worker killed just after the commit loses no mail).
        mail_task.enqueue(*args)
    else:
        # robust: the action has committed by then; a queue that cannot be reached is logged, and the
        # person still sees their action done rather than an error page.
        transaction.on_commit(lambda: mail_task.enqueue(*args), robust=True)
