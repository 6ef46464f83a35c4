"""iCalendar feeds: a room's bookings (public) and a holder's own bookings (private, signed address)."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from machi.facilities import ical
from machi.facilities.models import Room


@require_safe
def room_feed(request, room_id: int):
    room = get_object_or_404(Room.objects.select_related("centre"), pk=room_id)
    response = _calendar_response(ical.room_calendar(room), f"room-{room.pk}.ics")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
def holder_feed(request, token: str):
    user = ical.holder_from_token(token)
    if user is None:
        raise Http404("この予約カレンダーのアドレスは使えません")
    response = _calendar_response(ical.holder_calendar(user, request=request), "my-bookings.ics")
    # A private address: kept out of shared caches and search engines.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ical.CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
