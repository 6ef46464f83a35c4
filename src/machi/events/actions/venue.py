"""An event in a Machi room holds the room's time blocks, through the facilities booking guarantee.

Publishing the event books, for each session, the blocks of the room's centre that the session's
time overlaps (午前 9:00–12:00 …): one confirmed facilities `Reservation` per session, held in the
name of the organiser (the ward office, or the group), for the event's own use, without a fee (a rent
the event pays is one of its expenses, 使用料及び賃借料). From then on the database's guard on held
time (`machi.facilities.time_guards`) refuses any booking over it, a resident's as any other. A
session whose room time is already held, a day the centre is closed, or a time outside its blocks
refuses the publishing with a message naming the session, and nothing is written. Cancelling the
event releases the blocks (`release_venue`).

These run inside the caller's transaction (publishing, cancelling), which holds the event's row lock.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from machi.accounts.actors import actor_user
from machi.accounts.scope import require_ward
from machi.audit.actions import record
from machi.core import dates
from machi.core.display import join_clauses, join_words, time_range
from machi.events.actions.errors import EventConflict, EventRefused
from machi.events.models import Event, EventSession
from machi.facilities.actions import SlotTaken, hold_blocks, snapshot, transition
from machi.facilities.models import Reservation, Room, TimeBlock
from machi.facilities.queries import closure_reason, held_times, is_held


def hold_venue(*, actor, event: Event) -> list[Reservation]:
    """Hold the venue room's blocks for each session of the event that does not hold them yet."""
    if event.venue_room_id is None:
        return []
    require_ward(actor, event.ward)
    room = Room.objects.select_related("centre").get(pk=event.venue_room_id)
    centre = room.centre
    if centre.ward_id != event.ward_id:
        raise EventRefused(
            _("会場の部屋は%(ward)sの地域コミュニティセンターから選んでください（%(centre)s）")
            % {"ward": event.ward.name, "centre": centre.name},
            code="events.venue_ward",
        )
    blocks = list(centre.blocks.order_by("position"))
    sessions = list(event.sessions.filter(venue_booking__isnull=True).order_by("position", "starts_at"))
    wanted = [(session, *_blocks_of(session, room, blocks)) for session in sessions]
    held = held_times(room=room, date__in={day for _session, day, _blocks in wanted})
    clashes = [
        _session_label(session, day, [b for b in covering if is_held(held, room.pk, day, b)])
        for session, day, covering in wanted
        if any(is_held(held, room.pk, day, b) for b in covering)
    ]
    if clashes:
        raise _taken(room, clashes)
    # Stored as data (the day sheet's and the booking's holder), in Japanese as every holder's name is.
    organiser = event.organiser_group.name if event.organiser_group_id else f"{event.ward.name}役所"
    reservations = []
    for session, day, covering in wanted:
        reservation = Reservation.objects.create(
            room=room,
            date=day,
            status=Reservation.Status.CONFIRMED,
            holder_name=organiser,
            purpose=event.title,
            attendees=min(event.capacity_seats, room.capacity),
            booked_by=actor_user(actor),
            fee_yen=0,
        )
        try:
            hold_blocks(reservation, covering)
        except SlotTaken:  # booked in the instant between the check and the hold
            raise _taken(room, [_session_label(session, day, covering)]) from None
        session.venue_booking = reservation
        session.save(update_fields=["venue_booking"])
        record(
            actor=actor,
            action="events.hold_venue",
            obj=reservation,
            before=None,
            after={
                **snapshot(reservation, [b.code for b in covering]),
                "event": event.pk,
                "session": session.position,
            },
            ward=event.ward_id,
        )
        reservations.append(reservation)
    return reservations


def release_venue(*, actor, event: Event, reason: str = "") -> list[Reservation]:
    """Let go of the room's blocks every session of the event holds (the event is cancelled): others may book them."""
    require_ward(actor, event.ward)
    released = []
    bookings = Reservation.objects.filter(
        event_session__event=event, status__in=Reservation.HOLDING
    ).order_by("date", "pk")
    for reservation in bookings:
        released.append(
            transition(
                actor=actor,
                reservation=reservation,
                allowed=Reservation.HOLDING,
                to=Reservation.Status.CANCELLED,
                action="events.release_venue",
                reason=(reason or f"催し「{event.title}」の中止")[:200],  # data, as a typed reason
            )
        )
    return released


def _blocks_of(
    session: EventSession, room: Room, blocks: list[TimeBlock]
) -> tuple[datetime.date, list[TimeBlock]]:
    """The day of the session and the centre's blocks its time overlaps; refused where the room cannot hold it."""
    starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    day, centre = starts.date(), room.centre
    if ends.date() != day:
        raise EventRefused(
            _("第%(n)s回：会場の部屋を使う回は、始まった日のうちに終わるようにしてください")
            % {"n": session.position},
            code="events.venue_day",
        )
    if reason := closure_reason(centre, day):
        raise EventRefused(
            _("第%(n)s回：%(date)sは%(centre)sの%(reason)sです")
            % {"n": session.position, "date": dates.day(day), "centre": centre.name, "reason": reason},
            code="events.venue_closed",
        )
    covering = [b for b in blocks if b.starts_at < ends.time() and starts.time() < b.ends_at]
    if not covering or starts.time() < covering[0].starts_at or ends.time() > covering[-1].ends_at:
        hours = join_clauses(f"{b.display_label} {time_range(b.starts_at, b.ends_at)}" for b in blocks)
        raise EventRefused(
            _("第%(n)s回（%(time)s）は%(room)sの利用区分（%(hours)s）の時間に収まりません")
            % {
                "n": session.position,
                "time": time_range(starts.time(), ends.time()),
                "room": room.name,
                "hours": hours,
            },
            code="events.venue_hours",
        )
    return day, covering


def _session_label(session: EventSession, day: datetime.date, blocks: list[TimeBlock]) -> str:
    return _("第%(n)s回（%(date)s %(blocks)s）") % {
        "n": session.position,
        "date": dates.day(day),
        "blocks": join_words([b.display_label for b in blocks]),
    }


def _taken(room: Room, sessions: list[str]) -> EventConflict:
    return EventConflict(
        _("%(room)sはすでに予約されているため公開できません：%(sessions)s。開催日時か会場を変えてください")
        % {"room": room.name, "sessions": join_clauses(sessions)},
        code="events.venue_taken",
    )
