"""Registering again when the answer never arrived: one registration, and the person is told it is theirs."""

from django.test import Client
from tests.facilities.api_support import bearer, post

from machi.events.models import Registration


def registrations(event):
    return f"/api/events/{event.pk}/registrations"


def test_a_replay_with_the_same_key_gets_the_first_answer(make_event, people):
    event = make_event()
    [alice] = people(1)
    client = bearer(alice)

    first = post(client, registrations(event), {"party_size": 2}, HTTP_IDEMPOTENCY_KEY="reg-1")
    again = post(client, registrations(event), {"party_size": 2}, HTTP_IDEMPOTENCY_KEY="reg-1")

    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    assert (again.status_code, again["Idempotent-Replayed"], again.content) == (201, "true", first.content)
    assert Registration.objects.get().party_size == 2


def test_the_same_key_for_another_event_is_422(make_event, people):
    one, other = make_event(), make_event(title="別の講座")
    [alice] = people(1)
    client = bearer(alice)
    assert (
        post(client, registrations(one), {"party_size": 1}, HTTP_IDEMPOTENCY_KEY="reg-1").status_code == 201
    )

    answer = post(client, registrations(other), {"party_size": 1}, HTTP_IDEMPOTENCY_KEY="reg-1")

    assert (answer.status_code, answer.json()["code"]) == (422, "idempotency.key_reused")
    assert Registration.objects.count() == 1


def test_the_key_is_documented_on_the_writes_that_take_it(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    for path in ("/api/reservations", "/api/events/{event_id}/registrations"):
        operation = paths[path]["post"]
        [header] = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and not header["required"]
        assert "Idempotent-Replayed" in header["description"]
        assert {"200", "422"} <= set(operation["responses"])
