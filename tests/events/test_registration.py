"""Registering a party: confirmed while seats remain for all of it, else waiting; every refusal writes nothing."""

import datetime

import pytest
from django.utils import timezone

from machi.accounts.scope import NotAllowed
from machi.audit.models import AuditEntry
from machi.events import actions
from machi.events.models import CODE_ALPHABET, Event, EventSession, Registration
from machi.events.queries import seats_left, waiting_list

from .conftest import window


def refused_writing_nothing(call, code: str, error=actions.EventRefused):
    before = (
        Registration.objects.count(),
        AuditEntry.objects.count(),
        list(Event.objects.values("seats_taken")),
    )
    with pytest.raises(error) as refused:
        call()
    assert refused.value.code == code
    assert (
        Registration.objects.count(),
        AuditEntry.objects.count(),
        list(Event.objects.values("seats_taken")),
    ) == before
    return refused.value


def test_a_party_that_fits_is_confirmed_and_takes_its_seats(make_event, people):
    event = make_event(capacity_seats=5)
    [alice] = people(1)

    registration = actions.register(actor=alice, event=event, party_size=3)

    assert (registration.status, registration.person, registration.on_behalf) == ("confirmed", alice, False)
    event.refresh_from_db()
    assert (event.seats_taken, seats_left(event)) == (3, 2)
    assert AuditEntry.objects.filter(action="events.register", object_id=str(registration.pk)).exists()


def test_a_party_that_does_not_fit_waits_whole_and_takes_no_seat(make_event, people):
    event = make_event(capacity_seats=4)
    alice, bob = people(2)
    actions.register(actor=alice, event=event, party_size=3)

    waiting = actions.register(actor=bob, event=event, party_size=2)

    assert (waiting.status, waiting.party_size) == ("waitlisted", 2)
    assert waiting.waitlisted_at is not None
    event.refresh_from_db()
    assert event.seats_taken == 3
    assert list(waiting_list(event)) == [waiting]


def test_codes_are_short_readable_aloud_and_unique(make_event, people):
    event = make_event(capacity_seats=30, max_party=1)
    codes = [actions.register(actor=person, event=event, party_size=1).code for person in people(20)]
    assert len(set(codes)) == 20
    assert all(len(code) == 6 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("01OI") & set("".join(codes))


def test_a_code_already_issued_is_drawn_again_and_the_first_try_leaves_nothing(
    make_event, people, monkeypatch
):
    """A clash of codes (about one in a billion) undoes the whole try, seats and audit with it, and the
    registration goes through with a new code; five clashes in a row refuse, writing nothing."""
    event = make_event(capacity_seats=5)
    alice, bob, carol = people(3)
    taken = actions.register(actor=alice, event=event, party_size=1).code
    codes = iter([taken, "HJKMNP"])
    monkeypatch.setattr("machi.events.actions.registration.new_code", lambda: next(codes))

    registration = actions.register(actor=bob, event=event, party_size=2)

    assert (registration.code, registration.status) == ("HJKMNP", "confirmed")
    event.refresh_from_db()
    assert event.seats_taken == 3
    assert AuditEntry.objects.filter(action="events.register").count() == 2
    monkeypatch.setattr("machi.events.actions.registration.new_code", lambda: taken)
    refused_writing_nothing(
        lambda: actions.register(actor=carol, event=event, party_size=1), "events.code", actions.EventConflict
    )


@pytest.mark.parametrize(
    "meanwhile",
    [{"seats_taken": 5}, {"status": Event.Status.CLOSED}],
    ids=["the last seats went", "the event closed"],
)
def test_a_registration_read_without_the_lock_is_tried_again_with_it_when_the_event_changed(
    make_event, people, monkeypatch, meanwhile, django_capture_on_commit_callbacks, mailoutbox
):
    """A party that fits is first registered without the event's lock, its seats taken last. Where the
    event changed under it before the seats were taken (here, within the try itself, undone with it),
    the whole try is undone and the registration is made again with the lock: one registration, one
    audit entry, one mail, the counter right."""
    from machi.events import emails

    event = make_event(capacity_seats=5)
    alice, bob = people(2)
    actions.register(actor=alice, event=event, party_size=1)
    tries = []
    send_registered = emails.send_registered

    def change_the_event_on_the_first_try(registration):
        tries.append(registration.code)
        if len(tries) == 1:
            Event.objects.filter(pk=event.pk).update(**meanwhile)
        send_registered(registration)

    monkeypatch.setattr(emails, "send_registered", change_the_event_on_the_first_try)

    with django_capture_on_commit_callbacks(execute=True):
        registration = actions.register(actor=bob, event=event, party_size=2)

    assert len(tries) == 2 and registration.status == "confirmed"
    event.refresh_from_db()
    assert (event.status, event.seats_taken) == (Event.Status.PUBLISHED, 3)
    assert Registration.objects.filter(person=bob).count() == 1
    assert AuditEntry.objects.filter(action="events.register").count() == 2
    assert [message.to for message in mailoutbox] == [[bob.email]]
    assert registration.code in mailoutbox[0].body and tries[0] not in mailoutbox[0].body


def test_a_party_above_the_largest_is_refused(make_event, people):
    event = make_event(max_party=2)
    [alice] = people(1)
    refused_writing_nothing(
        lambda: actions.register(actor=alice, event=event, party_size=3), "events.bad_party"
    )
    refused_writing_nothing(
        lambda: actions.register(actor=alice, event=event, party_size=0), "events.bad_party"
    )


def test_a_draft_event_takes_no_registration(make_event, people):
    event = make_event(publish=False)
    [alice] = people(1)
    error = refused_writing_nothing(
        lambda: actions.register(actor=alice, event=event, party_size=1),
        "events.closed",
        actions.EventConflict,
    )
    assert error.status == 409


def test_registration_is_refused_before_it_opens_and_after_it_closes(make_event, people):
    now = timezone.now()
    [alice] = people(1)
    early = make_event(registration_opens_at=now + datetime.timedelta(days=1))
    late = make_event(**window(registration_opens_at=now - datetime.timedelta(days=3)))
    for event, moment in ((early, now), (late, late.registration_closes_at)):
        refused_writing_nothing(
            lambda event=event, moment=moment: actions.register(
                actor=alice, event=event, party_size=1, now=moment
            ),
            "events.closed",
            actions.EventConflict,
        )


def test_one_active_registration_per_person_and_again_after_cancelling(make_event, people):
    event = make_event()
    [alice] = people(1)
    first = actions.register(actor=alice, event=event, party_size=1)
    refused_writing_nothing(
        lambda: actions.register(actor=alice, event=event, party_size=2),
        "events.already_registered",
        actions.EventConflict,
    )
    actions.cancel(actor=alice, registration=first)
    again = actions.register(actor=alice, event=event, party_size=2)
    assert again.status == "confirmed"


def test_a_full_event_without_a_waiting_list_refuses(make_event, people):
    event = make_event(capacity_seats=2, max_party=2, waitlist=False)
    alice, bob = people(2)
    actions.register(actor=alice, event=event, party_size=2)
    refused_writing_nothing(
        lambda: actions.register(actor=bob, event=event, party_size=1), "events.full", actions.EventConflict
    )


def test_ward_staff_register_a_caller_by_phone_as_on_behalf(make_event, staff):
    event = make_event()
    registration = actions.register(
        actor=staff, event=event, party_size=2, caller=("山田 花子", "やまだ はなこ", "096-000-0000")
    )
    assert (registration.person, registration.on_behalf, registration.registered_by) == (None, True, staff)
    assert (registration.caller_name, registration.caller_phone) == ("山田 花子", "096-000-0000")
    entry = AuditEntry.objects.get(action="events.register")
    assert "山田" not in str(entry.after) and "096" not in str(entry.after)


def test_a_caller_needs_a_name_and_phone_and_only_the_wards_staff_take_one(
    make_event, staff, ward_staff, higashi
):
    event = make_event()
    refused_writing_nothing(
        lambda: actions.register(actor=staff, event=event, party_size=1, caller=("山田", "", " ")),
        "events.caller",
    )
    other = ward_staff("higashi-staff", higashi)
    with pytest.raises(NotAllowed):
        actions.register(actor=other, event=event, party_size=1, caller=("山田", "", "096"))
    assert not Registration.objects.exists()


def test_an_event_for_ward_residents_takes_only_verified_residents(make_event, people, chuo):
    event = make_event(who_may_come=Event.WhoMayCome.WARD_RESIDENTS)
    alice, bob = people(2)
    refused_writing_nothing(
        lambda: actions.register(actor=alice, event=event, party_size=1), "events.residents_only"
    )
    bob.home_ward = bob.residency_verified_ward = chuo
    bob.residency_verified_at = timezone.now()
    bob.save()
    assert actions.register(actor=bob, event=event, party_size=1).status == "confirmed"


# --- Creating and publishing ---------------------------------------------------------------------


def test_creating_an_event_writes_it_and_its_sessions_in_order(make_event, chuo):
    now = timezone.now()
    later = now + datetime.timedelta(days=40)
    sooner = now + datetime.timedelta(days=33)
    event = make_event(
        publish=False,
        sessions=[
            (later, later + datetime.timedelta(hours=1)),
            (sooner, sooner + datetime.timedelta(hours=1)),
        ],
    )
    assert (event.status, event.ward) == ("draft", chuo)
    assert [(s.position, s.starts_at) for s in event.sessions.all()] == [(1, sooner), (2, later)]
    assert AuditEntry.objects.filter(action="events.create", ward=chuo).count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"capacity_seats": 0}, "events.capacity"),
        ({"max_party": 0}, "events.max_party"),
        ({"max_party": 11}, "events.max_party"),
        ({"sessions": []}, "events.no_session"),
        ("session_backwards", "events.session_order"),
        ("closes_after_start", "events.window"),
        ("closes_before_opens", "events.window"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(make_event, change, code):
    now = timezone.now()
    starts = now + datetime.timedelta(days=30)
    if change == "session_backwards":
        change = {"sessions": [(starts, starts - datetime.timedelta(hours=1))]}
    elif change == "closes_after_start":
        change = {"registration_closes_at": starts + datetime.timedelta(hours=1)}
    elif change == "closes_before_opens":
        change = {"registration_closes_at": now - datetime.timedelta(days=2)}
    with pytest.raises(actions.EventRefused) as refused:
        make_event(publish=False, **change)
    assert refused.value.code == code
    assert (Event.objects.count(), EventSession.objects.count(), AuditEntry.objects.count()) == (0, 0, 0)


def test_the_event_is_in_its_projects_ward(project, higashi):
    with pytest.raises(actions.EventRefused) as refused:
        actions.create_event(
            actor=None, project=project, ward=higashi, kind="drill", title="訓練", title_kana="くんれん",
            capacity_seats=5, **window(),
        )  # fmt: skip
    assert refused.value.code == "events.ward_mismatch"
    assert not Event.objects.exists()


def test_only_the_wards_staff_create_and_publish(make_event, ward_staff, higashi, staff):
    other = ward_staff("higashi-staff", higashi)
    with pytest.raises(NotAllowed):
        make_event(actor=other, publish=False)
    event = make_event(actor=staff, publish=False)
    with pytest.raises(NotAllowed):
        actions.publish_event(actor=other, event=event)
    assert actions.publish_event(actor=staff, event=event).status == "published"
    with pytest.raises(actions.EventConflict):
        actions.publish_event(actor=staff, event=event)
