"""Mails about a registration, written in the person's language and sent through `machi.core.mail` after commit.

A caller registered by phone or at the counter has no address: staff call them (the pages list them).
Links lead to the person's own pages (my registrations, the event page), never to the API.
"""

from django.urls import reverse

from machi.core import mail
from machi.events.models import Registration


def _send(registration, *, mail_name: str, url: str, code_png: bool = False) -> bool:
    """Queue `events/emails/<mail_name>.txt` (and its subject) to the registered person, written by the
    background task (`registration_letter`) as the registration stood now. False: no address."""
    person = registration.person
    if person is None or not person.email:
        return False
    mail.send_later(
        writer="machi.events.emails.registration_letter",
        args=(registration.pk, registration.status, mail_name, url, code_png),
    )
    return True


def registration_letter(registration_id: int, status: str, mail_name: str, url: str, code_png: bool):
    """The mail `_send` queued, to the person's address now; with the registration's QR code as a PNG
    (`code_png`), made as it is sent."""
    registration = (
        Registration.objects.select_related("event__ward", "person").filter(pk=registration_id).first()
    )
    person = registration.person if registration is not None else None
    if person is None or not person.email:
        return None  # erased, or anonymised, since
    registration.status = status
    attachments = (
        (
            (
                f"{registration.code}.png",
                mail.Made("machi.events.codes.qr_png", (registration.code,)),
                "image/png",
            ),
        )
        if code_png
        else ()
    )
    return mail.Letter(
        to=(person.email,),
        subject_template=f"events/emails/{mail_name}_subject.txt",
        body_template=f"events/emails/{mail_name}.txt",
        context={"registration": registration, "event": registration.event, "user": person, "url": url},
        language=person.preferred_language,
        attachments=attachments,
    )


def send_registered(registration) -> bool:
    """The registration's code, with its QR code attached as a PNG, for the door (made by the task)."""
    return _send(
        registration,
        mail_name="registered",
        url=mail.absolute_url(reverse("events:registration", args=[registration.pk])),
        code_png=True,
    )


def send_promoted(registration) -> bool:
    """Tell a person whose waiting party got its seats."""
    return _send(registration, mail_name="promoted", url=mail.absolute_url(reverse("events:mine")))


def send_event_cancelled(registration) -> bool:
    """Tell a registered person that the event is cancelled (中止), with the ward's reason."""
    return _send(
        registration,
        mail_name="event_cancelled",
        url=mail.absolute_url(reverse("events:event", args=[registration.event_id])),
    )


def send_lottery_result(registration, *, won: bool) -> bool:
    """Tell a person the lottery's result for their party: a seat, or their place on the waiting list."""
    return _send(
        registration,
        mail_name="lottery_won" if won else "lottery_lost",
        url=mail.absolute_url(reverse("events:registration", args=[registration.pk])),
    )


def send_proposal_decided(event) -> bool:
    """Tell the proposing group's representative that ward staff approved (published) or declined their
    event, with the reason. False: no group, or no address."""
    group = event.organiser_group
    representative = group.representative if group is not None else None
    if representative is None or not representative.email:
        return False
    approved = event.status == event.Status.PUBLISHED
    url = reverse("events:event", args=[event.pk]) if approved else reverse("events:organise")
    mail.send(
        to=representative.email,
        subject_template="events/emails/proposal_decided_subject.txt",
        body_template="events/emails/proposal_decided.txt",
        context={
            "event": event,
            "group": group,
            "user": representative,
            "approved": approved,
            "url": mail.absolute_url(url),
        },
        language=representative.preferred_language,
    )
    return True
