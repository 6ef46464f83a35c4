"""Business questions about events: seats left, the waiting list in order, a person's registrations."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone

from machi.core.fiscal import fiscal_year_bounds
from machi.core.text import kana_key, normalize
from machi.events.models import CheckIn, Event, EventSession, Registration


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


def registrations_by_status(event: Event) -> dict[str, list[Registration]]:
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


def phone_key(phone: str | None) -> str:
    """A phone number as it is compared: its digits only (０９６-１２３ and 096123 alike)."""
    return "".join(ch for ch in normalize(phone) if ch.isdigit())


def attended_this_year(project, fiscal_year: int) -> tuple[set[int], set[str]]:
    """Who was checked in at an event of the project in the fiscal year: account ids, and callers' phones."""
    first, last = fiscal_year_bounds(fiscal_year)
    rows = CheckIn.objects.filter(
        registration__event__project=project,
        session__starts_at__date__range=(first, last),
    ).values_list("registration__person_id", "registration__caller_phone")
    people = {person for person, _phone in rows if person is not None}
    phones = {phone_key(phone) for person, phone in rows if person is None and phone_key(phone)}
    return people, phones


def roster(event: Event):
    """The parties who hold seats, with their check-ins: the door's list, the roster PDF and the XLSX."""
    return (
        event.registrations.filter(status=Registration.Status.CONFIRMED)
        .select_related("person")
        .prefetch_related("checkins__checked_in_by")
        .order_by("code")
    )


@dataclass
class RosterRow:
    """One party on the roster as staff and helpers see it. The phone is a caller's (by phone, at the
    counter or at the door) only: an account holder's stays in their account."""

    registration: Registration
    name: str
    kana: str
    phone: str
    checkins: dict[int, CheckIn]  # by session id

    @property
    def code(self) -> str:
        return self.registration.code

    @property
    def party_size(self) -> int:
        return self.registration.party_size


def roster_rows(event: Event, registrations=None) -> list[RosterRow]:
    """The roster in kana order (the order a door's paper list is read in)."""
    rows = [
        RosterRow(
            registration=r,
            name=r.caller_name if r.person is None else str(r.person),
            kana=r.caller_kana if r.person is None else r.person.name_kana,
            phone=r.caller_phone if r.person is None else "",
            checkins={c.session_id: c for c in r.checkins.all()},
        )
        for r in (roster(event) if registrations is None else registrations)
    ]
    return sorted(rows, key=lambda row: (kana_key(row.kana) or "\uffff", row.code))


def search_roster(rows: list[RosterRow], query: str) -> list[RosterRow]:
    """The parties whose kana, name, phone or code holds the query (kana folded, digits of a phone)."""
    key, digits = kana_key(query), phone_key(query)
    if not key:
        return []
    return [
        row
        for row in rows
        if key in kana_key(row.kana)
        or key in kana_key(row.name)
        or key == row.code.casefold()
        or (len(digits) >= 3 and digits in phone_key(row.phone))
    ]
