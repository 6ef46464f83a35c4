"""iCalendar feeds (RFC 5545) of the public events: one per ward, one per event; one VEVENT per session.

Only what the public sees (受付中, 受付終了, 開催済み): no draft, no cancelled event, and no one's
name. The calendar's frame, time zone and finishing are the facilities feeds' (`facilities.ical`), so
every Machi feed reads the same in a calendar app. Each session has a stable UID, so a subscribed
calendar updates it in place; the ward's feed reaches back `PAST_DAYS`, then only what is ahead.
"""

import datetime

from django.utils import timezone
from icalendar import Event as VEvent
from icalendar import vGeo

from machi.events.models import Event, EventSession
from machi.facilities.ical import CONTENT_TYPE, _calendar, _finish

UID_DOMAIN = "machi.events"
PAST_DAYS = 92

__all__ = ["CONTENT_TYPE", "event_calendar", "ward_calendar"]


def _public_sessions():
    return EventSession.objects.filter(event__status__in=Event.PUBLIC_STATUSES).select_related(
        "event__ward", "event__venue_room__centre"
    )


def ward_calendar(ward, *, today: datetime.date | None = None, url_of=None) -> bytes:
    """The ward's public events, a quarter back and everything ahead."""
    since = (today or timezone.localdate()) - datetime.timedelta(days=PAST_DAYS)
    sessions = _public_sessions().filter(event__ward=ward, ends_at__date__gte=since)
    return _build(f"{ward.name}の催し・講座・訓練", sessions.order_by("starts_at", "pk"), url_of)


def event_calendar(event: Event, *, url_of=None) -> bytes:
    """One event's sessions (a course's whole series)."""
    return _build(event.title, _public_sessions().filter(event=event).order_by("starts_at", "pk"), url_of)


def _build(name: str, sessions, url_of) -> bytes:
    calendar = _calendar(name)
    sessions = list(sessions)
    counts: dict[int, int] = {}
    for session in sessions:
        counts[session.event_id] = counts.get(session.event_id, 0) + 1
    for session in sessions:
        calendar.add_component(_vevent(session, counts[session.event_id], url_of))
    return _finish(calendar)


def _vevent(session: EventSession, of: int, url_of) -> VEvent:
    event = session.event
    vevent = VEvent()
    vevent.add("uid", f"event-{event.pk}-session-{session.pk}@{UID_DOMAIN}")
    vevent.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    vevent.add("dtstart", timezone.localtime(session.starts_at))
    vevent.add("dtend", timezone.localtime(session.ends_at))
    title = event.title if of == 1 else f"{event.title}（第{session.position}回／全{of}回）"
    vevent.add("summary", title)
    vevent.add("status", "CONFIRMED")
    vevent.add("class", "PUBLIC")
    vevent.add("transp", "OPAQUE")
    vevent.add("created", event.created_at.astimezone(datetime.UTC))
    location = _location(event)
    if location:
        vevent.add("location", location)
    latitude, longitude = _coordinates(event)
    if latitude is not None and longitude is not None:
        vevent.add("geo", vGeo((float(latitude), float(longitude))))
    vevent.add("description", _description(event))
    if url_of is not None:
        url = url_of(event)
        if url:
            vevent.add("url", url)
    return vevent


def _location(event: Event) -> str:
    room = event.venue_room
    if room is not None:
        centre = room.centre
        address = " ".join(part for part in (centre.address, centre.address_extra) if part)
        return f"{centre.name} {room.name}" + (f"（{address}）" if address else "")
    return event.venue_name + (f"（{event.venue_address}）" if event.venue_address else "")


def _coordinates(event: Event):
    if event.latitude is not None:
        return event.latitude, event.longitude
    if event.venue_room is not None:
        return event.venue_room.centre.latitude, event.venue_room.centre.longitude
    return None, None


def _description(event: Event) -> str:
    lines = [
        f"{event.get_kind_display()}・{event.get_status_display()}",
        f"参加費: {'無料' if not event.fee_yen else f'{event.fee_yen:,}円'}",
        f"定員: {event.capacity_seats:,}人（{event.get_allocation_display()}）",
    ]
    if event.contact:
        lines.append(f"問い合わせ: {event.contact}")
    if event.description:
        lines += ["", event.description]
    return "\n".join(lines)
