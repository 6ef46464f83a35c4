"""The one way Machi sends mail: `send()`.

Every mail — the address check, a password reset, a group's review decision, a booking's
status, a lottery result, a grant's workflow step — is written and sent the same way:

- written now, in the addressee's own language (`translation.override`), from two templates:
  the subject and the body. The subject is cleaned to one line, since a mail header may not
  hold a line break;
- sent after the current transaction commits (`transaction.on_commit`), so an action that
  is rolled back — a refusal, a preview by rollback — tells nobody anything. Outside a
  transaction it is sent at once;
- sent by a background task (`send_email`), which takes only the recipients, the subject and
  the body, all JSON. With the immediate tasks backend (development, tests) the task runs at
  once; with the database backend (production) `machi worker` runs it, so a slow mail server
  never holds up a page.

Callers decide whether there is anyone to write to (a caller booked for at the counter has
no address); `send()` refuses no one and writes to every address it is given.
"""

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task


@task()
def send_email(recipients: list[str], subject: str, body: str) -> int:
    """Hand one written mail to Django's mail backend (SMTP in production). Returns how many were sent."""
    return send_mail(subject, body, None, recipients)


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
) -> None:
    """Write a mail to `to` in `language` now, and send it by a background task once the transaction commits."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return
    subject, body = render(
        subject_template=subject_template, body_template=body_template, context=context, language=language
    )
    # robust: the action has committed by then; a queue that cannot be reached is logged, and the
    # person still sees their action done rather than an error page.
    transaction.on_commit(lambda: send_email.enqueue(recipients, subject, body), robust=True)
