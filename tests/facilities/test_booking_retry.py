"""When the answer never arrives, people press again: a retry gets their booking, never a second one.

With an `Idempotency-Key` the API answers a replay with the first answer, byte for byte; without
one, blocks the person already holds are answered 200 with their booking; the form's double submit
shows the booking. Another person's booking stays a 409.
"""

from django.core import mail
from tests.facilities.api_support import bearer, bookable_day, post

from machi.accounts.models import IdempotentAnswer
from machi.facilities.actions import book, cancel
from machi.facilities.models import Reservation

KEY = "9f1c2a7e-booking-0001"


def body(room, *codes, day=None):
    return {"room": room.pk, "date": f"{day or bookable_day()}", "blocks": list(codes)}


def test_a_replay_with_the_same_key_gets_the_first_answer_and_books_nothing_more(
    room, resident, django_capture_on_commit_callbacks
):
    client = bearer(resident)
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, "/api/reservations", body(room, "morning"), HTTP_IDEMPOTENCY_KEY=KEY)
        again = post(client, "/api/reservations", body(room, "morning"), HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.content == first.content
    assert first.json()["id"] == Reservation.objects.get().pk
    assert len(mail.outbox) == 1
    kept = IdempotentAnswer.objects.get()
    assert (kept.user, kept.key, kept.operation, kept.status) == (resident, KEY, "facilities.book", 201)


def test_the_same_key_with_another_body_is_422_and_writes_nothing(room, resident):
    client = bearer(resident)
    assert (
        post(client, "/api/reservations", body(room, "morning"), HTTP_IDEMPOTENCY_KEY=KEY).status_code == 201
    )

    other = post(client, "/api/reservations", body(room, "evening"), HTTP_IDEMPOTENCY_KEY=KEY)

    assert other.status_code == 422
    assert other.json() == {
        "detail": "この Idempotency-Key は別の内容の要求にすでに使われています。新しい鍵でお送りください",
        "code": "idempotency.key_reused",
    }
    assert Reservation.objects.count() == 1


def test_a_key_is_the_persons_own(room, resident, outsider):
    """Another person's identical key is theirs: they are answered for their own request (here a 409)."""
    assert (
        post(
            bearer(resident), "/api/reservations", body(room, "morning"), HTTP_IDEMPOTENCY_KEY=KEY
        ).status_code
        == 201
    )

    theirs = post(bearer(outsider), "/api/reservations", body(room, "morning"), HTTP_IDEMPOTENCY_KEY=KEY)

    assert (theirs.status_code, theirs.json()["code"]) == (409, "booking.slot_taken")
    assert IdempotentAnswer.objects.count() == 1


def test_a_refusal_is_not_kept_so_the_same_key_may_ask_again(room, resident, outsider):
    day = bookable_day()
    taken = book(actor=outsider, room=room, date=day, block_codes=["morning"])
    client = bearer(resident)
    refused = post(client, "/api/reservations", body(room, "morning", day=day), HTTP_IDEMPOTENCY_KEY=KEY)
    assert refused.status_code == 409 and not IdempotentAnswer.objects.exists()

    cancel(actor=outsider, reservation=taken)
    booked = post(client, "/api/reservations", body(room, "morning", day=day), HTTP_IDEMPOTENCY_KEY=KEY)
    assert booked.status_code == 201 and "Idempotent-Replayed" not in booked


def test_a_key_that_is_not_printable_ascii_is_400(room, resident):
    answer = post(bearer(resident), "/api/reservations", body(room, "morning"), HTTP_IDEMPOTENCY_KEY="鍵 1")
    assert answer.status_code == 400 and not Reservation.objects.exists()


def test_a_retry_without_a_key_is_told_the_block_is_already_theirs(room, resident):
    client = bearer(resident)
    first = post(client, "/api/reservations", body(room, "morning", "afternoon"))
    assert first.status_code == 201

    again = post(client, "/api/reservations", body(room, "afternoon"))

    assert again.status_code == 200
    assert again.json() == {**first.json(), "message": "この枠はすでにあなたの予約です"}
    assert Reservation.objects.count() == 1


def test_another_persons_booking_stays_409(room, resident, outsider):
    assert post(bearer(resident), "/api/reservations", body(room, "morning")).status_code == 201
    answer = post(bearer(outsider), "/api/reservations", body(room, "morning"))
    assert (answer.status_code, answer.json()["code"]) == (409, "booking.slot_taken")


def test_blocks_partly_theirs_and_partly_anothers_stay_409(room, resident, outsider):
    day = bookable_day()
    book(actor=resident, room=room, date=day, block_codes=["morning"])
    book(actor=outsider, room=room, date=day, block_codes=["afternoon"])
    answer = post(bearer(resident), "/api/reservations", body(room, "morning", "afternoon", day=day))
    assert (answer.status_code, answer.json()["code"]) == (409, "booking.slot_taken")


def test_the_forms_double_submit_shows_the_booking(client, room, resident):
    day = bookable_day()
    form = {
        "date": f"{day}",
        "blocks": ["morning"],
        "purpose": "体操教室",
        "attendees": 10,
        "step": "confirm",
    }
    client.force_login(resident)
    first = client.post(f"/facilities/rooms/{room.pk}/book/", form)
    [reservation] = Reservation.objects.all()
    assert first.url == f"/facilities/bookings/{reservation.pk}/"

    again = client.post(f"/facilities/rooms/{room.pk}/book/", form, follow=True)

    assert again.redirect_chain == [(f"/facilities/bookings/{reservation.pk}/", 302)]
    assert "この枠はすでにあなたの予約です" in again.content.decode()
    assert Reservation.objects.count() == 1


def test_an_english_client_hears_it_in_english(room, resident):
    client = bearer(resident)
    assert post(client, "/api/reservations", body(room, "morning")).status_code == 201
    again = post(client, "/api/reservations", body(room, "morning"), HTTP_ACCEPT_LANGUAGE="en")
    assert (again.status_code, again.json()["message"]) == (200, "This slot is already booked by you")
