"""Mail never decides the answer: a booking is answered as done with the mail server down.

The mail server is down (`tests.mail_down`): the write is committed and answered as done; the
immediate queue of the tests tries the mail again at once, `MAIL_ATTEMPTS` times, and gives up."""

from tests.facilities.api_support import bearer, bookable_day, post

from machi.core import mail
from machi.facilities.models import Reservation


def test_a_booking_through_the_api_is_201_and_committed(
    room, resident, mail_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(
            bearer(resident),
            "/api/reservations",
            {"room": room.pk, "date": f"{bookable_day()}", "blocks": ["morning"]},
        )
    assert answer.status_code == 201, answer.content
    assert Reservation.objects.get().pk == answer.json()["id"]
    assert len(mail_down) == mail.MAIL_ATTEMPTS  # the immediate queue tried again at once, and gave up


def test_a_booking_through_the_form_shows_the_booking(
    client, room, resident, mail_down, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    form = {
        "date": f"{bookable_day()}",
        "blocks": ["morning"],
        "purpose": "体操教室",
        "attendees": 10,
        "step": "confirm",
    }
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/facilities/rooms/{room.pk}/book/", form)
    [reservation] = Reservation.objects.all()
    assert (answer.status_code, answer.url) == (302, f"/facilities/bookings/{reservation.pk}/")
    assert mail_down
