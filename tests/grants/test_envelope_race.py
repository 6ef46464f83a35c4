"""Two staff decide at once on a programme whose envelope holds only one of the grants: exactly one is decided."""

import threading

import pytest
from django.db import connection, connections
from tests.grants.conftest import set_envelope

from machi.grants import actions
from machi.grants.models import Application
from machi.grants.queries import envelope_left_yen

DECIDERS = 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite runs one writer at a time)"
)
def test_simultaneous_decisions_never_exceed_the_envelope(
    programme, model_track, staff, ward_staff, make_submitted
):
    set_envelope(programme, 500_000)  # room for one grant of 400,000 yen, not two
    applications = [make_submitted(model_track, 600_000, title=f"モデル事業{n}") for n in range(DECIDERS)]
    deciders = [staff] + [ward_staff(f"nishi-{n}", programme.ward) for n in range(1, DECIDERS)]
    barrier = threading.Barrier(DECIDERS)
    results: list = [None] * DECIDERS

    def decide(n: int) -> None:
        try:  # each thread has its own database connection
            barrier.wait(timeout=30)
            results[n] = actions.decide(actor=deciders[n], application=applications[n], amount_yen=400_000)
        except BaseException as error:
            results[n] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(DECIDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    decided = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, actions.EnvelopeExceeded)]
    assert len(decided) == 1 and len(refused) == DECIDERS - 1, results
    assert all("残りは100,000円です" in r.messages[0] for r in refused)
    assert Application.objects.filter(status="decided").count() == 1
    assert envelope_left_yen(programme) == 100_000
