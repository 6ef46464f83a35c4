"""Booking through the API: 201 with the reservation, 409 for a taken block, 400 with why, 401/403/404."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from tests.facilities.api_support import bearer, bookable_day, post

from machi.accounts.models import CommunityGroup
from machi.facilities.actions import book
from machi.facilities.models import Reservation, ReservationBlock
from machi.facilities.queries import add_months


def test_a_resident_books_a_free_block_and_gets_the_reservation(room, resident):
    day = bookable_day()

    answer = post(
        bearer(resident),
        "/api/reservations",
        {"room": room.pk, "date": f"{day}", "blocks": ["afternoon", "morning"], "purpose": "体操教室"},
    )

    assert answer.status_code == 201, answer.content
    reservation = Reservation.objects.get()
    body = answer.json()
    assert body["id"] == reservation.pk
    assert body["receipt_number"] == f"M{day:%Y}-{reservation.pk:07d}"
    assert (body["room"], body["room_name"], body["centre_name"]) == (
        room.pk,
        "和室",
        "白川地域コミュニティセンター",
    )
    assert (body["date"], body["blocks"], body["start"], body["end"]) == (
        f"{day}",
        ["morning", "afternoon"],
        "09:00",
        "17:00",
    )
    assert (body["status"], body["status_label"]) == ("confirmed", "確定")
    assert (body["fee_yen"], body["exemption_yen"], body["payable_yen"]) == (1200, 0, 1200)
    assert body["cancellable_until"] == f"{day - datetime.timedelta(days=3)}"
    assert body["purpose"] == "体操教室"
    assert reservation.holder == resident
    assert reservation.booked_by == resident
    assert not reservation.on_behalf
    assert sorted(reservation.held_blocks.values_list("block__code", flat=True)) == ["afternoon", "morning"]


def test_the_booking_mail_names_the_blocks_in_order(room, resident, django_capture_on_commit_callbacks):
    body = {"room": room.pk, "date": f"{bookable_day()}", "blocks": ["evening", "afternoon"]}
    with django_capture_on_commit_callbacks(execute=True):
        assert post(bearer(resident), "/api/reservations", body).status_code == 201
    [sent] = mail.outbox
    assert sent.to == ["hanako@example.jp"]
    assert "ご予約が確定しました" in sent.body
    assert "区分：午後・夜間\n時間：13:00〜17:00、18:00〜21:00" in sent.body  # 17:00–18:00 is not booked


def test_a_room_that_needs_approval_answers_pending(hall, resident):
    answer = post(
        bearer(resident),
        "/api/reservations",
        {"room": hall.pk, "date": f"{bookable_day()}", "blocks": ["evening"]},
    )
    assert answer.status_code == 201
    assert (answer.json()["status"], answer.json()["status_label"]) == ("pending", "承認待ち")


def test_a_taken_block_is_409_and_nothing_more_is_written(room, resident, outsider):
    day = bookable_day()
    book(actor=resident, room=room, date=day, block_codes=["morning", "afternoon"])

    answer = post(
        bearer(outsider),
        "/api/reservations",
        {"room": room.pk, "date": f"{day}", "blocks": ["afternoon", "evening"]},
    )

    assert answer.status_code == 409
    assert answer.json() == {
        "detail": f"和室の{day:%Y年%-m月%-d日} 午後はすでに予約されています",
        "code": "booking.slot_taken",
    }
    assert Reservation.objects.count() == 1
    assert ReservationBlock.objects.filter(active=True).count() == 2


def test_a_group_booking_gets_its_exemption(room, resident, approved_group, centre):
    centre.exemptions.create(group_kind="jichikai", percent=50)
    answer = post(
        bearer(resident),
        "/api/reservations",
        {
            "room": room.pk,
            "date": f"{bookable_day()}",
            "blocks": ["morning"],
            "group": approved_group.pk,
            "attendees": 12,
        },
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["group"], body["attendees"]) == (approved_group.pk, 12)
    assert (body["fee_yen"], body["exemption_yen"], body["payable_yen"]) == (600, 300, 300)


def test_booking_for_a_group_one_does_not_belong_to_is_403(room, outsider, approved_group):
    answer = post(
        bearer(outsider),
        "/api/reservations",
        {"room": room.pk, "date": f"{bookable_day()}", "blocks": ["morning"], "group": approved_group.pk},
    )
    assert answer.status_code == 403
    assert answer.json() == {"detail": "この団体としては予約できません", "code": "booking.group"}
    assert not Reservation.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"blocks": ["morning", "evening"]}, "続けて予約できるのは連続した区分だけです"),
        ({"blocks": ["night"]}, "利用区分「night」はこのセンターにありません"),
        ({"blocks": ["morning", "morning"]}, "同じ利用区分が重複しています"),
        ({"attendees": 21}, "和室の定員は20人です（利用人数 21人）"),
        ({"date": "2025-01-06"}, "開始時刻を過ぎた区分は予約できません"),
        ({"date": "9999-01-06"}, "利用日は2000年から2199年までで指定してください"),
        ({"room": 987654}, "部屋が見つかりません（id: 987654）"),
        ({"blocks": []}, "「blocks」"),
        ({"date": "2027-02-30"}, "「date」"),
        ({"room": "1"}, "「room」は整数で指定してください"),
        ({"holder": 1}, "「holder」という項目は受け付けていません"),
    ],
)
def test_a_refused_booking_is_400_and_says_why(room, resident, change, message):
    body = {"room": room.pk, "date": f"{bookable_day()}", "blocks": ["morning"], **change}
    answer = post(bearer(resident), "/api/reservations", body)
    assert answer.status_code == 400, answer.content
    assert message in answer.json()["detail"]
    assert not Reservation.objects.exists()


def test_a_day_whose_window_has_not_opened_is_400_with_the_opening(room, resident):
    day = add_months(bookable_day(), 3).replace(day=12)
    answer = post(
        bearer(resident), "/api/reservations", {"room": room.pk, "date": f"{day}", "blocks": ["morning"]}
    )
    assert answer.status_code == 400
    opening = add_months(day, -2)
    assert answer.json()["detail"] == (
        f"{day:%Y年%-m月%-d日}分の予約受付は{opening:%Y年%-m月%-d日} 09:00からです"
    )


def test_a_group_that_is_not_approved_is_400(room, resident, approved_group):
    CommunityGroup.objects.filter(pk=approved_group.pk).update(status="pending")
    body = {"room": room.pk, "date": f"{bookable_day()}", "blocks": ["morning"], "group": approved_group.pk}
    answer = post(bearer(resident), "/api/reservations", body)
    assert answer.status_code == 400
    assert answer.json()["detail"] == "白川一丁目自治会は区の承認前のため、団体として予約できません"


def test_booking_needs_credentials(room):
    answer = post(
        Client(), "/api/reservations", {"room": room.pk, "date": f"{bookable_day()}", "blocks": ["morning"]}
    )
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == 'Bearer realm="machi"'
    assert not Reservation.objects.exists()


def test_a_session_books_with_the_csrf_token_and_not_without(room, resident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    client.get("/api/docs")
    csrf = client.cookies["csrftoken"].value
    body = {"room": room.pk, "date": f"{bookable_day()}", "blocks": ["morning"]}

    assert post(client, "/api/reservations", body).status_code == 403
    assert post(client, "/api/reservations", body, HTTP_X_CSRFTOKEN=csrf).status_code == 201


def test_mine_lists_only_the_callers_upcoming_reservations(room, resident, outsider):
    day = bookable_day()
    own = book(actor=resident, room=room, date=day, block_codes=["morning"])
    book(actor=outsider, room=room, date=day, block_codes=["evening"])
    past = book(actor=resident, room=room, date=day, block_codes=["afternoon"])
    Reservation.objects.filter(pk=past.pk).update(date=datetime.date(2024, 4, 1))

    client = bearer(resident)
    assert [r["id"] for r in client.get("/api/reservations/mine").json()] == [own.pk]
    assert [r["id"] for r in client.get("/api/reservations/mine", {"past": "true"}).json()] == [
        past.pk,
        own.pk,
    ]
    assert Client().get("/api/reservations/mine").status_code == 401


def test_mine_runs_the_same_queries_for_one_reservation_or_many(room, resident, django_assert_num_queries):
    client = bearer(resident)
    client.get("/api/me")  # the token's first use is recorded once, not on every call
    book(actor=resident, room=room, date=bookable_day(), block_codes=["morning"])
    # token, reservations with rooms and centres, held blocks with their blocks
    with django_assert_num_queries(3):
        assert len(client.get("/api/reservations/mine").json()) == 1
    for offset in range(1, 6):
        book(actor=resident, room=room, date=bookable_day(offset), block_codes=["morning", "afternoon"])
    with django_assert_num_queries(3):
        assert len(client.get("/api/reservations/mine").json()) == 6


def test_the_holder_cancels_and_the_block_is_free_again(
    room, resident, outsider, django_capture_on_commit_callbacks
):
    day = bookable_day()
    reservation = book(actor=resident, room=room, date=day, block_codes=["morning"])

    with django_capture_on_commit_callbacks(execute=True):
        answer = post(
            bearer(resident), f"/api/reservations/{reservation.pk}/cancel", {"reason": "雨天のため"}
        )

    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "cancelled"
    assert answer.json()["blocks"] == ["morning"]
    reservation.refresh_from_db()
    assert (reservation.status, reservation.cancel_reason, reservation.cancelled_by) == (
        "cancelled",
        "雨天のため",
        resident,
    )
    [sent] = mail.outbox
    assert "ご予約を取り消しました" in sent.body
    assert "区分：午前\n時間：9:00〜12:00" in sent.body
    again = post(
        bearer(outsider), "/api/reservations", {"room": room.pk, "date": f"{day}", "blocks": ["morning"]}
    )
    assert again.status_code == 201


def test_cancel_without_a_body_needs_no_reason(room, resident):
    reservation = book(actor=resident, room=room, date=bookable_day(), block_codes=["morning"])
    answer = bearer(resident).generic("POST", f"/api/reservations/{reservation.pk}/cancel")  # no body at all
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "cancelled"


def test_cancelling_twice_is_400(room, resident):
    reservation = book(actor=resident, room=room, date=bookable_day(), block_codes=["morning"])
    client = bearer(resident)
    assert post(client, f"/api/reservations/{reservation.pk}/cancel").status_code == 200
    answer = post(client, f"/api/reservations/{reservation.pk}/cancel")
    assert answer.status_code == 400
    assert answer.json()["detail"] == "この予約は「取消」のため、この操作はできません"


def test_after_the_deadline_only_the_manager_cancels(room, resident, manager, centre):
    centre.cancel_deadline_days = 60
    centre.save()
    reservation = book(actor=resident, room=room, date=bookable_day(), block_codes=["morning"])

    refused = post(bearer(resident), f"/api/reservations/{reservation.pk}/cancel")
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("取消の期限")
    assert post(bearer(manager), f"/api/reservations/{reservation.pk}/cancel").status_code == 200


def test_someone_elses_reservation_is_not_found_and_stays(room, resident, outsider):
    reservation = book(actor=resident, room=room, date=bookable_day(), block_codes=["morning"])
    answer = post(bearer(outsider), f"/api/reservations/{reservation.pk}/cancel")
    assert answer.status_code == 404
    assert answer.json() == {"detail": f"予約が見つかりません（id: {reservation.pk}）", "code": "not_found"}
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"
    assert post(Client(), f"/api/reservations/{reservation.pk}/cancel").status_code == 401


def test_every_facilities_operation_documents_its_answers(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    documented = {
        (method, path): set(operation["responses"])
        for path, methods in paths.items()
        for method, operation in methods.items()
        if operation["tags"] == ["facilities"]
    }
    assert documented == {
        ("get", "/api/centres"): {"200"},
        ("get", "/api/rooms/{room_id}/availability"): {"200", "400", "404"},
        ("post", "/api/reservations"): {"200", "201", "400", "401", "403", "409", "422"},
        ("get", "/api/reservations/mine"): {"200", "400", "401"},
        ("post", "/api/reservations/{reservation_id}/cancel"): {"200", "400", "401", "403", "404"},
    }


def test_a_booking_takes_a_bounded_number_of_queries(
    room, resident, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """The 9:00 rush is made of these: no reading back, no query per block, the mail included, and the
    centre's settings kept in the process while their stamp holds.

    token; the centre's stamp; savepoint (the transaction, outside a test); reservation; held blocks (one
    insert for three); audit; release (commit). The mail is written by its task, not in the request.
    """
    client = bearer(resident)
    first = {"room": room.pk, "date": f"{bookable_day()}", "blocks": ["morning"]}
    assert post(client, "/api/reservations", first).status_code == 201
    body = {"room": room.pk, "date": f"{bookable_day(1)}", "blocks": ["morning", "afternoon", "evening"]}
    with django_capture_on_commit_callbacks() as after_commit, django_assert_num_queries(7):
        assert post(client, "/api/reservations", body).status_code == 201
    for callback in after_commit:  # the mail is written by its task, after the answer
        callback()
    assert len(mail.outbox) == 1  # the second's (the first's waits for a commit the test never makes)
    assert "午前・午後・夜間" in mail.outbox[0].body


def test_losing_the_race_reads_once_after_the_guard_refused(
    room, resident, outsider, django_assert_num_queries
):
    """At 9:00 most answers are 409: token; stamp; savepoint; reservation; held blocks (refused);
    rollback (in a test: to the savepoint, and its release); the taken blocks with their holders (which
    also tells a person's own retry)."""
    body = {"room": room.pk, "date": f"{bookable_day()}", "blocks": ["afternoon"]}
    assert post(bearer(resident), "/api/reservations", body).status_code == 201
    client = bearer(outsider)
    client.get("/api/me")  # the token's use is recorded once a minute, not in the count
    with django_assert_num_queries(8):
        taken = post(client, "/api/reservations", body)
    assert taken.status_code == 409 and "午後" in taken.json()["detail"]


def test_an_english_client_gets_its_refusals_in_english(room, resident, outsider, approved_group):
    day = bookable_day()
    book(actor=resident, room=room, date=day, block_codes=["afternoon"])

    taken = post(
        bearer(outsider),
        "/api/reservations",
        {"room": room.pk, "date": f"{day}", "blocks": ["afternoon"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert taken.status_code == 409
    assert taken.json() == {
        "detail": f"和室 on {day:%B %-d, %Y}, Afternoon, is already booked",
        "code": "booking.slot_taken",
    }

    not_a_member = post(
        bearer(outsider),
        "/api/reservations",
        {"room": room.pk, "date": f"{day}", "blocks": ["morning"], "group": approved_group.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert not_a_member.status_code == 403
    assert not_a_member.json() == {"detail": "You cannot book as this group", "code": "booking.group"}

    missing = Client().get("/api/rooms/999999/availability", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.json() == {"detail": "Room not found (id: 999999)", "code": "not_found"}
    assert Reservation.objects.count() == 1
