"""Mails about a booking: confirmed, pending approval, approved, declined, cancelled, lottery results.

Written in the holder's own language and sent through `machi.core.mail`: by a background
task once the write has committed. A caller booked for at the counter without an account
has no address: the counter tells them.
"""

from django.db import transaction
from django.urls import reverse
from django_tasks import task

from machi.core import mail
from machi.facilities.models import Lottery, Reservation


def send_status(reservation) -> None:
    """Tell the holder where their booking stands now: the mail is written by the background task
    (`status_letter`), so a booking at 9:00 spends no time on templates."""
    holder = reservation.holder
    if holder is None or not holder.email:
        return
    mail.send_later(
        writer="machi.facilities.emails.status_letter",
        args=(
            reservation.pk,
            reservation.status,
            mail.absolute_url(reverse("facilities:reservation", args=[reservation.pk])),
        ),
    )


def status_letter(reservation_id: int, status: str, url: str) -> mail.Letter | None:
    """The status mail of a booking as it stood when it was queued (`status`), to its holder's address now."""
    reservation = (
        Reservation.objects.select_related("room__centre", "holder")
        .prefetch_related("held_blocks__block")
        .filter(pk=reservation_id)
        .first()
    )
    if reservation is None or reservation.holder is None or not reservation.holder.email:
        return None  # erased, or anonymised, since
    reservation.status = status
    holder = reservation.holder
    return mail.Letter(
        to=(holder.email,),
        subject_template="facilities/emails/status_subject.txt",
        body_template="facilities/emails/status.txt",
        context={
            "reservation": reservation,
            "user": holder,
            "centre": reservation.room.centre,
            "blocks": sorted(
                (held.block for held in reservation.held_blocks.all()), key=lambda b: b.position
            ),
            "url": url,
        },
        language=holder.preferred_language,
    )


def send_lottery_results(lottery) -> None:
    """Tell every applicant their result: what they won and by when to confirm, or that they lost."""
    # Not the entries' own lottery row: each would carry the whole draw log again.
    entries = (
        lottery.entries.select_related("applicant", "group")
        .prefetch_related("choices__room", "choices__won__room", "choices__won__held_blocks__block")
        .order_by("id")
    )
    for entry in entries:
        entry.lottery = lottery
        applicant = entry.applicant
        if not applicant.email:
            continue
        won = next((choice for choice in entry.choices.all() if choice.won_id), None)
        context = {
            "entry": entry,
            "lottery": lottery,
            "centre": lottery.centre,
            "user": applicant,
            "choice": won,
            "reservation": won.won if won else None,
            "url": mail.absolute_url(reverse("facilities:lottery-entry", args=[lottery.pk])),
        }
        mail.send(
            to=applicant.email,
            subject_template="facilities/emails/lottery_result_subject.txt",
            body_template="facilities/emails/lottery_result.txt",
            context=context,
            language=applicant.preferred_language,
        )


@task()
def lottery_results_task(lottery_id: int) -> None:
    """`send_lottery_results` by a background task: writing 5,000 applicants' mails takes seconds the
    draw need not wait for."""
    with transaction.atomic():  # on the database queue, the mails' tasks queued in one commit
        send_lottery_results(Lottery.objects.select_related("centre").get(pk=lottery_id))


def send_lottery_results_later(lottery) -> None:
    """Queue the results mail of a lottery being drawn: inside the draw's transaction with the database
    queue (it commits with the draw or not at all), else once the draw has committed."""
    mail.queue_task(lottery_results_task, lottery.pk)
