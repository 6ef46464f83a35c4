"""A budget cut and a decision at once on a grant's project: they take turns, and the second sees the first."""

import threading

import pytest
from django.db import connection, connections
from tests.grants.conftest import set_envelope

from machi.grants import actions
from machi.grants.models import Application
from machi.ledger import actions as ledger_actions
from machi.ledger.models import Project
from machi.ledger.queries import shortfalls_of


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite runs one writer at a time)"
)
def test_a_budget_cut_and_a_decision_at_once_never_leave_the_decisions_above_the_budget(
    programme, model_track, staff, ward_staff, make_submitted
):
    set_envelope(programme, 500_000)
    application = make_submitted(model_track, 600_000)
    actions.start_review(actor=staff, application=application)
    treasurer = ward_staff("nishi-budget", programme.ward)
    barrier = threading.Barrier(2)
    results: dict = {}

    def run(name, work) -> None:
        try:  # each thread has its own database connection
            barrier.wait(timeout=30)
            results[name] = work()
        except BaseException as error:
            results[name] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=run,
            args=("decide", lambda: actions.decide(actor=staff, application=application, amount_yen=400_000)),
        ),
        threading.Thread(
            target=run,
            args=(
                "cut",
                lambda: ledger_actions.set_figures(
                    Project.objects.get(pk=programme.project_id),
                    actor=treasurer,
                    reason="2月補正で減額",
                    revised_yen=300_000,
                ),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    decided = isinstance(results["decide"], Application)
    cut = isinstance(results["cut"], list)
    assert decided != cut, results  # exactly one of them
    if decided:
        assert isinstance(results["cut"], ledger_actions.BelowCommitments), results
    else:
        assert isinstance(results["decide"], actions.EnvelopeExceeded), results
    assert shortfalls_of(Project.objects.filter(pk=programme.project_id)) == []
