"""Mails about a booking: confirmed, pending approval, approved, declined, cancelled, lottery results.

Sent after the write has committed (`transaction.on_commit` in the actions), in the
holder's own language. A caller booked for at the counter without an account has no
address: the counter tells them.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


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
        "url": settings.MACHI_SITE_URL + reverse("facilities:reservation", args=[reservation.pk]),
    }
    with translation.override(holder.preferred_language or "ja"):
        subject = render_to_string("facilities/emails/status_subject.txt", context)
        body = render_to_string("facilities/emails/status.txt", context)
    send_mail(" ".join(subject.split()), body, None, [holder.email])


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
            "url": settings.MACHI_SITE_URL + reverse("facilities:lottery-entry", args=[lottery.pk]),
        }
        with translation.override(applicant.preferred_language or "ja"):
            subject = render_to_string("facilities/emails/lottery_result_subject.txt", context)
            body = render_to_string("facilities/emails/lottery_result.txt", context)
        send_mail(" ".join(subject.split()), body, None, [applicant.email])
