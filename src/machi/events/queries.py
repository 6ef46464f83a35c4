"""Business questions about events: seats left, the waiting list in order, a person's registrations."""

import datetime

from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone

from machi.core.text import normalize
from machi.events.models import Event, EventSession, Registration


def seats_left(event: Event) -> int:
    return event.capacity_seats - event.seats_taken


def waiting_list(event: Event):
    """The waiting parties, first in first out."""
    return event.registrations.filter(status=Registration.Status.WAITLISTED).order_by("waitlisted_at", "id")


def registrations_of(person):
    return (
        Registration.objects.filter(person=person)
        .select_related("event__ward")
        .prefetch_related("event__sessions")
        .order_by("-created_at", "-id")
    )


def published_events():
    return (
        Event.objects.published()
        .select_related("ward", "project", "organiser_group", "venue_room__centre")
        .prefetch_related("sessions", "questions")
    )


def listing(*, ward=None, month=None, kind: str = "", free_only: bool = False, words: str = "", now=None):
    """The public listing: published events with a session still to come (or, with `month`, a session
    that month), by their first session. Sessions are prefetched: a page costs the same few queries
    whatever it holds."""
    now = now or timezone.now()
    events = published_events()
    sessions = EventSession.objects.filter(event=OuterRef("pk"))
    if month is not None:
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(month, datetime.time(), tzinfo=zone)
        following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        end = datetime.datetime.combine(following, datetime.time(), tzinfo=zone)
        sessions = sessions.filter(starts_at__gte=start, starts_at__lt=end)
    else:
        sessions = sessions.filter(ends_at__gte=now)
    events = events.filter(Exists(sessions))
    if ward is not None:
        events = events.filter(ward=ward)
    if kind:
        events = events.filter(kind=kind)
    if free_only:
        events = events.filter(status=Event.Status.PUBLISHED, seats_taken__lt=F("capacity_seats"))
    for word in normalize(words).split()[:5]:
        events = events.filter(
            Q(title__icontains=word)
            | Q(title_kana__icontains=word)
            | Q(title_en__icontains=word)
            | Q(description__icontains=word)
            | Q(venue_name__icontains=word)
            | Q(venue_room__centre__name__icontains=word)
        )
    return events.annotate(first_start=Min("sessions__starts_at")).order_by("first_start", "id")


def public_event(event_id: int):
    """One published event with everything its page shows, or None (drafts, proposals, cancelled: none)."""
    return published_events().filter(pk=event_id).first()


def staff_events(wards):
    """The events of the wards one looks after (None: every ward), by first session, newest first."""
    events = Event.objects.select_related(
        "ward", "project__programme", "organiser_group", "venue_room__centre"
    )
    if wards is not None:
        events = events.filter(ward_id__in=wards)
    return (
        events.prefetch_related("sessions")
        .annotate(first_start=Min("sessions__starts_at"))
        .order_by("-first_start", "-id")
    )


def status_counts(events) -> dict[str, int]:
    return dict(events.order_by().values_list("status").annotate(n=Count("id")))


def roster(event: Event) -> dict[str, list[Registration]]:
    """The event's registrations for staff: confirmed (by code), waiting in their order, entered in the
    lottery, cancelled."""
    rows = event.registrations.select_related("person").order_by("created_at", "id")
    groups = {status: [] for status, _label in Registration.Status.choices}
    for registration in rows:
        groups[registration.status].append(registration)
    groups[Registration.Status.WAITLISTED].sort(key=lambda r: (r.waitlisted_at, r.pk))
    return groups


def events_awaiting_approval(wards):
    events = Event.objects.filter(status=Event.Status.PENDING_APPROVAL)
    return events if wards is None else events.filter(ward_id__in=wards)


def events_of_groups(groups):
    """A group's events (proposed, declined, published), for its members."""
    return (
        Event.objects.filter(organiser_group__in=groups)
        .select_related("ward", "organiser_group", "project")
        .prefetch_related("sessions")
        .annotate(first_start=Min("sessions__starts_at"))
        .order_by("-created_at", "-id")
    )
