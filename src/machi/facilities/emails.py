"""Mails about a booking: confirmed, pending approval, approved, declined, cancelled, lottery results.

Written in the holder's own language and sent through `machi.core.mail`: by a background
task once the write has committed. A caller booked for at the counter without an account
has no address: the counter tells them.
"""

from django.urls import reverse

from machi.core import mail


def send_status(reservation, blocks=None) -> None:
    """Tell the holder where their booking stands now. `blocks`: its TimeBlocks in order, if the caller has them."""
    holder = reservation.holder
    if holder is None or not holder.email:
        return
    if blocks is None:
        held = reservation.held_blocks.select_related("block").order_by("block__position")
        blocks = [h.block for h in held]
    context = {
        "reservation": reservation,
        "user": holder,
        "centre": reservation.room.centre,
        "blocks": blocks,
        "url": mail.absolute_url(reverse("facilities:reservation", args=[reservation.pk])),
    }
    mail.send(
        to=holder.email,
        subject_template="facilities/emails/status_subject.txt",
        body_template="facilities/emails/status.txt",
        context=context,
        language=holder.preferred_language,
    )


def send_lottery_results(lottery) -> None:
    """Tell every applicant their result: what they won and by when to confirm, or that they lost."""
    entries = (
        lottery.entries.select_related("applicant", "group", "lottery__centre")
        .prefetch_related("choices__room", "choices__won__held_blocks__block")
        .order_by("id")
    )
    for entry in entries:
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
