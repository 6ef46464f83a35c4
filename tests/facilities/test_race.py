"""No double booking, ever: many clients race for the same block against a real server and database.

Each client is a thread with its own person and personal token and its own HTTP
connection; they all wait at a barrier, then POST at the same instant to gunicorn
(several worker processes, each with threads) serving a scratch database: a SQLite file
when the suite runs on SQLite, a new PostgreSQL database when DATABASE_URL names a
PostgreSQL server. Exactly one client may win; every other one must hear 409, and the
database must hold exactly one booking of the block.
"""

import json

import pytest
from bench.live_machi import race
from tests.live_support import served

CLIENTS = 48


@pytest.fixture(scope="module")
def machi(tmp_path_factory, race_sqlite_template):
    with served(tmp_path_factory, race_sqlite_template, "race", users=CLIENTS, rooms=3) as machi:
        yield machi


def active_bookings(machi, room: int, day: str) -> list[tuple[int, str, str]]:
    """(reservation id, status, block code) of each active held block of the room on the day."""
    return machi.query(
        "SELECT r.id, r.status, b.code FROM facilities_reservationblock h"
        " JOIN facilities_reservation r ON r.id = h.reservation_id"
        " JOIN facilities_timeblock b ON b.id = h.block_id"
        f" WHERE h.active AND h.room_id = {int(room)} AND h.date = '{day}' ORDER BY b.position"
    )


def test_many_clients_racing_for_one_block_make_exactly_one_booking(machi):
    room, day = machi.rooms[0], machi.days[0]

    answers = race(machi, "/api/reservations", [{"room": room, "date": day, "blocks": ["morning"]}] * CLIENTS)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (CLIENTS - 1), statuses
    [winner] = [body for status, body in answers if status == 201]
    assert (winner["status"], winner["blocks"], winner["date"]) == ("confirmed", ["morning"], day)
    assert {body["detail"] for status, body in answers if status == 409} <= {
        "ほかの方が先に予約しました。別の区分か部屋をお選びください",
        f"会議室1の{int(day[:4])}年{int(day[5:7])}月{int(day[8:])}日 午前はすでに予約されています",
    }
    assert active_bookings(machi, room, day) == [(winner["id"], "confirmed", "morning")]
    assert machi.query(f"SELECT count(*) FROM facilities_reservation WHERE room_id = {room}") == [(1,)]


def test_overlapping_bookings_of_several_blocks_never_share_a_block(machi):
    """Every request holds 午後: [午前, 午後], [午後, 夜間] and [午後] race, so one wins and takes its blocks whole."""
    room, day = machi.rooms[1], machi.days[0]
    shapes = [["morning", "afternoon"], ["afternoon", "evening"], ["afternoon"]]
    bodies = [{"room": room, "date": day, "blocks": shapes[n % 3]} for n in range(CLIENTS)]

    answers = race(machi, "/api/reservations", bodies)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (CLIENTS - 1), statuses
    [winner] = [body for status, body in answers if status == 201]
    held = active_bookings(machi, room, day)
    assert held == [(winner["id"], "confirmed", code) for code in winner["blocks"]]
    assert machi.query(f"SELECT count(*) FROM facilities_reservation WHERE room_id = {room}") == [(1,)]


def test_clients_racing_for_different_blocks_all_win(machi):
    """The guarantee refuses only a real clash: 48 different blocks of one room, one client each."""
    room = machi.rooms[2]
    targets = [(day, block) for day in machi.days for block in machi.blocks][:CLIENTS]
    answers = race(
        machi, "/api/reservations", [{"room": room, "date": day, "blocks": [block]} for day, block in targets]
    )

    assert [status for status, _ in answers] == [201] * len(targets)
    rows = machi.query(f"SELECT count(*) FROM facilities_reservationblock WHERE active AND room_id = {room}")
    assert rows == [(len(targets),)]


def test_bookings_of_overlapping_blocks_never_share_time(machi):
    """Time, not the block, is what cannot be booked twice.

    A centre's blocks may not overlap (the database refuses it), so this sets up what an
    outside probe once did through the admin — a block `late` 10:00–11:00 beside 午前
    9:00–12:00 — past that guard. Half the clients book 午前 and half `late`: one wins.
    """
    room, day = machi.rooms[0], machi.days[1]
    [(centre,)] = machi.query(f"SELECT centre_id FROM facilities_room WHERE id = {int(room)}")
    without_block_guard = (
        ["DROP TRIGGER blocks_never_overlap_insert"]
        if machi.engine == "sqlite"
        else ["ALTER TABLE facilities_timeblock DROP CONSTRAINT blocks_never_overlap"]
    )
    machi.execute(
        *without_block_guard,
        "INSERT INTO facilities_timeblock (centre_id, code, label, starts_at, ends_at, position)"
        f" VALUES ({int(centre)}, 'late', '遅め', '10:00:00', '11:00:00', 9)",
    )

    answers = race(
        machi,
        "/api/reservations",
        [{"room": room, "date": day, "blocks": [("morning", "late")[n % 2]]} for n in range(CLIENTS)],
    )

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (CLIENTS - 1), statuses
    assert {body["code"] for status, body in answers if status == 409} == {"booking.slot_taken"}
    [winner] = [body for status, body in answers if status == 201]
    assert active_bookings(machi, room, day) == [(winner["id"], "confirmed", winner["blocks"][0])]


def test_one_person_pressing_again_and_again_gets_one_booking_and_hears_it_is_theirs(machi):
    """The same person's requests race (their answer never came, they pressed again): one booking,
    one 201, and every other request is told the block is already theirs (200) — never a 409."""
    room, day = machi.rooms[1], machi.days[1]

    answers = race(
        machi, "/api/reservations", [{"room": room, "date": day, "blocks": ["evening"]}] * 8, person=0
    )

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 7 + [201], statuses
    assert {body["id"] for _, body in answers} == {answers[0][1]["id"]}
    assert {body["message"] for status, body in answers if status == 200} == {
        "この枠はすでにあなたの予約です"
    }
    assert [code for *_, code in active_bookings(machi, room, day) if code == "evening"] == ["evening"]


def test_racing_requests_with_one_idempotency_key_make_one_booking_and_one_answer(machi):
    """Concurrent requests with the same key: the later ones wait for the first and replay its answer."""
    room, day = machi.rooms[1], machi.days[1]
    body = {"room": room, "date": day, "blocks": ["morning"]}

    answers = race(machi, "/api/reservations", [body] * 8, person=1, key="race-key-0001")

    assert [status for status, _ in answers] == [201] * 8
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1
    [(count,)] = machi.query("SELECT count(*) FROM accounts_idempotentanswer WHERE key = 'race-key-0001'")
    assert count == 1
    assert [code for *_, code in active_bookings(machi, room, day) if code == "morning"] == ["morning"]
