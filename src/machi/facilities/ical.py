"""iCalendar feeds (RFC 5545) of bookings: one per room, one per holder.

- A room's feed is public: each booking shows as 予約済み (or 仮予約 while it waits
  for approval or for a lottery winner to confirm), with no holder's name, group or
  purpose — anyone may subscribe to see when the room is taken.
- A holder's feed lists their own bookings with the room, the centre's address and
  the status. Calendar apps cannot log in, so the URL carries a token signed with
  `django.core.signing`; the signature covers the account's password hash, so setting
  a new password gives a new address and the old one stops working.

Times are Asia/Tokyo with its VTIMEZONE; DTSTAMP is UTC. Each booking has a stable
UID; a booking that no longer holds its room (取消, 不承認, 期限切れ) stays in the feed
as STATUS:CANCELLED, so a subscribed calendar removes it instead of keeping a stale copy.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vGeo

from machi.core.fiscal import TOKYO
from machi.facilities.models import Reservation, time_runs

PRODID = "-//Machi//地域コミュニティセンター予約//JA"
UID_DOMAIN = "machi.facilities"
PAST_DAYS = 92  # how far back a feed reaches: a quarter of past bookings, then only what is ahead
CONTENT_TYPE = "text/calendar; charset=utf-8"
_SALT = "machi.facilities.ical.holder"

Status = Reservation.Status
ICAL_STATUS = {
    Status.PENDING: "TENTATIVE",
    Status.WON: "TENTATIVE",
    Status.CONFIRMED: "CONFIRMED",
    Status.NO_SHOW: "CONFIRMED",
    Status.DECLINED: "CANCELLED",
    Status.CANCELLED: "CANCELLED",
    Status.LAPSED: "CANCELLED",
}
# Each change of status raises the SEQUENCE, so calendar apps take the newer copy.
SEQUENCE = {
    Status.PENDING: 0,
    Status.WON: 0,
    Status.CONFIRMED: 1,
    Status.NO_SHOW: 2,
    Status.DECLINED: 2,
    Status.CANCELLED: 2,
    Status.LAPSED: 2,
}
PUBLIC_SUMMARY = {
    Status.PENDING: "仮予約（承認待ち）",
    Status.WON: "仮予約（抽選の当選・確認待ち）",
    Status.CONFIRMED: "予約済み",
    Status.NO_SHOW: "予約済み",
}


def _feed_reservations(reservations, today: datetime.date | None):
    since = (today or timezone.localdate()) - datetime.timedelta(days=PAST_DAYS)
    return (
        reservations.filter(date__gte=since)
        .select_related("room__centre", "group")
        .prefetch_related("held_blocks__block")
        .order_by("date", "pk")
    )


def room_calendar(room, *, today: datetime.date | None = None) -> bytes:
    """The room's bookings without anyone's name: when it is taken, and nothing more."""
    calendar = _calendar(f"{room.centre.name} {room.name} の予約状況")
    for reservation in _feed_reservations(Reservation.objects.filter(room=room), today):
        for event in _events(reservation, uid=f"room-booking-{reservation.pk}"):
            event.add("summary", PUBLIC_SUMMARY.get(reservation.status, "取消"))
            event.add("location", _location(reservation.room))
            event.add("class", "PUBLIC")
            calendar.add_component(event)
    return _finish(calendar)


def holder_calendar(user, *, today: datetime.date | None = None, request=None) -> bytes:
    """The person's own bookings: room, centre, address, status; a link to each where a request is given."""
    calendar = _calendar("地域コミュニティセンターの予約")
    for reservation in _feed_reservations(Reservation.objects.of_holder(user), today):
        room, centre = reservation.room, reservation.room.centre
        status = reservation.get_status_display()
        for event in _events(reservation, uid=f"booking-{reservation.pk}"):
            event.add("summary", f"{centre.name} {room.name}（{status}）")
            event.add("location", _location(room))
            event.add("description", _description(reservation))
            event.add("class", "PRIVATE")
            if centre.latitude is not None and centre.longitude is not None:
                event.add("geo", vGeo((float(centre.latitude), float(centre.longitude))))
            if request is not None:
                path = reverse("facilities:reservation", args=[reservation.pk])
                event.add("url", request.build_absolute_uri(path))
            calendar.add_component(event)
    return _finish(calendar)


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    return calendar


def _events(reservation: Reservation, *, uid: str) -> list[Event]:
    """One event per run of back-to-back blocks (`time_runs`): 午後 and 夜間 are two, with 17:00–18:00 free.

    The first run keeps the booking's UID (`uid`@domain); a second run is `uid`-2@domain, and so on."""
    runs = time_runs(reservation.held_blocks.all())
    changed = [m for m in (reservation.created_at, reservation.decided_at, reservation.cancelled_at) if m]
    events = []
    for number, (starts_at, ends_at) in enumerate(runs, start=1):
        event = Event()
        event.add("uid", f"{uid}@{UID_DOMAIN}" if number == 1 else f"{uid}-{number}@{UID_DOMAIN}")
        event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
        event.add("dtstart", datetime.datetime.combine(reservation.date, starts_at, tzinfo=TOKYO))
        event.add("dtend", datetime.datetime.combine(reservation.date, ends_at, tzinfo=TOKYO))
        event.add("status", ICAL_STATUS[reservation.status])
        event.add("sequence", SEQUENCE[reservation.status])
        event.add("transp", "TRANSPARENT" if ICAL_STATUS[reservation.status] == "CANCELLED" else "OPAQUE")
        event.add("created", reservation.created_at.astimezone(datetime.UTC))
        event.add("last-modified", max(changed).astimezone(datetime.UTC))
        events.append(event)
    return events


def _location(room) -> str:
    centre = room.centre
    address = " ".join(part for part in (centre.address, centre.address_extra) if part)
    return f"{centre.name} {room.name}" + (f"（{address}）" if address else "")


def _description(reservation: Reservation) -> str:
    centre = reservation.room.centre
    blocks = sorted((held.block for held in reservation.held_blocks.all()), key=lambda b: b.position)
    lines = [
        f"状態: {reservation.get_status_display()}",
        f"利用区分: {'・'.join(str(b) for b in blocks)}",
        f"予約番号: {reservation.receipt_number}",
    ]
    if reservation.group_id:
        lines.append(f"団体: {reservation.group.name}")
    if reservation.purpose:
        lines.append(f"利用目的: {reservation.purpose}")
    lines.append(f"使用料: {reservation.payable_yen:,}円")
    if reservation.status == Status.DECLINED and reservation.decline_reason:
        lines.append(f"不承認の理由: {reservation.decline_reason}")
    if centre.phone:
        lines.append(f"センターの電話: {centre.phone}")
    return "\n".join(lines)


def _finish(calendar: Calendar) -> bytes:
    calendar.add_missing_timezones()
    return calendar.to_ical()


# --- The holder's private address --------------------------------------------------------


def _signer(user) -> signing.Signer:
    # The password hash is in the salt: a new password (or a deactivated login) gives a new address.
    return signing.Signer(salt=f"{_SALT}:{user.password}")


def holder_feed_token(user) -> str:
    return _signer(user).sign(str(user.pk))


def holder_from_token(token: str):
    """The active user a feed token was made for, or None (unknown, altered or outdated token)."""
    user_id, _, _signature = token.partition(":")
    if not user_id.isdigit() or len(user_id) > 18:
        return None
    user = get_user_model().objects.filter(pk=int(user_id), is_active=True).first()
    if user is None:
        return None
    try:
        _signer(user).unsign(token)
    except signing.BadSignature:
        return None
    return user


def holder_feed_url(user, request=None) -> str:
    """The address of the person's own bookings feed, absolute when a request is given (for copying)."""
    path = reverse("facilities:holder_feed", args=[holder_feed_token(user)])
    return request.build_absolute_uri(path) if request is not None else path


def room_feed_url(room, request=None) -> str:
    path = reverse("facilities:room_feed", args=[room.pk])
    return request.build_absolute_uri(path) if request is not None else path
