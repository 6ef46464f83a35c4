"""The events' lottery: entries during registration, a published seed, tiers, whole parties, the waiting
list in drawn order, the kept log re-run, the results mailed."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from tests.events.conftest import window
from tests.facilities.api_support import bearer, post

from machi.accounts.actors import SYSTEM
from machi.core.draws import seed_digest
from machi.events import actions
from machi.events.actions.errors import EventConflict
from machi.events.actions.lottery import published_seed
from machi.events.draw import run_draw
from machi.events.models import Event, Registration


def after_close(event):
    return event.registration_closes_at + datetime.timedelta(minutes=1)


def fresh(registration):
    return Registration.objects.get(pk=registration.pk)


def test_the_draw_is_determined_by_its_seed_tiers_first_and_whole_parties_while_seats_fit():
    entries = [
        {"entry": n, "party": 1 + n % 3, "tier": 1 if n < 4 else 2 if n < 8 else 3} for n in range(1, 11)
    ]
    log = run_draw(seed="seed-1", seats=8, entries=entries)

    assert log["order"] == [1, 3, 2, 5, 6, 4, 7, 10, 8, 9]
    assert run_draw(seed="seed-1", seats=8, entries=entries)["order"] == log["order"]
    assert run_draw(seed="seed-2", seats=8, entries=entries)["order"] != log["order"]
    results = [(d["entry"], d["party"], d["result"]) for d in log["decisions"]]
    # 1, 3 and 2 take 6 of 8; 5 (3 people) does not fit, 6 (1) behind it does; 9 (1) takes the last seat.
    assert results == [
        (1, 2, "won"),
        (3, 1, "won"),
        (2, 3, "won"),
        (5, 3, "lost"),
        (6, 1, "won"),
        (4, 2, "lost"),
        (7, 2, "lost"),
        (10, 2, "lost"),
        (8, 3, "lost"),
        (9, 1, "won"),
    ]
    assert log["seed_digest"] == seed_digest("seed-1")


def test_publishing_draws_a_secret_seed_shown_only_by_its_digest_until_registration_closes(make_event):
    event = make_event(allocation="lottery")
    assert len(event.lottery_seed) == 64
    assert event.lottery_seed_digest == seed_digest(event.lottery_seed)
    assert published_seed(event) is None
    assert published_seed(event, after_close(event)) == event.lottery_seed
    assert make_event().lottery_seed == ""  # first come: no seed


def test_the_event_page_shows_the_seeds_digest_and_the_seed_only_once_registration_has_closed(make_event):
    event = make_event(allocation="lottery")
    page = Client().get(f"/events/{event.pk}/").content.decode()
    assert event.lottery_seed_digest in page
    assert event.lottery_seed not in page
    assert f"/api/events/{event.pk}/lottery" in page
    Event.objects.filter(pk=event.pk).update(
        registration_closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert event.lottery_seed in Client().get(f"/events/{event.pk}/").content.decode()


def test_registering_for_a_lottery_event_enters_the_party_and_takes_no_seat(make_event, people):
    event = make_event(allocation="lottery", capacity_seats=2, max_party=2)
    a, b, c = people(3)
    entries = [actions.register(actor=p, event=event, party_size=2) for p in (a, b, c)]
    assert {fresh(r).status for r in entries} == {"entered"}
    event.refresh_from_db()
    assert event.seats_taken == 0


def test_the_api_answers_202_entered_in_the_lottery(make_event, people):
    event = make_event(allocation="lottery")
    [alice] = people(1)
    answer = post(bearer(alice), f"/api/events/{event.pk}/registrations", {"party_size": 2})
    assert answer.status_code == 202
    assert answer.json()["status"] == "entered"
    again = post(bearer(alice), f"/api/events/{event.pk}/registrations", {"party_size": 1})
    # Entered already: a second try is told so, with the entry (not a second one).
    assert (again.status_code, again.json()["id"], again.json()["status"]) == (
        200,
        answer.json()["id"],
        "entered",
    )


def test_tiers_put_verified_residents_first_then_people_new_to_the_project(make_event, people, chuo, project):
    # An earlier event of the project, held: `regular` was checked in at it this fiscal year.
    now = timezone.now()
    past = now - datetime.timedelta(days=5)
    earlier = make_event(
        title="前回の講座",
        **window(
            registration_opens_at=past - datetime.timedelta(days=10),
            registration_closes_at=past - datetime.timedelta(days=2),
            cancel_until=past - datetime.timedelta(days=3),
            sessions=[(past, past + datetime.timedelta(hours=2))],
        ),
    )
    resident, regular, newcomer = people(3)
    resident.home_ward = resident.residency_verified_ward = chuo
    resident.residency_verified_at = now
    resident.save()
    came = actions.register(actor=regular, event=earlier, party_size=1, now=past - datetime.timedelta(days=4))
    actions.check_in(actor=SYSTEM, event=earlier, session=earlier.sessions.get(), registration=came)

    event = make_event(allocation="lottery", capacity_seats=1, max_party=1)
    entries = {p: actions.register(actor=p, event=event, party_size=1) for p in (regular, newcomer, resident)}
    caller = actions.register(
        actor=SYSTEM, event=event, party_size=1, caller=("山田 花子", "やまだ", "096-1")
    )

    log = actions.draw(actor=SYSTEM, event=event, now=after_close(event))

    tiers = {fresh(r).person_id: fresh(r).lottery_tier for r in entries.values()}
    assert tiers == {resident.pk: 1, newcomer.pk: 2, regular.pk: 3}
    assert fresh(caller).lottery_tier == 2
    assert log["order"][0] == entries[resident].pk
    assert log["order"][-1] == entries[regular].pk
    assert fresh(entries[resident]).status == "confirmed"


def test_losers_wait_in_drawn_order_and_are_promoted_in_it(
    make_event, people, django_capture_on_commit_callbacks
):
    event = make_event(allocation="lottery", capacity_seats=3, max_party=3)
    persons = people(6)
    sizes = [3, 1, 2, 1, 3, 1]
    entries = [
        actions.register(actor=p, event=event, party_size=n) for p, n in zip(persons, sizes, strict=True)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        log = actions.draw(actor=SYSTEM, event=event, now=after_close(event))

    event.refresh_from_db()
    won = [d["entry"] for d in log["decisions"] if d["result"] == "won"]
    lost = [d["entry"] for d in log["decisions"] if d["result"] == "lost"]
    assert event.seats_taken == sum(fresh(Registration(pk=pk)).party_size for pk in won) <= 3
    assert event.lottery_drawn_at is not None and event.lottery_log["order"] == log["order"]
    assert [
        r.pk for r in event.registrations.filter(status="waitlisted").order_by("waitlisted_at", "id")
    ] == lost
    assert [fresh(Registration(pk=pk)).drawn_position for pk in log["order"]] == list(range(1, 7))
    assert len(mail.outbox) == 6
    assert sum("当選" in message.subject for message in mail.outbox) == len(won)

    # A winner cancels: the waiting parties are promoted first in, first out, which is the drawn order.
    first_winner = Registration.objects.get(pk=won[0])
    actions.cancel(actor=SYSTEM, registration=first_winner)
    left = 3 - sum(Registration.objects.get(pk=pk).party_size for pk in won[1:])
    expected, room = [], left
    for pk in lost:
        size = Registration.objects.get(pk=pk).party_size
        if size <= room:
            expected.append(pk)
            room -= size
    assert [pk for pk in lost if Registration.objects.get(pk=pk).status == "confirmed"] == expected
    assert entries  # every entry took part


def test_the_draw_waits_for_registration_to_close_and_runs_once(make_event, people):
    event = make_event(allocation="lottery")
    [alice] = people(1)
    actions.register(actor=alice, event=event, party_size=1)
    with pytest.raises(EventConflict, match="申込締切"):
        actions.draw(actor=SYSTEM, event=event)
    actions.draw(actor=SYSTEM, event=event, now=after_close(event))
    with pytest.raises(EventConflict, match="実施済み"):
        actions.draw(actor=SYSTEM, event=event, now=after_close(event))


def test_verification_re_runs_the_kept_log_and_a_tampered_log_fails(make_event, people):
    event = make_event(allocation="lottery", capacity_seats=3, max_party=2)
    for person in people(5):
        actions.register(actor=person, event=event, party_size=2)
    actions.draw(actor=SYSTEM, event=event, now=after_close(event))
    event.refresh_from_db()
    assert actions.verify_draw(event).ok

    tampered = dict(event.lottery_log)
    tampered["order"] = list(reversed(tampered["order"]))
    Event.objects.filter(pk=event.pk).update(lottery_log=tampered)
    event.refresh_from_db()
    verdict = actions.verify_draw(event)
    assert not verdict.ok
    assert "順番" in " ".join(verdict.problems)

    Event.objects.filter(pk=event.pk).update(lottery_seed="0" * 64)
    event.refresh_from_db()
    assert "ハッシュ" in " ".join(actions.verify_draw(event).problems)


def test_the_public_lottery_endpoint_shows_the_digest_then_the_seed_and_the_log(make_event, people):
    event = make_event(allocation="lottery", capacity_seats=1, max_party=1)
    for person in people(2):
        actions.register(actor=person, event=event, party_size=1)
    before = Client().get(f"/api/events/{event.pk}/lottery").json()
    assert before["seed_digest"] == event.lottery_seed_digest
    assert before["seed"] is None and before["log"] is None

    log = actions.draw(actor=SYSTEM, event=event, now=after_close(event))
    Event.objects.filter(pk=event.pk).update(
        registration_opens_at=timezone.now() - datetime.timedelta(days=3),
        registration_closes_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    after = Client().get(f"/api/events/{event.pk}/lottery").json()
    assert after["seed"] == event.lottery_seed
    rerun = run_draw(seed=after["seed"], seats=after["log"]["seats"], entries=after["log"]["entries"])
    assert rerun["order"] == log["order"] == after["log"]["order"]
    assert Client().get(f"/api/events/{make_event().pk}/lottery").status_code == 404


def test_the_minute_task_draws_each_event_whose_registration_has_closed_once(
    make_event, people, django_capture_on_commit_callbacks
):
    from machi.events import tasks

    event = make_event(allocation="lottery", capacity_seats=1, max_party=1)
    a, b = people(2)
    for person in (a, b):
        actions.register(actor=person, event=event, party_size=1)

    assert tasks.draw_due_lotteries.call(now=timezone.now().isoformat()) == {"drawn": [], "failed": []}
    with django_capture_on_commit_callbacks(execute=True):
        done = tasks.draw_due_lotteries.call(now=after_close(event).isoformat())
    assert event.pk in done["drawn"] and done["failed"] == []
    assert sorted(fresh(r).status for r in Registration.objects.filter(event=event)) == [
        "confirmed",
        "waitlisted",
    ]
    assert {m.to[0] for m in mail.outbox} == {a.email, b.email}
    again = tasks.draw_due_lotteries.call(now=after_close(event).isoformat())
    assert again == {"drawn": [], "failed": []}
