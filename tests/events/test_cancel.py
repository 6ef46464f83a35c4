"""Cancelling frees the seats and promotes the waiting parties first in, first out, in the same transaction."""

import pytest
from django.core import mail

from machi.accounts.scope import NotAllowed
from machi.events import actions
from machi.events.models import Registration


def statuses(*registrations):
    return [Registration.objects.get(pk=r.pk).status for r in registrations]


def test_a_party_that_does_not_fit_keeps_its_place_while_a_smaller_one_behind_it_is_promoted(
    make_event, people, django_capture_on_commit_callbacks
):
    event = make_event(capacity_seats=5, max_party=3)
    a, b, w1, w2, w3 = people(5)
    two = actions.register(actor=a, event=event, party_size=2)
    three = actions.register(actor=b, event=event, party_size=3)
    first = actions.register(actor=w1, event=event, party_size=3)  # waits first
    small = actions.register(actor=w2, event=event, party_size=1)
    pair = actions.register(actor=w3, event=event, party_size=2)
    assert statuses(first, small, pair) == ["waitlisted"] * 3

    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel(actor=a, registration=two)  # 2 seats free: the 3 do not fit, the 1 behind them does

    assert statuses(two, first, small, pair) == ["cancelled", "waitlisted", "confirmed", "waitlisted"]
    promoted_at = Registration.objects.get(pk=small.pk).promoted_at
    assert promoted_at is not None and promoted_at == Registration.objects.get(pk=two.pk).cancelled_at
    assert Registration.objects.get(pk=first.pk).promoted_at is None
    event.refresh_from_db()
    assert event.seats_taken == 4
    assert [message.to for message in mail.outbox] == [[w2.email]]
    assert small.event.title in mail.outbox[0].subject
    assert Registration.objects.get(pk=small.pk).code in mail.outbox[0].body
    assert "http" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel(actor=b, registration=three)  # 4 free: the first in line, 3, now fits; then 1 left

    assert statuses(first, pair) == ["confirmed", "waitlisted"]
    event.refresh_from_db()
    assert event.seats_taken == 4


def test_a_promoted_person_who_prefers_english_is_mailed_in_english(
    make_event, people, django_capture_on_commit_callbacks
):
    event = make_event(capacity_seats=1, max_party=1)
    a, b = people(2)
    b.preferred_language = "en"
    b.save()
    held = actions.register(actor=a, event=event, party_size=1)
    actions.register(actor=b, event=event, party_size=1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel(actor=a, registration=held)
    [sent] = mail.outbox
    assert "Confirmed from the waiting list" in sent.subject
    assert "now confirmed" in sent.body


def test_cancelling_a_waiting_party_frees_no_seat(make_event, people):
    event = make_event(capacity_seats=1, max_party=1)
    a, b = people(2)
    actions.register(actor=a, event=event, party_size=1)
    waiting = actions.register(actor=b, event=event, party_size=1)
    actions.cancel(actor=b, registration=waiting)
    event.refresh_from_db()
    assert event.seats_taken == 1


def test_after_the_deadline_only_staff_cancel(make_event, people, staff):
    event = make_event(capacity_seats=3)
    [alice] = people(1)
    registration = actions.register(actor=alice, event=event, party_size=2)
    late = event.cancel_until + __import__("datetime").timedelta(minutes=1)

    with pytest.raises(actions.EventRefused) as refused:
        actions.cancel(actor=alice, registration=registration, now=late)
    assert refused.value.code == "events.cancel_deadline"
    assert statuses(registration) == ["confirmed"]

    actions.cancel(actor=staff, registration=registration, now=late)
    event.refresh_from_db()
    assert (statuses(registration), event.seats_taken) == (["cancelled"], 0)


def test_no_one_else_cancels_and_a_cancelled_registration_stays_cancelled(make_event, people):
    event = make_event()
    alice, mallory = people(2)
    registration = actions.register(actor=alice, event=event, party_size=1)
    with pytest.raises(NotAllowed):
        actions.cancel(actor=mallory, registration=registration)
    actions.cancel(actor=alice, registration=registration)
    with pytest.raises(actions.EventConflict) as refused:
        actions.cancel(actor=alice, registration=registration)
    assert refused.value.code == "events.already_cancelled"
