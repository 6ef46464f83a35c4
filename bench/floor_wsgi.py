"""The floor of a booking: the same work as POST /api/reservations in a few dozen lines of WSGI, no Django.

Look up the bearer token the way Machi does (SHA-256 digest in accounts_apitoken, unrevoked,
unexpired, an active person), check the block is free, insert the reservation and its held
block under the same unique index and exclusion constraint, in one transaction: 201 or 409.
No audit entry, no mail task, no rules: what Machi does beyond this is its overhead.
Served by the same gunicorn settings as Machi (bench/booking_rush.py runs both in one run):

    DATABASE_URL=postgres://… gunicorn bench.floor_wsgi:application
"""

import hashlib
import json
import os
import threading

import psycopg
from psycopg.errors import ExclusionViolation, UniqueViolation

_local = threading.local()  # one connection per thread, kept (as Django's CONN_MAX_AGE does)


def _db():
    if getattr(_local, "connection", None) is None or _local.connection.closed:
        _local.connection = psycopg.connect(os.environ["DATABASE_URL"])
    return _local.connection


def _answer(start_response, status: str, body: dict):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def application(environ, start_response):
    if environ["REQUEST_METHOD"] == "GET":
        return _answer(start_response, "200 OK", {"up": True})  # for the benchmark's wait until up
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith("machi_"):
        return _answer(start_response, "401 Unauthorized", {"detail": "token"})
    length = int(environ.get("CONTENT_LENGTH") or 0)
    wanted = json.loads(environ["wsgi.input"].read(length))
    digest = hashlib.sha256(token.encode()).hexdigest()
    db = _db()
    try:
        with db.transaction():
            person = db.execute(
                "SELECT u.id FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id"
                " WHERE t.digest = %s AND t.revoked_at IS NULL AND t.expires_at > now() AND u.is_active",
                (digest,),
            ).fetchone()
            if person is None:
                return _answer(start_response, "401 Unauthorized", {"detail": "token"})
            block = db.execute(
                "SELECT b.id, b.starts_at, b.ends_at FROM facilities_room r"
                " JOIN facilities_timeblock b ON b.centre_id = r.centre_id WHERE r.id = %s AND b.code = %s",
                (wanted["room"], wanted["blocks"][0]),
            ).fetchone()
            if db.execute(
                "SELECT 1 FROM facilities_reservationblock WHERE room_id = %s AND date = %s AND block_id = %s"
                " AND active",
                (wanted["room"], wanted["date"], block[0]),
            ).fetchone():
                return _answer(start_response, "409 Conflict", {"detail": "taken"})
            (reservation,) = db.execute(
                "INSERT INTO facilities_reservation (room_id, date, status, holder_id, holder_name, holder_phone,"
                " purpose, booked_by_id, on_behalf, fee_yen, exemption_yen, created_at, decline_reason,"
                " cancel_reason) VALUES (%s, %s, 'confirmed', %s, '', '', 'floor', %s, false, 600, 0, now(), '', '')"
                " RETURNING id",
                (wanted["room"], wanted["date"], person[0], person[0]),
            ).fetchone()
            db.execute(
                "INSERT INTO facilities_reservationblock (reservation_id, room_id, date, block_id, starts_at,"
                " ends_at, active) VALUES (%s, %s, %s, %s, %s, %s, true)",
                (reservation, wanted["room"], wanted["date"], *block),
            )
    except (UniqueViolation, ExclusionViolation):
        return _answer(start_response, "409 Conflict", {"detail": "taken"})
    body = {"id": reservation, "room": wanted["room"], "date": wanted["date"], "blocks": wanted["blocks"]}
    return _answer(start_response, "201 Created", body)
