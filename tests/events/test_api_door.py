"""The door's API: check-ins (201 new, 200 repeat with when and by whom, 403, 404, 409, 400) and the roster."""

import pytest
from django.test import Client
from tests.facilities.api_support import bearer, post

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.events import actions


@pytest.fixture
def door(make_event, helper, people):
    event = make_event(capacity_seats=10, max_party=3)
    actions.grant_helper(actor=SYSTEM, event=event, user=helper)
    [alice] = people(1)
    alice.name_kana = "すずき ありす"
    alice.phone = "090-0000-0000"
    alice.save()
    mine = actions.register(actor=alice, event=event, party_size=2)
    called = actions.register(
        actor=SYSTEM, event=event, party_size=1, caller=("山田 花子", "ヤマダ ハナコ", "096-123-4567")
    )
    return event, mine, called, alice


def checkins(event):
    return f"/api/events/{event.pk}/checkins"


def test_a_check_in_is_201_then_200_with_when_and_by_whom(door, helper):
    event, mine, _called, _alice = door
    session = event.sessions.get()
    client = bearer(helper)
    first = post(client, checkins(event), {"code": mine.code, "session": session.pk, "nonce": "phone-1"})
    assert first.status_code == 201, first.json()
    assert first.json()["repeat"] is False and first.json()["party_size"] == 2

    again = post(client, checkins(event), {"code": mine.code.lower(), "session": session.pk})
    assert again.status_code == 200
    body = again.json()
    assert body["repeat"] is True and body["checked_in_by"] == "受付 花子"
    assert body["message"].endswith("に受付 花子さんが受付済み")
    assert body["checked_in_at"].endswith("+09:00")

    retried = post(
        client, checkins(event), {"registration": mine.pk, "session": session.pk, "nonce": "phone-1"}
    )
    assert (retried.status_code, retried.json()["id"]) == (200, first.json()["id"])


def test_a_check_in_is_403_for_anyone_but_staff_and_helpers(door, people):
    event, mine, _called, alice = door
    answer = post(bearer(alice), checkins(event), {"code": mine.code, "session": event.sessions.get().pk})
    assert answer.status_code == 403
    assert answer.json()["code"] == "scope.event"
    assert post(Client(), checkins(event), {"code": mine.code, "session": 1}).status_code in (401, 403)


def test_an_unknown_code_or_session_is_404_and_a_bad_body_400(door, helper):
    event, mine, _called, _alice = door
    session = event.sessions.get()
    client = bearer(helper)
    unknown = post(client, checkins(event), {"code": "ZZZZZZ", "session": session.pk})
    assert unknown.status_code == 404 and unknown.json()["code"] == "events.unknown_code"
    assert post(client, checkins(event), {"code": mine.code, "session": 999999}).status_code == 404
    assert post(client, "/api/events/999999/checkins", {"code": mine.code, "session": 1}).status_code == 404
    both = post(client, checkins(event), {"code": mine.code, "registration": mine.pk, "session": session.pk})
    assert both.status_code == 400
    assert post(client, checkins(event), {"code": mine.code}).status_code == 400


def test_a_registration_that_is_not_confirmed_is_409(door, helper):
    event, mine, _called, _alice = door
    actions.cancel(actor=SYSTEM, registration=mine)
    answer = post(bearer(helper), checkins(event), {"code": mine.code, "session": event.sessions.get().pk})
    assert answer.status_code == 409
    assert "取り消された申込" in answer.json()["detail"]


def test_the_roster_is_for_helpers_with_phones_only_for_callers(door, helper):
    event, mine, called, alice = door
    actions.check_in(actor=helper, event=event, session=event.sessions.get(), code=called.code)

    answer = bearer(helper).get(f"/api/events/{event.pk}/roster")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["confirmed_parties"], body["confirmed_seats"]) == (2, 3)
    rows = {row["code"]: row for row in body["items"]}
    assert rows[mine.code]["kana"] == "すずき ありす" and rows[mine.code]["phone"] == ""
    assert rows[mine.code]["name"] == str(alice)
    assert rows[called.code]["phone"] == "096-123-4567"
    assert rows[called.code]["checkins"][0]["checked_in_by"] == "受付 花子"
    assert [row["code"] for row in body["items"]] == [mine.code, called.code]  # すずき before やまだ
    assert AuditEntry.objects.filter(action="events.view_roster").count() == 1

    assert bearer(alice).get(f"/api/events/{event.pk}/roster").status_code == 403
    assert bearer(helper).get("/api/events/999999/roster").status_code == 404


def test_the_door_endpoints_are_in_the_openapi_schema(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/events/{event_id}/checkins"]
    assert "get" in paths["/api/events/{event_id}/roster"]
