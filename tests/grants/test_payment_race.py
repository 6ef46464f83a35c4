"""Two staff press 支払う at once: one payment, one posting to the ledger."""

import threading

import pytest
from django.db import connection, connections

from machi.grants import actions
from machi.grants.models import Payment
from machi.ledger.models import FigureChange, Project

PAYERS = 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite runs one writer at a time)"
)
def test_simultaneous_payments_pay_once(confirmed, staff, ward_staff):
    payers = [staff] + [ward_staff(f"nishi-{n}", confirmed.programme.ward) for n in range(1, PAYERS)]
    before = Project.objects.get(pk=confirmed.programme.project_id).settled_yen or 0
    barrier = threading.Barrier(PAYERS)
    results: list = [None] * PAYERS

    def pay(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = actions.pay(actor=payers[n], application=confirmed)
        except BaseException as error:
            results[n] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(PAYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    paid = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, actions.GrantRefused)]
    assert len(paid) == 1 and len(refused) == PAYERS - 1, results
    assert Payment.objects.count() == 1
    assert Project.objects.get(pk=confirmed.programme.project_id).settled_yen == before + 170_000
    assert FigureChange.objects.filter(reason__startswith="補助金の支払い").count() == 1
