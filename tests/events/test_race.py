"""Seats are never oversold: 64 clients with parties of 1–3 race for 30 seats against a real server.

The harness is the booking race's (`bench.live_machi`): gunicorn with several workers and threads
serving a scratch database, SQLite or PostgreSQL after DATABASE_URL; each client has its own person,
token and connection, and all POST at once. The seat counter must equal the confirmed parties, stay
within the capacity, and the event must be full to the last seat any waiting party could fill.
"""

import pytest
from bench.live_machi import race
from tests.live_support import ENGINE, served

CLIENTS = 64
SEATS = 30


@pytest.fixture(scope="module")
def machi(tmp_path_factory, race_sqlite_template):
    with served(
        tmp_path_factory, race_sqlite_template, "event-race", users=CLIENTS, rooms=1, event=(SEATS, 3)
    ) as machi:
        yield machi


def test_64_parties_racing_for_30_seats_never_oversell(machi):
    parties = [1 + n % 3 for n in range(CLIENTS)]

    answers = race(machi, f"/api/events/{machi.event}/registrations", [{"party_size": p} for p in parties])

    statuses = [status for status, _ in answers]
    assert set(statuses) <= {201, 202}, statuses
    confirmed = [body for status, body in answers if status == 201]
    waiting = [body for status, body in answers if status == 202]
    assert all(body["status"] == "confirmed" for body in confirmed)
    assert all(body["status"] == "waitlisted" for body in waiting)
    [(taken, capacity)] = machi.query(
        f"SELECT seats_taken, capacity_seats FROM events_event WHERE id = {int(machi.event)}"
    )
    rows = machi.query(
        "SELECT status, count(*), sum(party_size) FROM events_registration"
        f" WHERE event_id = {int(machi.event)} GROUP BY status ORDER BY status"
    )
    by_status = {status: (count, seats) for status, count, seats in rows}
    assert taken == sum(body["party_size"] for body in confirmed) == by_status["confirmed"][1]
    assert taken <= capacity == SEATS
    assert by_status["confirmed"][0] == len(confirmed) and by_status["waitlisted"][0] == len(waiting)
    # Full to the last seat a waiting party could fill: every waiting party is larger than what is left.
    assert all(body["party_size"] > capacity - taken for body in waiting)
    assert len({body["code"] for body in confirmed + waiting}) == CLIENTS
    print(
        f"\n{ENGINE}: {CLIENTS} clients, {SEATS} seats → {len(confirmed)} confirmed parties holding {taken} seats,"
        f" {len(waiting)} waiting, statuses {sorted(set(statuses))}"
    )
