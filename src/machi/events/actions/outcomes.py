"""Posting what a project's events achieved to the ledger as its outcomes (source "events").

Through the ledger's own `post_outcomes`, as the centres post their usage: per project and period
(a fiscal year April–March, and each month of it), re-posting a period replaces its figures and a
figure no longer given is withdrawn.

Definitions (the labels on the project page say them too):

- An event counts in the month of its first session, and only once it is 開催済み (held).
- **Sessions** (開催回数): the sessions of those events.
- **Registrations** (申込件数): their confirmed registrations (walk-ins included), and **seats** the
  people those registrations bring (the sum of their parties).
- **Attendees** (出席者数): the people of the registrations checked in at one session or more (the
  whole party, as the door checks a party in); **attendance rate** = attendees ÷ seats;
  **no-show rate** = the people of confirmed registrations checked in at no session ÷ seats.
- **First-time participants** (初参加の方): the registrants (a resident's account, or a caller by their
  phone number) attending for the first time in the fiscal year an event of the same project.
- **Waitlist promotions** (繰り上げ件数): registrations confirmed after waiting.

Cost per attendee is never stored: the project page derives it from 決算額 and the year's attendees.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from machi.core.fiscal import fiscal_periods as periods_of
from machi.core.text import normalize
from machi.events.models import Event, Registration

SOURCE = "events"
CENT = Decimal("0.01")


@dataclass
class EventFigures:
    events: int = 0
    sessions: int = 0
    registrations: int = 0
    seats: int = 0
    attendees: int = 0
    no_shows: int = 0
    first_timers: int = 0
    promotions: int = 0

    def rate(self, part: int) -> Decimal | None:
        if not self.seats:
            return None
        return (Decimal(part) * 100 / self.seats).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def attendance_rate(self) -> Decimal | None:
        return self.rate(self.attendees)

    @property
    def no_show_rate(self) -> Decimal | None:
        return self.rate(self.no_shows)

    def outcome_figures(self) -> list:
        from machi.ledger.actions import OutcomeFigure

        def figure(metric, label, value, unit):
            return OutcomeFigure(metric, label, Decimal(value).quantize(CENT), unit)

        figures = [
            figure("events-held", "開催した催し（開催済み、最初の開催日の月に計上）", self.events, "件"),
            figure("sessions", "開催回数", self.sessions, "回"),
            figure("registrations", "参加申込（確定。当日参加を含む）", self.registrations, "件"),
            figure("seats", "申込人数（確定した申込の人数の合計）", self.seats, "人"),
            figure("attendees", "出席者数（受付を済ませた申込の人数）", self.attendees, "人"),
        ]
        if self.attendance_rate is not None:
            figures.append(
                figure("attendance-rate", "出席率（出席者数 ÷ 申込人数）", self.attendance_rate, "%")
            )
            figures.append(
                figure(
                    "no-show-rate", "欠席率（受付のなかった申込の人数 ÷ 申込人数）", self.no_show_rate, "%"
                )
            )
        figures += [
            figure(
                "first-time",
                "初参加の方（この事業の催しに年度内で初めて出席した申込者）",
                self.first_timers,
                "人",
            ),
            figure("waitlist-promotions", "キャンセル待ちからの繰り上げ", self.promotions, "件"),
        ]
        return figures


@dataclass
class EventsPosting:
    project: object
    start: datetime.date
    end: datetime.date
    figures: EventFigures
    withdrawn: int = 0


@dataclass
class _Held:
    """One held event as the figures need it, read once."""

    event: Event
    first_day: datetime.date
    sessions: int
    registrations: list = field(default_factory=list)  # (registration, attended: bool)


def post_event_outcomes(
    *, actor, fiscal_year: int, month: datetime.date | None = None
) -> list[EventsPosting]:
    """Post each project's event figures for the fiscal year and its months (or one month); all or nothing.

    Projects of that fiscal year with an event; a period with no held event posts nothing (and
    withdraws what an earlier run posted for it). Scoped by the ledger: only the wards the actor may
    change (`post_outcomes` refuses the others).
    """
    from machi.ledger.actions import post_outcomes
    from machi.ledger.models import Outcome, Project

    periods = periods_of(fiscal_year, month)
    held = _held_events(fiscal_year)
    by_project: dict[int, list[_Held]] = defaultdict(list)
    for item in held:
        by_project[item.event.project_id].append(item)
    first_attended = {pid: _first_attendance(items) for pid, items in by_project.items()}
    with_events = set(
        Event.objects.filter(project__programme__fiscal_year=fiscal_year).values_list("project_id", flat=True)
    )
    posted_before = set(
        Outcome.objects.filter(project__programme__fiscal_year=fiscal_year, source=SOURCE).values_list(
            "project_id", flat=True
        )
    )
    projects = (
        Project.objects.filter(pk__in=with_events | posted_before)
        .select_related("programme__ward")
        .order_by("programme__ward__code", "no", "pk")
    )
    postings = []
    with transaction.atomic():
        for project in projects:
            items = by_project.get(project.pk, [])
            for start, end in periods:
                found = figures_for(items, first_attended.get(project.pk, {}), start, end)
                posted = post_outcomes(
                    actor=actor,
                    project=project,
                    source=SOURCE,
                    period_start=start,
                    period_end=end,
                    figures=found.outcome_figures() if found.events else [],
                )
                if found.events or posted.withdrawn:
                    postings.append(
                        EventsPosting(
                            project=project, start=start, end=end, figures=found, withdrawn=posted.withdrawn
                        )
                    )
    return postings


def figures_for(
    items: list[_Held], first_attended: dict, start: datetime.date, end: datetime.date
) -> EventFigures:
    figures = EventFigures()
    for item in items:
        if not start <= item.first_day <= end:
            continue
        figures.events += 1
        figures.sessions += item.sessions
        for registration, attended in item.registrations:
            figures.registrations += 1
            figures.seats += registration.party_size
            if attended:
                figures.attendees += registration.party_size
            else:
                figures.no_shows += registration.party_size
            if registration.promoted_at is not None or registration.waitlisted_at is not None:
                figures.promotions += 1
    figures.first_timers = sum(1 for day in first_attended.values() if start <= day <= end)
    return figures


def _held_events(fiscal_year: int) -> list[_Held]:
    """The fiscal year's held events with their sessions and confirmed registrations: three queries."""
    confirmed = Registration.objects.filter(status=Registration.Status.CONFIRMED).prefetch_related("checkins")
    events = (
        Event.objects.filter(project__programme__fiscal_year=fiscal_year, status=Event.Status.HELD)
        .prefetch_related("sessions", Prefetch("registrations", queryset=confirmed.order_by("id")))
        .order_by("id")
    )
    held = []
    for event in events:
        sessions = list(event.sessions.all())
        if not sessions:
            continue
        first_day = timezone.localdate(min(s.starts_at for s in sessions))
        held.append(
            _Held(
                event=event,
                first_day=first_day,
                sessions=len(sessions),
                registrations=[(r, bool(r.checkins.all())) for r in event.registrations.all()],
            )
        )
    return held


def _first_attendance(items: list[_Held]) -> dict:
    """Each registrant's first day attending one of the project's events: {who: day}."""
    first: dict = {}
    for item in items:
        for registration, attended in item.registrations:
            who = registrant_key(registration)
            if attended and who is not None and (who not in first or item.first_day < first[who]):
                first[who] = item.first_day
    return first


def registrant_key(registration: Registration):
    """Who registered, to tell a first visit from a return: the account, else the caller's phone (digits)."""
    if registration.person_id is not None:
        return ("person", registration.person_id)
    phone = "".join(c for c in normalize(registration.caller_phone) if c.isdigit())
    if phone:
        return ("phone", phone)
    kana = normalize(registration.caller_kana).replace(" ", "")
    return ("kana", kana) if kana else ("registration", registration.pk)
