"""Registering a party, cancelling, and promoting the waiting list (first in, first out).

Each action checks scope through `machi.accounts.scope`, runs in
one transaction and is audited. Registration and cancellation lock the event's row
(`select_for_update`), so the seat counter moves one writer at a time; the database's check
(0 <= seats_taken <= capacity_seats) is the last word, and a breach of it becomes the "full"
refusal, never a 500. Mail goes after commit through `machi.core.mail`.
"""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import SystemActor, actor_user
from machi.accounts.scope import NotAllowed, can_manage_ward, require_ward
from machi.audit.actions import record
from machi.events import emails
from machi.events.actions.errors import EventConflict, EventRefused
from machi.events.models import CODE_ALPHABET, CODE_LENGTH, Event, Registration

# --- Registration -----------------------------------------------------------------------------


def register(
    *,
    actor,
    event: Event,
    party_size: int,
    caller: tuple[str, str, str] | None = None,
    now: datetime.datetime | None = None,
) -> Registration:
    """Register a party: confirmed while seats remain for the whole party, else waiting (the whole party).

    A person registers themselves. Ward staff (of the event's ward) register a caller by phone or at
    the counter: `caller` = (name, kana, phone), recorded as on behalf.
    """
    now = now or timezone.now()
    on_behalf = caller is not None
    if on_behalf:
        require_ward(actor, event.ward, pgettext("scope", "代理申込"))
        name, kana, phone = (part.strip() for part in caller)
        if not name or not phone:
            raise EventRefused(
                _("代理の申込では、申し込む方のお名前と電話番号を入力してください"), code="events.caller"
            )
        person = None
    else:
        if isinstance(actor, SystemActor) or actor is None or not actor.is_authenticated:
            raise NotAllowed(_("申込にはログインが必要です"), code="events.login")
        name = kana = phone = ""
        person = actor
    if not isinstance(party_size, int) or party_size < 1 or party_size > event.max_party:
        raise EventRefused(
            _("1件で申し込める人数は1人から%(max)s人までです（%(party)s人）")
            % {"max": event.max_party, "party": party_size},
            code="events.bad_party",
        )
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        _require_open(event, now)
        if (
            person is not None
            and event.who_may_come == Event.WhoMayCome.WARD_RESIDENTS
            and not person.verified_resident_of(event.ward_id)
        ):
            raise EventRefused(
                _("この催しは区内にお住まいの方（住所の確認済み）が対象です"), code="events.residents_only"
            )
        if (
            person is not None
            and event.registrations.filter(person=person, status__in=Registration.ACTIVE).exists()
        ):
            raise _already_registered()
        fits = event.seats_left >= party_size
        if not fits and not event.waitlist:
            raise _full()
        registration = Registration(
            event=event,
            person=person,
            caller_name=name,
            caller_kana=kana,
            caller_phone=phone,
            party_size=party_size,
            status=Registration.Status.CONFIRMED if fits else Registration.Status.WAITLISTED,
            on_behalf=on_behalf,
            registered_by=actor_user(actor),
            waitlisted_at=None if fits else now,
        )
        _insert(registration)
        if fits:
            _take_seats(event, party_size)
        record(
            actor=actor,
            action="events.register",
            obj=registration,
            before=None,
            after=_registration_snapshot(registration),
            ward=event.ward_id,
        )
    return registration


def cancel(*, actor, registration: Registration, now: datetime.datetime | None = None) -> Registration:
    """Cancel a registration, free its seats and promote the waiting parties that fit, first in first out.

    The person cancels their own until the event's `cancel_until`; after it only staff of the event's
    ward (or the command line). A waiting party too large for the seats freed keeps its place while a
    smaller one behind it is promoted. Each promoted person is mailed after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(of=("self",)).select_related("ward").get(pk=registration.event_id)
        )
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        staff = isinstance(actor, SystemActor) or (
            actor is not None and actor.is_authenticated and can_manage_ward(actor, event.ward_id)
        )
        own = registration.person_id is not None and getattr(actor, "pk", None) == registration.person_id
        if not (staff or own):
            raise NotAllowed(_("この申込を取り消す権限がありません"), code="events.not_yours")
        if registration.status == Registration.Status.CANCELLED:
            raise EventConflict(_("この申込はすでに取り消されています"), code="events.already_cancelled")
        if not staff and now > event.cancel_until:
            raise EventRefused(
                _("取消の期限を過ぎています。区役所にご連絡ください"), code="events.cancel_deadline"
            )
        before = _registration_snapshot(registration)
        was_confirmed = registration.status == Registration.Status.CONFIRMED
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
        if was_confirmed:
            Event.objects.filter(pk=event.pk).update(seats_taken=F("seats_taken") - registration.party_size)
            event.seats_taken -= registration.party_size
        record(
            actor=actor,
            action="events.cancel",
            obj=registration,
            before=before,
            after=_registration_snapshot(registration),
            ward=event.ward_id,
        )
        if event.status in (Event.Status.PUBLISHED, Event.Status.CLOSED):
            _promote(actor, event)
    return registration


def _promote(actor, event: Event) -> list[Registration]:
    """Confirm the waiting parties that fit the seats left, in their order; the rest keep their places."""
    left = event.seats_left
    promoted = []
    if left <= 0:
        return promoted
    waiting = (
        Registration.objects.select_for_update(of=("self",))
        .filter(event=event, status=Registration.Status.WAITLISTED)
        .select_related("person")
        .order_by("waitlisted_at", "id")
    )
    for waiting_party in waiting:
        if left == 0:
            break
        if waiting_party.party_size > left:
            continue  # keeps its place: a later cancellation may free enough for it
        left -= waiting_party.party_size
        promoted.append(waiting_party)
    if not promoted:
        return promoted
    Registration.objects.filter(pk__in=[r.pk for r in promoted]).update(status=Registration.Status.CONFIRMED)
    _take_seats(event, sum(r.party_size for r in promoted))
    for party in promoted:
        party.status = Registration.Status.CONFIRMED
        party.event = event
        record(
            actor=actor,
            action="events.promote",
            obj=party,
            before={"status": Registration.Status.WAITLISTED},
            after={"status": party.status},
            ward=event.ward_id,
        )
        emails.send_promoted(party)
    return promoted


# --- Helpers ----------------------------------------------------------------------------------


def _require_open(event: Event, now: datetime.datetime) -> None:
    if event.status != Event.Status.PUBLISHED:
        raise EventConflict(_("この催しは申込を受け付けていません"), code="events.closed")
    if event.allocation == Event.Allocation.LOTTERY:
        # Drawing places is still to come: a lottery event must not quietly become first come.
        raise EventConflict(_("抽選の催しの申込はまだ受け付けていません"), code="events.lottery")
    if now < event.registration_opens_at:
        raise EventConflict(
            _("申込の受付は%(opens)sからです")
            % {"opens": timezone.localtime(event.registration_opens_at).strftime("%Y-%m-%d %H:%M")},
            code="events.closed",
        )
    if now >= event.registration_closes_at:
        raise EventConflict(_("申込の受付は締め切りました"), code="events.closed")


def _take_seats(event: Event, seats: int) -> None:
    """Add to the counter; the database's check refuses an oversell, which becomes the "full" refusal.

    No savepoint: the refusal leaves the caller's transaction, which rolls back whole.
    """
    try:
        Event.objects.filter(pk=event.pk).update(seats_taken=F("seats_taken") + seats)
    except IntegrityError:
        raise _full() from None
    event.seats_taken += seats


def _insert(registration: Registration) -> None:
    """Save with a fresh code; a second active registration of the person is refused by the database too.

    The database's unique code is the check (a clash, about one in a billion per code issued, is
    retried with a new code): no query asks first.
    """
    for _attempt in range(5):
        registration.code = new_code()
        try:
            with transaction.atomic():
                registration.save()
            return
        except IntegrityError:
            if (
                registration.person_id is not None
                and Registration.objects.filter(
                    event_id=registration.event_id,
                    person_id=registration.person_id,
                    status__in=Registration.ACTIVE,
                ).exists()
            ):
                raise _already_registered() from None
    raise EventConflict(_("受付番号を発行できませんでした。もう一度お試しください"), code="events.code")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_LENGTH))


def _full() -> EventConflict:
    return EventConflict(_("定員に達したため申し込めません"), code="events.full")


def _already_registered() -> EventConflict:
    return EventConflict(_("この催しにはすでに申し込んでいます"), code="events.already_registered")


def _registration_snapshot(registration: Registration) -> dict:
    """What the audit keeps: the code, party and status; a caller's name and phone stay on the row only."""
    return {
        "event": registration.event_id,
        "code": registration.code,
        "party_size": registration.party_size,
        "status": registration.status,
        "on_behalf": registration.on_behalf,
    }
