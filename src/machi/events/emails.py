"""Mails about a registration, written in the person's language and sent through `machi.core.mail` after commit.

A caller registered by phone or at the counter has no address: staff call them (the pages list them).
Links lead to the person's own pages (my registrations, the event page), never to the API.
"""

from django.urls import reverse

from machi.core import mail
from machi.events.codes import qr_png


def _person(registration):
    person = registration.person
    return person if person is not None and person.email else None


def send_registered(registration) -> bool:
    """The registration's code, with its QR code attached as a PNG, for the door."""
    person = _person(registration)
    if person is None:
        return False
    mail.send(
        to=person.email,
        subject_template="events/emails/registered_subject.txt",
        body_template="events/emails/registered.txt",
        context={
            "registration": registration,
            "event": registration.event,
            "user": person,
            "url": mail.absolute_url(reverse("events:registration", args=[registration.pk])),
        },
        language=person.preferred_language,
        attachments=[(f"{registration.code}.png", qr_png(registration.code), "image/png")],
    )
    return True


def send_promoted(registration) -> bool:
    """Tell a person whose waiting party got its seats."""
    person = _person(registration)
    if person is None:
        return False
    mail.send(
        to=person.email,
        subject_template="events/emails/promoted_subject.txt",
        body_template="events/emails/promoted.txt",
        context={
            "registration": registration,
            "event": registration.event,
            "user": person,
            "url": mail.absolute_url(reverse("events:mine")),
        },
        language=person.preferred_language,
    )
    return True


def send_event_cancelled(registration) -> bool:
    """Tell a registered person that the event is cancelled (中止), with the ward's reason. False: no address."""
    person = _person(registration)
    if person is None:
        return False
    mail.send(
        to=person.email,
        subject_template="events/emails/event_cancelled_subject.txt",
        body_template="events/emails/event_cancelled.txt",
        context={
            "registration": registration,
            "event": registration.event,
            "user": person,
            "url": mail.absolute_url(reverse("events:event", args=[registration.event_id])),
        },
        language=person.preferred_language,
    )
    return True
