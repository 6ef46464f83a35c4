"""Registering a party, cancelling, and promoting the waiting list (first in, first out).

Each action checks scope through `machi.accounts.scope`, runs in
one transaction and is audited. Cancellation, and every registration but a party that fits a
first-come event, lock the event's row (`select_for_update`), so the seat counter moves one writer at a
time; a party that fits takes its seats last, locking the row only for its commit (`register`). The
database's check (0 <= seats_taken <= capacity_seats) is the last word, and a breach of it becomes the
"full" refusal, never a 500. Mail goes after commit through `machi.core.mail`.
"""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import SystemActor, actor_user
from machi.accounts.scope import NotAllowed, can_manage_ward, require_event_helper, require_ward
from machi.audit.actions import record
from machi.core.text import normalize
from machi.events import emails
from machi.events.actions.errors import EventConflict, EventRefused
from machi.events.actions.lottery import seed_lottery
from machi.events.models import CODE_ALPHABET, CODE_LENGTH, Event, Registration

# --- Registration -----------------------------------------------------------------------------


def register(
    *,
    actor,
    event: Event,
    party_size: int,
    caller: tuple[str, str, str] | None = None,
    answers: dict | None = None,
    now: datetime.datetime | None = None,
    walk_in: bool = False,
) -> Registration:
    """Register a party: confirmed while seats remain for the whole party, else waiting (the whole party).

    A person registers themselves. Ward staff (of the event's ward) register a caller by phone or at
    the counter: `caller` = (name, kana, phone), recorded as on behalf. `answers` answer the event's
    own questions ({question id: text or choice}), checked by `clean_answers`. The person is mailed
    the registration's code (and its QR code) after commit. Where places are drawn, the party is
    entered in the lottery (ENTERED, no seat yet; `actions.lottery.draw`).

    A walk-in (`walk_in=True`, with a `caller`) is a party arriving at the door, added by the event's
    staff or helpers through `actions.attendance.add_walk_in`: outside the registration window, while
    the event is not yet held, and only while seats remain for the whole party (never waiting).
    """
    now = now or timezone.now()
    on_behalf = caller is not None
    if on_behalf:
        if walk_in:
            require_event_helper(actor, event, pgettext("scope", "当日参加の受付"))
        else:
            require_ward(actor, event.ward, pgettext("scope", "代理申込"))
        name, kana, phone = (part.strip() for part in caller)
        if not name:
            raise EventRefused(_("申し込む方のお名前を入力してください"), code="events.caller")
        if not phone and not walk_in:
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
    # A party at the door is not held up by the event's questions; answers given are still checked.
    answers = {} if walk_in and not answers else clean_answers(event, answers)
    # The database's unique indexes refuse a second active registration of the person, and a code
    # already issued (about one in a billion): the whole transaction is undone (no savepoint, two
    # statements fewer), and only then is it asked which one it was.
    # A party that fits a first-come event is first tried without the event's lock, the seats taken last
    # (`_take_seats`): the row is locked for the commit alone, not for the whole registration, so the
    # registrations of a popular event do not wait on each other's work. Where the seats went meanwhile,
    # it is tried again with the lock, as every other registration is.
    locked = walk_in
    for _attempt in range(5):
        try:
            with transaction.atomic():
                # Unlocked, the event as the caller read it serves where it read all of it: its status and
                # seats are checked again as the seats are taken.
                if locked or event.get_deferred_fields():
                    event = (Event.objects.select_for_update() if locked else Event.objects).get(pk=event.pk)
                try:
                    _require_may_register(event, person, now=now, walk_in=walk_in)
                except EventRefused:
                    if locked:
                        raise
                    raise _Contended from None  # the caller's copy may be behind: the locked read decides
                lottery = event.allocation == Event.Allocation.LOTTERY and not walk_in
                # A second active registration of the person is refused by the database's unique index (`_insert`):
                # no query asks first, but where the event is full, their own retry still hears it is theirs.
                fits = event.seats_left >= party_size
                if not locked and (lottery or not fits):
                    raise _Contended
                if not fits and (walk_in or not event.waitlist) and not lottery:
                    if person is not None and (mine := _active_registration(event.pk, person.pk)):
                        raise AlreadyRegistered(mine)
                    raise _full()
                if lottery:
                    seed_lottery(event)
                    status = Registration.Status.ENTERED
                else:
                    status = Registration.Status.CONFIRMED if fits else Registration.Status.WAITLISTED
                registration = Registration(
                    event=event,
                    person=person,
                    caller_name=name,
                    caller_kana=kana,
                    caller_phone=phone,
                    party_size=party_size,
                    status=status,
                    on_behalf=on_behalf,
                    walk_in=walk_in,
                    registered_by=actor_user(actor),
                    waitlisted_at=now if status == Registration.Status.WAITLISTED else None,
                    answers=answers,
                )
                _insert(registration)
                record(
                    actor=actor,
                    action="events.register",
                    obj=registration,
                    before=None,
                    after=_registration_snapshot(registration),
                    ward=event.ward_id,
                )
                registration.event = event
                emails.send_registered(registration)
                if status == Registration.Status.CONFIRMED:
                    _take_seats(event, party_size, locked=locked)
            return registration
        except _NotUnique:
            if person is not None and (mine := _active_registration(event.pk, person.pk)):
                raise AlreadyRegistered(mine) from None
        except _Contended:
            locked = True
    raise EventConflict(_("受付番号を発行できませんでした。もう一度お試しください"), code="events.code")


MAX_ANSWER = 1000


def clean_answers(event: Event, answers: dict | None) -> dict[str, str]:
    """The answers to the event's own questions as stored ({question id as text: answer}), or a refusal
    in words: a required question left empty, a choice not among the question's, a question the event
    does not ask. The one check for the web form and the API."""
    given = {
        str(key).strip(): ("" if value is None else str(value).strip())
        for key, value in (answers or {}).items()
    }
    questions = list(event.questions.all())
    known = {str(question.pk) for question in questions}
    unknown = sorted(key for key in given if key not in known)
    if unknown:
        raise EventRefused(
            _("この催しにない質問への回答です（%(ids)s）") % {"ids": "、".join(unknown)},
            code="events.answers",
        )
    cleaned = {}
    for question in questions:
        answer = given.get(str(question.pk), "")
        if not answer:
            if question.required:
                raise EventRefused(
                    _("「%(question)s」に回答してください") % {"question": question.text},
                    code="events.answer_required",
                )
            continue
        if len(answer) > MAX_ANSWER:
            raise EventRefused(
                _("「%(question)s」への回答は%(max)s文字以内にしてください")
                % {"question": question.text, "max": MAX_ANSWER},
                code="events.answer_too_long",
            )
        if question.kind == question.Kind.CHOICE:
            matching = [choice for choice in question.choice_list if normalize(choice) == normalize(answer)]
            if matching:
                answer = matching[0]
        if question.kind == question.Kind.CHOICE and answer not in question.choice_list:
            raise EventRefused(
                _("「%(question)s」の回答は選択肢（%(choices)s）から選んでください")
                % {"question": question.text, "choices": "、".join(question.choice_list)},
                code="events.answer_choice",
            )
        cleaned[str(question.pk)] = answer
    return cleaned


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
            _promote(actor, event, now)
    return registration


def _promote(actor, event: Event, now: datetime.datetime) -> list[Registration]:
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
    Registration.objects.filter(pk__in=[r.pk for r in promoted]).update(
        status=Registration.Status.CONFIRMED, promoted_at=now
    )
    _take_seats(event, sum(r.party_size for r in promoted))
    for party in promoted:
        party.status = Registration.Status.CONFIRMED
        party.promoted_at = now
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


def _require_may_register(event: Event, person, *, now: datetime.datetime, walk_in: bool) -> None:
    """The event takes registrations (a walk-in, at the door) and this person may come to it."""
    if walk_in:
        _require_door_open(event)
    else:
        _require_open(event, now)
    if (
        person is not None
        and event.who_may_come == Event.WhoMayCome.WARD_RESIDENTS
        and not person.verified_resident_of(event.ward_id)
    ):
        raise EventRefused(
            _("この催しは区内にお住まいの方（住所の確認済み）が対象です"), code="events.residents_only"
        )


def _require_open(event: Event, now: datetime.datetime) -> None:
    if event.status != Event.Status.PUBLISHED:
        raise EventConflict(_("この催しは申込を受け付けていません"), code="events.closed")
    if now < event.registration_opens_at:
        raise EventConflict(
            _("申込の受付は%(opens)sからです")
            % {"opens": timezone.localtime(event.registration_opens_at).strftime("%Y-%m-%d %H:%M")},
            code="events.closed",
        )
    if now >= event.registration_closes_at:
        raise EventConflict(_("申込の受付は締め切りました"), code="events.closed")


def _require_door_open(event: Event) -> None:
    """A walk-in joins an event that is public and not yet held (registration may have closed)."""
    if event.status not in (Event.Status.PUBLISHED, Event.Status.CLOSED):
        raise EventConflict(
            _("%(status)sの催しには当日参加を受け付けられません") % {"status": event.get_status_display()},
            code="events.door_closed",
        )


def _take_seats(event: Event, seats: int, *, locked: bool = True) -> None:
    """Add to the counter; the database's check refuses an oversell, which becomes the "full" refusal.

    No savepoint: the refusal leaves the caller's transaction, which rolls back whole. With the event read
    without its lock (`locked=False`), the counter moves only while the event's status is still the one
    read, and a refusal is `_Contended` (try again locked) rather than "full"."""
    rows = (
        Event.objects.filter(pk=event.pk)
        if locked
        else Event.objects.filter(pk=event.pk, status=event.status)
    )
    try:
        moved = rows.update(seats_taken=F("seats_taken") + seats)
    except IntegrityError:
        raise (_full() if locked else _Contended()) from None
    if not moved:
        raise _Contended
    event.seats_taken += seats


class _Contended(Exception):
    """Read without the event's lock, the registration cannot go on as read: try it again with the lock."""


def _insert(registration: Registration) -> None:
    """Save with a fresh code. No query asks first: the database's unique indexes refuse a second active
    registration of the person and a code already issued, as `_NotUnique` (the caller's transaction
    undone with it)."""
    registration.code = new_code()
    try:
        with transaction.atomic(savepoint=False):
            registration.save()
    except IntegrityError:
        raise _NotUnique from None


class _NotUnique(Exception):
    """The registration's insert was refused by a unique index (`_insert`)."""


def _active_registration(event_id: int, person_id: int) -> Registration | None:
    """The person's active registration for the event (at most one: a unique index says so)."""
    return Registration.objects.filter(
        event_id=event_id, person_id=person_id, status__in=Registration.ACTIVE
    ).first()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_LENGTH))


def _full() -> EventConflict:
    return EventConflict(_("定員に達したため申し込めません"), code="events.full")


class AlreadyRegistered(EventConflict):
    """The person has an active registration for the event already (409); `registration` is it.

    The API answers 200 with it and the register form shows it: a person who pressed again, or whose
    answer never arrived, is told they are registered, not refused."""

    default_code = "events.already_registered"

    def __init__(self, registration: Registration):
        super().__init__(_("この催しにはすでに申し込んでいます"))
        self.registration = registration


def _registration_snapshot(registration: Registration) -> dict:
    """What the audit keeps: the code, party and status; a caller's name and phone stay on the row only."""
    return {
        "event": registration.event_id,
        "code": registration.code,
        "party_size": registration.party_size,
        "status": registration.status,
        "on_behalf": registration.on_behalf,
        "walk_in": registration.walk_in,
    }
