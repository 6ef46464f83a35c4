"""Event registrations in a person's rights over their data (see machi.accounts.privacy).

A registration made by a person holds no name or phone of theirs (those are a phone caller's, or a
walk-in's at the door, kept only on registrations without an account); it holds their answers to
the event's own questions. The door adds when the party was checked in at each session, whether it
was a no-show, the fee paid, and, for a lottery, its tier (a verified resident, new to the project
this year, or neither) and drawn position.

What is erased (forgetting a person; retention) is who registered and what they wrote: the account
link (retention only), a caller's name, kana and phone, and the answers. The party size, status,
check-ins and fee stay, for the event's outcomes and the ledger.
"""

import datetime

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from machi.accounts.privacy import anonymise_rows, rows
from machi.events.models import CheckIn, Event, Registration

ERASED_CALLER = {"caller_name": "", "caller_kana": "", "caller_phone": "", "answers": {}}


def personal_data(user) -> dict[str, list[dict]]:
    return {
        "event_registrations": rows(
            Registration.objects.filter(person=user).order_by("created_at", "id"),
            [
                "id",
                "event__title",
                "code",
                "party_size",
                "status",
                "answers",
                "created_at",
                "waitlisted_at",
                "cancelled_at",
                "lottery_tier",
                "drawn_position",
                "no_show",
                "fee_paid_yen",
            ],
        ),
        # When the person's party was checked in at the door; the helper is named as the door names them.
        "event_checkins": rows(
            CheckIn.objects.filter(registration__person=user).order_by("checked_in_at", "id"),
            ["registration__code", "registration__event__title", "session__position", "checked_in_at"],
        ),
    }


def deletion_refusals(user, now: datetime.datetime | None = None) -> list[str]:
    """A registration for an event still to come needs its person: the door checks them in by it."""
    now = now or timezone.now()
    upcoming = (
        Registration.objects.filter(person=user, status__in=Registration.ACTIVE)
        .exclude(event__status__in=(Event.Status.CANCELLED, Event.Status.HELD))
        .filter(event__sessions__ends_at__gte=now)
        .values("pk")
        .distinct()
        .count()
    )
    if not upcoming:
        return []
    return [
        _("これからの催しの申込が%(count)d件あります。申込を取り消すか、催しが終わってから削除してください。")
        % {"count": upcoming}
    ]


def forget_person(user, *, actor) -> None:
    """The person's registrations keep their account (now anonymised) but lose their answers."""
    anonymise_rows(
        Registration.objects.filter(person=user).exclude(answers={}),
        {"answers": {}},
        actor=actor,
        action="events.anonymise_registration",
    )


def anonymise_expired(before: datetime.date, *, actor) -> int:
    """Registrations for events whose last session ended before `before` lose who registered and what
    they wrote (each once: an anonymised row is not found again)."""
    cutoff = datetime.datetime.combine(before, datetime.time(), tzinfo=timezone.get_current_timezone())
    ended = Event.objects.annotate(last_end=Max("sessions__ends_at")).filter(last_end__lt=cutoff)
    expired = Registration.objects.filter(event__in=ended.values("pk")).filter(
        Q(person__isnull=False) | ~Q(caller_name="") | ~Q(caller_kana="") | ~Q(caller_phone="")
    )
    return anonymise_rows(
        expired, {"person": None, **ERASED_CALLER}, actor=actor, action="events.anonymise_registration"
    )
