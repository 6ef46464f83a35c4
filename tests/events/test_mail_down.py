"""Mail never decides the answer: a registration is answered as done with the mail server down.

The mail server is down (`tests.mail_down`): the write is committed and answered as done; the
immediate queue of the tests tries the mail again at once, `MAIL_ATTEMPTS` times, and gives up."""

from tests.facilities.api_support import bearer, post

from machi.events.models import Registration


def test_a_registration_through_the_api_is_201_and_committed(
    make_event, people, mail_down, django_capture_on_commit_callbacks
):
    event = make_event()
    [alice] = people(1)
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(bearer(alice), f"/api/events/{event.pk}/registrations", {"party_size": 1})
    assert answer.status_code == 201, answer.content
    assert Registration.objects.get().pk == answer.json()["id"]
    assert mail_down
