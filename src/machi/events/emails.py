"""Mails about a registration, written in the person's language and sent through `machi.core.mail` after commit."""

from django.urls import reverse

from machi.core import mail


def send_promoted(registration) -> None:
    """Tell a person whose waiting party got its seats. A caller registered by phone has no address: staff call."""
    person = registration.person
    if person is None or not person.email:
        return
    mail.send(
        to=person.email,
        subject_template="events/emails/promoted_subject.txt",
        body_template="events/emails/promoted.txt",
        context={
            "registration": registration,
            "event": registration.event,
            "user": person,
            "url": mail.absolute_url(reverse("api-1:event", args=[registration.event_id])),
        },
        language=person.preferred_language,
    )


def send_lottery_result(registration, *, won: bool) -> None:
    """Tell a person the lottery's result for their party: a seat, or their place on the waiting list."""
    person = registration.person
    if person is None or not person.email:
        return
    kind = "won" if won else "lost"
    mail.send(
        to=person.email,
        subject_template=f"events/emails/lottery_{kind}_subject.txt",
        body_template=f"events/emails/lottery_{kind}.txt",
        context={
            "registration": registration,
            "event": registration.event,
            "user": person,
            "url": mail.absolute_url(reverse("api-1:event", args=[registration.event_id])),
        },
        language=person.preferred_language,
    )
