"""Two runs of the same draw at once (staff's button and the minute tick): the locked lottery row lets
one through; the other waits, then is refused, and nothing is won twice."""

import threading

import pytest
from django.db import connection, connections
from tests.facilities.lottery_support import DAY, DRAW_TIME, IN_WINDOW, make_lottery

from machi.accounts.actors import SYSTEM
from machi.facilities import lottery as lotteries
from machi.facilities.actions import BookingRefused
from machi.facilities.models import Lottery, Reservation, ReservationBlock

RUNS = 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite runs one writer)"
)
def test_simultaneous_draws_draw_once(centre, room, hall, django_user_model):
    lottery = make_lottery(centre)
    for n in range(10):
        person = django_user_model.objects.create_user(f"racer{n}")
        lotteries.apply(
            actor=person,
            lottery=lottery,
            choices=[(room, DAY, ["morning"]), (hall, DAY, [("morning", "evening")[n % 2]])],
            now=IN_WINDOW,
        )
    barrier = threading.Barrier(RUNS)
    results: list = [None] * RUNS

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = lotteries.draw(actor=SYSTEM, lottery=lottery, now=DRAW_TIME)
        except BaseException as error:
            results[n] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    drawn = [r for r in results if isinstance(r, lotteries.DrawOutcome)]
    refused = [r for r in results if isinstance(r, BookingRefused)]
    assert len(drawn) == 1 and len(refused) == RUNS - 1, results
    assert all("実施済みです" in r.messages[0] for r in refused)
    winners = drawn[0].winners
    assert winners == 3  # the room's morning, the hall's morning and its evening
    assert Reservation.objects.filter(lottery=lottery).count() == winners
    assert ReservationBlock.objects.filter(reservation__lottery=lottery, active=True).count() == winners
    assert lotteries.verify_draw(Lottery.objects.get(pk=lottery.pk)).ok
