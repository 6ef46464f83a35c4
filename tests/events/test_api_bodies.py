"""A request body is a JSON object: anything else is refused with 400 in the one error shape, never
read as an object of defaults (schemathesis found `[null, null]` registering a party of one)."""

import pytest
from tests.facilities.api_support import bearer, post


@pytest.mark.parametrize("body", [[None, None], 3, "party", None])
def test_a_body_that_is_not_an_object_is_refused(make_event, people, body):
    event = make_event()
    [alice] = people(1)
    answer = post(bearer(alice), f"/api/events/{event.pk}/registrations", body)
    assert answer.status_code == 400, answer.content
    assert event.registrations.count() == 0


def test_the_refusal_says_what_to_send_in_the_error_shape(make_event, people):
    event = make_event()
    [alice] = people(1)
    answer = post(bearer(alice), f"/api/events/{event.pk}/registrations", [None, None])
    assert "JSON オブジェクト" in answer.content.decode()
