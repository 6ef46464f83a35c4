"""The events API: public listing and detail, registering (201/202/409/400/401/403), cancelling, mine.

Public answers carry codes and counts, never a person's name or phone.
"""

import datetime

from django.test import Client
from django.utils import timezone
from tests.facilities.api_support import bearer, post

from machi.events.models import Event, Registration

CALLER = {"name": "山田 花子", "kana": "やまだ はなこ", "phone": "096-123-4567"}


def registrations(event):
    return f"/api/events/{event.pk}/registrations"


def test_the_list_shows_published_events_paginated_and_filtered(make_event, project):
    course = make_event(title="防災講座", kind="course")
    drill = make_event(title="避難訓練", kind="drill")
    make_event(title="下書きの講座", publish=False)

    answer = Client().get("/api/events").json()
    assert answer["count"] == 2
    assert [item["title"] for item in answer["items"]] == ["防災講座", "避難訓練"]
    assert Client().get("/api/events?kind=drill").json()["items"][0]["id"] == drill.pk
    assert Client().get("/api/events?limit=1&offset=1").json()["items"][0]["id"] == drill.pk
    assert Client().get("/api/events?ward=中央区").json()["count"] == 2
    assert Client().get("/api/events?ward=431028").status_code == 400  # 東区 is not registered here
    day = timezone.localtime(course.sessions.get().starts_at).date()
    assert Client().get(f"/api/events?from={day}&to={day}").json()["count"] == 2
    after = day + datetime.timedelta(days=1)
    assert Client().get(f"/api/events?from={after}").json()["count"] == 0
    assert Client().get(f"/api/events?from={after}&to={day}").status_code == 400
    for bad in (
        "to=0",
        "from=0183-06-01",
        "limit=14985549502392278785720320",
        "offset=-1",
        "limit=501",
        f"offset={2**63 - 1}",
    ):
        assert Client().get(f"/api/events?{bad}").status_code == 400, bad


def test_a_registration_takes_a_fixed_number_of_queries(make_event, people, django_assert_num_queries):
    """An event's opening is made of these: token; the event; its questions; savepoint (the transaction,
    outside a test); registration; audit; seats; release. (With the database queue the mail's task is one
    insert more; the task writes the mail.) The event is read once and not locked: a party that fits takes
    its seats last. No query asks whether the person registered already: the database's unique index
    does, and their retry is told it is theirs."""
    event = make_event(capacity_seats=10)
    alice, bob = people(2)
    assert post(bearer(alice), registrations(event), {"party_size": 1}).status_code == 201
    client = bearer(bob)
    client.get("/api/me")  # the token's use is recorded once a minute, not in the count
    with django_assert_num_queries(8):
        assert post(client, registrations(event), {"party_size": 2}).status_code == 201
    again = post(client, registrations(event), {"party_size": 2})
    assert again.status_code == 200 and again.json()["message"]


def test_the_detail_gives_the_seats_left_and_local_times(make_event, people):
    event = make_event(capacity_seats=10)
    [alice] = people(1)
    post(bearer(alice), registrations(event), {"party_size": 3})

    answer = Client().get(f"/api/events/{event.pk}").json()
    assert (answer["capacity_seats"], answer["seats_left"], answer["kind_label"]) == (10, 7, "講座")
    assert answer["sessions"][0]["starts_at"].endswith("+09:00")
    assert answer["organiser"] is None
    assert Client().get(f"/api/events/{make_event(publish=False).pk}").status_code == 404


def test_registering_answers_201_confirmed_then_202_waitlisted(make_event, people):
    event = make_event(capacity_seats=3, max_party=3)
    alice, bob = people(2)

    confirmed = post(bearer(alice), registrations(event), {"party_size": 3})
    waiting = post(bearer(bob), registrations(event), {"party_size": 1})

    assert confirmed.status_code == 201 and confirmed.json()["status"] == "confirmed"
    assert waiting.status_code == 202 and waiting.json()["status"] == "waitlisted"
    assert set(confirmed.json()) == {
        "id",
        "event",
        "code",
        "party_size",
        "status",
        "on_behalf",
        "created_at",
        "cancelled_at",
        "message",
    }
    assert confirmed.json()["message"] == ""


def test_refusals_answer_with_their_status_and_code(make_event, people, ward_staff, higashi):
    event = make_event(capacity_seats=2, max_party=2, waitlist=False)
    alice, bob = people(2)
    client = bearer(alice)

    assert post(client, registrations(event), {"party_size": 3}).status_code == 400
    assert post(client, registrations(event), {"party_size": 0}).status_code == 400
    assert post(Client(), registrations(event), {"party_size": 1}).status_code == 401
    other = bearer(ward_staff("higashi-staff", higashi))
    assert post(other, registrations(event), {"party_size": 1, "caller": CALLER}).status_code == 403
    first = post(client, registrations(event), {"party_size": 2})
    assert first.status_code == 201
    again = post(client, registrations(event), {"party_size": 1})  # a retry: their registration, not a 409
    assert again.status_code == 200
    assert again.json() == {**first.json(), "message": "この催しにはすでに申し込んでいます"}
    full = post(bearer(bob), registrations(event), {"party_size": 1})
    assert (full.status_code, full.json()["code"]) == (409, "events.full")
    closed = make_event(publish=False)
    Event.objects.filter(pk=closed.pk).update(status=Event.Status.CLOSED)
    answer = post(client, registrations(closed), {"party_size": 1})
    assert (answer.status_code, answer.json()["code"]) == (409, "events.closed")
    assert post(client, "/api/events/999999/registrations", {"party_size": 1}).status_code == 404
    assert Registration.objects.count() == 1


def test_cancelling_promotes_and_mine_lists_ones_own(make_event, people):
    event = make_event(capacity_seats=1, max_party=1)
    alice, bob, mallory = people(3)
    held = post(bearer(alice), registrations(event), {"party_size": 1}).json()
    waiting = post(bearer(bob), registrations(event), {"party_size": 1}).json()

    assert post(bearer(mallory), f"/api/registrations/{held['id']}/cancel").status_code == 404
    cancelled = post(bearer(alice), f"/api/registrations/{held['id']}/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    again = post(bearer(alice), f"/api/registrations/{held['id']}/cancel")
    assert again.status_code == 409

    mine = bearer(bob).get("/api/registrations/mine").json()
    assert [(r["id"], r["status"]) for r in mine] == [(waiting["id"], "confirmed")]
    assert Client().get("/api/registrations/mine").status_code == 401


def test_no_public_answer_carries_a_persons_name_or_phone(make_event, people, staff):
    event = make_event(capacity_seats=5)
    [alice] = people(1)
    answers = [
        post(bearer(staff), registrations(event), {"party_size": 2, "caller": CALLER}),
        post(bearer(alice), registrations(event), {"party_size": 1}),
        bearer(alice).get("/api/registrations/mine"),
        Client().get("/api/events"),
        Client().get(f"/api/events/{event.pk}"),
    ]
    assert [a.status_code for a in answers] == [201, 201, 200, 200, 200]
    text = "".join(a.content.decode() for a in answers)
    for personal in (
        CALLER["name"],
        CALLER["kana"],
        CALLER["phone"],
        alice.display_name,
        alice.email,
        alice.username,
        staff.display_name,
        "chuo-staff",
    ):
        assert personal not in text


def test_the_endpoints_are_in_the_openapi_schema(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/events",
        "/api/events/{event_id}",
        "/api/events/{event_id}/registrations",
        "/api/registrations/{registration_id}/cancel",
        "/api/registrations/mine",
    ):
        assert path in paths


def test_the_list_runs_a_fixed_number_of_queries(make_event, django_assert_num_queries):
    make_event()
    with django_assert_num_queries(4) as few:
        assert Client().get("/api/events").json()["count"] == 1
    for n in range(5):
        make_event(title=f"講座{n}")
    with django_assert_num_queries(len(few.captured_queries)):
        assert Client().get("/api/events").json()["count"] == 6
