"""Mails about a registration, written in the person's language and sent through `machi.core.mail` after commit."""

from django.urls import reverse

from machi.core import mail


def send_promoted(registration) -> None:
    """Tell a person whose waiting party got its seats. A caller registered by phone has no address: staff call."""
    _send_about(registration, "promoted")


def send_lottery_result(registration, *, won: bool) -> None:
    """Tell a person the lottery's result for their party: a seat, or their place on the waiting list."""
    _send_about(registration, "lottery_won" if won else "lottery_lost")


def _send_about(registration, template: str) -> None:
    """Mail the person of a registration from `events/emails/<template>.txt` and its `_subject.txt`; a
    caller registered by phone, at the counter or at the door has no address (staff call them)."""
    person = registration.person
    if person is None or not person.email:
        return
    mail.send(
        to=person.email,
        subject_template=f"events/emails/{template}_subject.txt",
        body_template=f"events/emails/{template}.txt",
        context={
            "registration": registration,
            "event": registration.event,
            "user": person,
            "url": mail.absolute_url(reverse("api-1:event", args=[registration.event_id])),
        },
        language=person.preferred_language,
    )
