"""A fund is never overdrawn without a stated reason: 16 staff record an expenditure at once against a
fund with room for exactly 3, against a real server (gunicorn, several workers and threads, SQLite or
PostgreSQL after DATABASE_URL; `tests.live_support`). Each client has its own person, token and
connection, and all POST at the same instant. The fund project's row, locked by the ledger's one way of
spending (`post_spending`), lets exactly 3 through; the others hear 400 with the money left, and the
fund's 決算額 moved by exactly those 3 payments.
"""

import datetime

import pytest
from bench.live_machi import race
from tests.live_support import ENGINE, served

CLIENTS = 16
PAYMENT_YEN = 10_000
ROOM = 3


@pytest.fixture(scope="module")
def machi(tmp_path_factory, race_sqlite_template):
    with served(
        tmp_path_factory,
        race_sqlite_template,
        "fund-race",
        users=CLIENTS,
        rooms=0,
        fund_yen=ROOM * PAYMENT_YEN,
    ) as machi:
        yield machi


def test_16_staff_paying_at_once_from_a_fund_with_room_for_3_never_overdraw_it(machi):
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9))).date().isoformat()
    bodies = [
        {"section": "supplies", "payee": f"工事店{n}", "paid_on": today, "amount_yen": PAYMENT_YEN}
        for n in range(CLIENTS)
    ]

    answers = race(machi, f"/api/requests/{machi.request}/expenditures", bodies)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * ROOM + [400] * (CLIENTS - ROOM), answers
    refused = [body for status, body in answers if status == 400]
    assert all("予算の残りは0円です" in body["detail"] for body in refused), refused
    [(settled,)] = machi.query("SELECT settled_yen FROM ledger_project WHERE name = '課題対応経費'")
    assert settled == ROOM * PAYMENT_YEN
    [(payments, paid)] = machi.query("SELECT count(*), sum(amount_yen) FROM requests_expenditure")
    assert (payments, paid) == (ROOM, ROOM * PAYMENT_YEN)
    changes = machi.query(
        "SELECT c.old_yen, c.new_yen FROM ledger_figurechange c JOIN ledger_project p ON p.id = c.project_id"
        " WHERE p.name = '課題対応経費' AND c.stage = 'settled' ORDER BY c.id"
    )
    assert changes == [
        (None, PAYMENT_YEN),
        (PAYMENT_YEN, 2 * PAYMENT_YEN),
        (2 * PAYMENT_YEN, 3 * PAYMENT_YEN),
    ]
    assert machi.query("SELECT count(*) FROM ledger_budgetshortfall") == [(0,)]
    print(f"\n{ENGINE}: {CLIENTS} staff, room for {ROOM} → statuses {statuses}")
