"""The door: helpers granted by ward staff, check-ins (idempotent, by nonce, one per session even racing),
walk-ins through the seat counter, and closing the event as held with its no-shows."""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from machi.accounts.actors import SYSTEM
from machi.accounts.scope import NotAllowed, can_help_event
from machi.audit.models import AuditEntry
from machi.core.errors import NotFound
from machi.events import actions
from machi.events.actions.errors import EventConflict
from machi.events.models import CheckIn, Registration


@pytest.fixture
def event(make_event, staff, helper):
    event = make_event(capacity_seats=6, max_party=3)
    actions.grant_helper(actor=staff, event=event, user=helper)
    return event


def test_ward_staff_grant_and_revoke_a_helper_for_one_event(make_event, staff, helper, people, event):
    other = make_event(title="別の講座")
    assert can_help_event(helper, event) and not can_help_event(helper, other)
    assert actions.grant_helper(actor=staff, event=event, user=helper).event_id == event.pk  # twice: same
    [resident] = people(1)
    with pytest.raises(NotAllowed):
        actions.grant_helper(actor=helper, event=event, user=resident)
    actions.revoke_helper(actor=staff, event=event, user=helper)
    assert not can_help_event(helper, event)
    assert AuditEntry.objects.filter(action__in=["events.grant_helper", "events.revoke_helper"]).count() == 2


def test_a_check_in_by_code_is_made_once_and_a_repeat_says_when_and_by_whom(event, helper, people):
    [alice] = people(1)
    registration = actions.register(actor=alice, event=event, party_size=2)
    session = event.sessions.get()

    typed = f"  {registration.code.lower()[:3]}－{registration.code.lower()[3:]} "  # as a person types it
    first = actions.check_in(actor=helper, event=event, session=session, code=typed, fee_paid_yen=500)
    assert first.created and "受け付けました" in first.message
    again = actions.check_in(actor=helper, event=event, session=session, code=registration.code)
    assert not again.created and again.checkin.pk == first.checkin.pk
    at = timezone.localtime(first.checkin.checked_in_at)
    assert again.message == f"{at.hour}時{at.minute:02d}分に受付 花子さんが受付済み"
    assert CheckIn.objects.count() == 1
    assert Registration.objects.get(pk=registration.pk).fee_paid_yen == 500


def test_a_retried_nonce_returns_the_same_check_in(event, helper, people):
    [alice] = people(1)
    registration = actions.register(actor=alice, event=event, party_size=1)
    session = event.sessions.get()
    one = actions.check_in(actor=helper, event=event, session=session, registration=registration, nonce="n-1")
    two = actions.check_in(actor=helper, event=event, session=session, code="ZZZZZZ", nonce="n-1")
    assert (one.created, two.created, two.checkin.pk) == (True, False, one.checkin.pk)


def test_the_database_keeps_one_check_in_per_registration_and_session(event, people):
    [alice] = people(1)
    registration = actions.register(actor=alice, event=event, party_size=1)
    session = event.sessions.get()
    CheckIn.objects.create(registration=registration, session=session)
    with pytest.raises(IntegrityError):
        CheckIn.objects.create(registration=registration, session=session)


def test_a_check_in_that_loses_a_race_returns_the_winner(event, helper, people, monkeypatch):
    [alice] = people(1)
    registration = actions.register(actor=alice, event=event, party_size=1)
    session = event.sessions.get()
    from machi.events.actions import attendance

    # The other phone's check-in lands between our look and our insert.
    real = attendance._existing
    calls = []

    def look(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            CheckIn.objects.create(registration=registration, session=session)
            return None
        return real(**kwargs)

    monkeypatch.setattr(attendance, "_existing", look)
    result = actions.check_in(actor=helper, event=event, session=session, registration=registration)
    assert not result.created and CheckIn.objects.count() == 1


def test_only_confirmed_parties_check_in_and_only_staff_or_helpers_do_it(make_event, event, helper, people):
    small = make_event(capacity_seats=1, max_party=1)
    a, b = people(2)
    actions.register(actor=a, event=small, party_size=1)
    waiting = actions.register(actor=b, event=small, party_size=1)
    actions.grant_helper(actor=SYSTEM, event=small, user=helper)
    session = small.sessions.get()
    with pytest.raises(EventConflict, match="キャンセル待ち"):
        actions.check_in(actor=helper, event=small, session=session, code=waiting.code)
    actions.cancel(actor=SYSTEM, registration=waiting)
    with pytest.raises(EventConflict, match="取り消された"):
        actions.check_in(actor=helper, event=small, session=session, code=waiting.code)
    with pytest.raises(NotFound):
        actions.check_in(actor=helper, event=small, session=session, code="ABCDEF")
    with pytest.raises(NotAllowed):
        actions.check_in(actor=b, event=small, session=session, code=waiting.code)


def test_walk_ins_take_seats_through_the_counter_while_seats_remain(event, helper):
    session = event.sessions.get()
    walked = actions.add_walk_in(
        actor=helper, event=event, session=session, name="飛込 太郎", kana="とびこみ", phone="", party_size=3
    )
    registration = walked.registration
    assert walked.created and registration.walk_in and registration.on_behalf
    assert registration.status == "confirmed"
    actions.add_walk_in(actor=helper, event=event, session=session, name="二組目", party_size=3)
    event.refresh_from_db()
    assert event.seats_taken == 6
    with pytest.raises(EventConflict, match="定員"):
        actions.add_walk_in(actor=helper, event=event, session=session, name="三組目", party_size=1)
    assert Registration.objects.filter(event=event).count() == 2


def test_closing_as_held_marks_the_absent_as_no_shows(make_event, staff, people):
    now = timezone.now()
    starts = now - datetime.timedelta(hours=1)
    from tests.events.conftest import window

    event = make_event(
        **window(
            registration_opens_at=starts - datetime.timedelta(days=5),
            registration_closes_at=starts - datetime.timedelta(days=1),
            cancel_until=starts - datetime.timedelta(days=2),
            sessions=[(starts, starts + datetime.timedelta(hours=2))],
        )
    )
    came_person, absent_person = people(2)
    at = starts - datetime.timedelta(days=3)
    came = actions.register(actor=came_person, event=event, party_size=1, now=at)
    absent = actions.register(actor=absent_person, event=event, party_size=1, now=at)
    actions.check_in(actor=staff, event=event, session=event.sessions.get(), code=came.code)

    assert actions.close_as_held(actor=staff, event=event) == 1
    event.refresh_from_db()
    assert event.status == "held"
    assert [Registration.objects.get(pk=r.pk).no_show for r in (came, absent)] == [False, True]
    assert AuditEntry.objects.filter(action="events.close_as_held").exists()
    with pytest.raises(EventConflict):
        actions.close_as_held(actor=staff, event=event)


def test_an_event_cannot_be_closed_as_held_before_it_starts(event, staff):
    with pytest.raises(EventConflict, match="始まる前"):
        actions.close_as_held(actor=staff, event=event)
