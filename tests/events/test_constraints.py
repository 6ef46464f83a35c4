"""The database itself refuses what must never happen, whatever Python forgets to check."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from machi.events import actions
from machi.events.actions import registration
from machi.events.models import Event, EventSession, Registration


def test_an_oversell_written_directly_is_refused_by_the_database(make_event):
    event = make_event(capacity_seats=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(seats_taken=F("capacity_seats") + 1)
    event.refresh_from_db()
    assert event.seats_taken == 0


def test_a_capacity_below_the_seats_taken_is_refused(make_event):
    event = make_event(capacity_seats=5)
    Event.objects.filter(pk=event.pk).update(seats_taken=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(capacity_seats=3)


def test_the_seat_counter_breach_becomes_the_full_refusal(make_event):
    event = make_event(capacity_seats=5)
    Event.objects.filter(pk=event.pk).update(seats_taken=5)
    with pytest.raises(actions.EventConflict) as refused, transaction.atomic():
        registration._take_seats(event, 1)
    assert (refused.value.code, refused.value.status) == ("events.full", 409)


def test_a_registration_window_out_of_order_and_a_session_backwards_are_refused(make_event):
    event = make_event()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(registration_closes_at=F("registration_opens_at"))
    session = event.sessions.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        EventSession.objects.filter(pk=session.pk).update(
            ends_at=session.starts_at - datetime.timedelta(hours=1)
        )


def test_a_second_active_registration_of_a_person_is_refused_by_the_database(make_event, people):
    event = make_event()
    [alice] = people(1)
    fields = {"event": event, "person": alice, "party_size": 1}
    Registration.objects.create(code="AAAAAA", status="cancelled", **fields)
    Registration.objects.create(code="BBBBBB", status="confirmed", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(code="CCCCCC", status="waitlisted", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(code="BBBBBB", status="cancelled", **fields)
    Registration.objects.create(code="DDDDDD", status="cancelled", **fields)  # cancelled ones do not count
