"""The door: helpers for an event, checking parties in, walk-ins, and closing the event as held.

Ward staff grant and revoke the event-helper role for one event (`grant_helper`, `revoke_helper`).
Staff and helpers check a confirmed party in at a session, by its code or its registration
(`check_in`): a repeat is harmless and answers with the check-in already made (when, by whom), a
retried request with the same client nonce gets the same answer, and the database keeps one
check-in per registration and session even when two phones race. A party arriving at the door is
added while seats remain (`add_walk_in`, through the registration's own seat counter). Closing the
event as held (`close_as_held`) marks the confirmed parties checked in at no session as no-shows.
"""

import datetime
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import actor_user
from machi.accounts.models import RoleGrant
from machi.accounts.scope import require_event_helper, require_ward
from machi.audit.actions import record, record_view
from machi.core.errors import NotFound
from machi.core.text import normalize
from machi.events.actions.errors import EventConflict, EventRefused
from machi.events.actions.registration import register
from machi.events.models import CODE_ALPHABET, CODE_LENGTH, CheckIn, Event, EventSession, Registration

HELPER = "event-helper"
# A code as people type or a QR code carries it: six letters of the alphabet, maybe inside a link.
_CODE = re.compile(rf"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー]")


# --- Helpers ------------------------------------------------------------------------------------


def grant_helper(*, actor, event: Event, user) -> RoleGrant:
    """Make a person a helper of one event (staff of its ward); granting twice returns the grant there is."""
    require_ward(actor, event.ward, pgettext("scope", "受付係"))
    with transaction.atomic():
        grant, created = RoleGrant.objects.get_or_create(user=user, role=HELPER, event=event)
        if created:
            record(
                actor=actor,
                action="events.grant_helper",
                obj=event,
                before=None,
                after={"helper": user.pk},
            )
    return grant


def revoke_helper(*, actor, event: Event, user) -> None:
    require_ward(actor, event.ward, pgettext("scope", "受付係"))
    with transaction.atomic():
        deleted, _rows = RoleGrant.objects.filter(user=user, role=HELPER, event=event).delete()
        if not deleted:
            raise NotFound(_("この方はこの催しの受付係ではありません"), code="events.not_helper")
        record(actor=actor, action="events.revoke_helper", obj=event, before={"helper": user.pk}, after=None)


# --- Checking in --------------------------------------------------------------------------------


@dataclass
class CheckInResult:
    checkin: CheckIn
    created: bool

    @property
    def registration(self) -> Registration:
        return self.checkin.registration

    @property
    def by(self) -> str:
        """Who made the check-in, as the door shows it (the helper's display name)."""
        user = self.checkin.checked_in_by
        return str(user) if user is not None else pgettext("受付者", "システム")

    @property
    def message(self) -> str:
        at = timezone.localtime(self.checkin.checked_in_at)
        if self.created:
            return _("%(code)s（%(party)s人）を受け付けました") % {
                "code": self.registration.code,
                "party": self.registration.party_size,
            }
        return _("%(hour)s時%(minute)s分に%(by)sさんが受付済み") % {
            "hour": at.hour,
            "minute": f"{at.minute:02d}",
            "by": self.by,
        }


def code_in(text: str | None) -> str | None:
    """The registration code in what was typed or scanned (full-width, lower case, inside a link)."""
    text = normalize(text).upper()
    compact = _SEPARATORS.sub("", text)
    if _CODE.fullmatch(compact):
        return compact
    words = [word for word in re.split(r"[^A-Z0-9]+", text) if _CODE.fullmatch(word)]
    return words[-1] if words else None


def check_in(
    *,
    actor,
    event: Event,
    session: EventSession,
    code: str | None = None,
    registration: Registration | None = None,
    nonce: str | None = None,
    fee_paid_yen: int | None = None,
) -> CheckInResult:
    """Check a confirmed party in at one session of the event; a repeat returns the check-in there is."""
    require_event_helper(actor, event)
    if session.event_id != event.pk:
        raise NotFound(_("この催しの開催回ではありません"), code="events.session")
    if event.status not in (Event.Status.PUBLISHED, Event.Status.CLOSED):
        raise EventConflict(
            _("%(status)sの催しは受付できません") % {"status": event.get_status_display()},
            code="events.door_closed",
        )
    nonce = (nonce or "").strip() or None
    if nonce is not None:
        retried = _existing(nonce=nonce)
        if retried is not None and retried.registration.event_id == event.pk:
            return CheckInResult(checkin=retried, created=False)
    registration = _registration(event, code=code, registration=registration)
    if registration.status != Registration.Status.CONFIRMED:
        raise EventConflict(_refusal(registration), code="events.not_confirmed")
    if fee_paid_yen is not None and fee_paid_yen < 0:
        raise EventRefused(_("受け取った参加費は0円以上にしてください"), code="events.fee")
    existing = _existing(registration=registration, session=session)
    if existing is not None:
        return CheckInResult(checkin=existing, created=False)
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                registration=registration, session=session, checked_in_by=actor_user(actor), nonce=nonce
            )
            if fee_paid_yen is not None:
                registration.fee_paid_yen = fee_paid_yen
                registration.save(update_fields=["fee_paid_yen"])
            record(
                actor=actor,
                action="events.check_in",
                obj=registration,
                before=None,
                after={"session": session.pk, "fee_paid_yen": fee_paid_yen},
                ward=event.ward_id,
            )
    except IntegrityError:
        # Another phone checked the same party in (or sent the same nonce) a moment before.
        raced = _existing(registration=registration, session=session) or _existing(nonce=nonce)
        if raced is None:
            raise
        return CheckInResult(checkin=raced, created=False)
    checkin.registration = registration
    return CheckInResult(checkin=checkin, created=True)


def _existing(*, registration=None, session=None, nonce=None) -> CheckIn | None:
    rows = CheckIn.objects.select_related("registration", "checked_in_by")
    if nonce is not None:
        return rows.filter(nonce=nonce).first()
    if registration is None:
        return None
    return rows.filter(registration=registration, session=session).first()


def _registration(event: Event, *, code: str | None, registration: Registration | None) -> Registration:
    rows = Registration.objects.filter(event=event).select_related("person")
    if registration is not None:
        found = rows.filter(pk=getattr(registration, "pk", registration)).first()
    else:
        typed = code_in(code)
        found = rows.filter(code=typed).first() if typed else None
    if found is None:
        raise NotFound(
            _("受付番号「%(code)s」の申込はこの催しにありません") % {"code": normalize(code or "")},
            code="events.unknown_code",
        )
    return found


def _refusal(registration: Registration) -> str:
    if registration.status == Registration.Status.WAITLISTED:
        return _("%(code)sはキャンセル待ちの申込のため、受付できません") % {"code": registration.code}
    if registration.status == Registration.Status.ENTERED:
        return _("%(code)sは抽選待ちの申込のため、受付できません") % {"code": registration.code}
    return _("%(code)sは取り消された申込のため、受付できません") % {"code": registration.code}


def record_roster_seen(*, actor, event: Event, rows, action: str, **detail) -> None:
    """Audit that the roster's people were shown (the door's search, the API's roster, a download)."""
    record_view(
        actor=actor,
        action=action,
        obj=event,
        people=[row.registration.person_id for row in rows],
        detail={"registrations": [row.registration.pk for row in rows], **detail},
    )


# --- Walk-ins -----------------------------------------------------------------------------------


def add_walk_in(
    *,
    actor,
    event: Event,
    session: EventSession,
    name: str,
    kana: str = "",
    phone: str = "",
    party_size: int = 1,
    fee_paid_yen: int | None = None,
    now: datetime.datetime | None = None,
) -> CheckInResult:
    """A party arriving at the door: registered while seats remain (the same seat counter) and checked in."""
    with transaction.atomic():
        registration = register(
            actor=actor,
            event=event,
            party_size=party_size,
            caller=(name, kana, phone),
            now=now,
            walk_in=True,
        )
        return check_in(
            actor=actor, event=event, session=session, registration=registration, fee_paid_yen=fee_paid_yen
        )


# --- Closing ------------------------------------------------------------------------------------


def close_as_held(*, actor, event: Event, now: datetime.datetime | None = None) -> int:
    """Mark the event held: confirmed parties checked in at no session become no-shows. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).select_related("ward").get(pk=event.pk)
        require_ward(actor, event.ward, pgettext("scope", "開催済みにする操作"))
        if event.status not in (Event.Status.PUBLISHED, Event.Status.CLOSED):
            raise EventConflict(
                _("%(status)sの催しは開催済みにできません") % {"status": event.get_status_display()},
                code="events.not_closable",
            )
        first = event.sessions.order_by("starts_at").values_list("starts_at", flat=True).first()
        if first is not None and now < first:
            raise EventConflict(_("最初の回が始まる前は開催済みにできません"), code="events.not_started")
        absent = event.registrations.filter(status=Registration.Status.CONFIRMED, checkins__isnull=True)
        no_shows = absent.update(no_show=True)
        before = {"status": event.status}
        event.status = Event.Status.HELD
        event.save(update_fields=["status"])
        record(
            actor=actor,
            action="events.close_as_held",
            obj=event,
            before=before,
            after={"status": event.status, "no_shows": no_shows},
        )
    return no_shows
