"""Booking mail links to the host the server runs at (machi.core.mail.absolute_url), not a default address."""

import pytest
from django.core import mail as outbox
from tests.facilities.api_support import bookable_day
from tests.facilities.conftest import NOW, OPEN_DAY

from machi.core import mail
from machi.facilities import actions

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(
    transaction=True
)  # the booking commits, and its mail is written, while the request is served
def test_a_booking_made_on_a_page_links_to_the_host_the_server_runs_at(client, room, resident, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "machi.example.org"]
    settings.MACHI_SITE_URL = ""
    client.force_login(resident)
    data = {
        "date": bookable_day().isoformat(),
        "blocks": ["morning"],
        "purpose": "体操",
        "attendees": 5,
        "step": "confirm",
    }
    response = client.post(
        f"/facilities/rooms/{room.pk}/book/", data, HTTP_HOST="machi.example.org", secure=True
    )
    assert response.status_code == 302
    (message,) = outbox.outbox
    reservation = resident.reservations.get()
    assert f"https://machi.example.org/facilities/bookings/{reservation.pk}/" in message.body
    assert "127.0.0.1:8000" not in message.body


def test_without_a_request_booking_mail_links_to_the_default_address(
    room, resident, settings, django_capture_on_commit_callbacks
):
    settings.MACHI_SITE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        reservation = actions.book(actor=resident, room=room, date=OPEN_DAY, block_codes=["evening"], now=NOW)
    assert f"{mail.DEFAULT_SITE_URL}/facilities/bookings/{reservation.pk}/" in outbox.outbox[0].body
