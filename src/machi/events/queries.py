"""Business questions about events: seats left, the waiting list in order, a person's registrations."""

from machi.events.models import Event, Registration


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
        .prefetch_related("sessions")
    )
