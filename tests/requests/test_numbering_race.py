"""Parallel submissions (sixteen threads, each its own database connection) take numbers 1…16 of the
ward and fiscal year: no gap, no repeat.

PostgreSQL only, as tests/events/test_checkin_race.py: the tests' SQLite database is in memory with a
shared cache, where a second thread's write is refused at once instead of waiting. On SQLite the same
guarantee is the counter row and the unique (ward, fiscal year, number), tested in sequence in
test_submit.py.
"""

import threading

import pytest
from django.db import connection

from machi.requests import actions
from machi.requests.models import Request

from .conftest import CITY_HALL

THREADS = 16


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads racing need PostgreSQL here (above)")
@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_are_numbered_without_a_gap_or_a_repeat(road, people):
    residents = people(THREADS)
    start = threading.Barrier(THREADS)
    errors = []

    def resident(person):
        try:
            start.wait()
            actions.submit_request(
                actor=person,
                category=road,
                description="街灯が消えています",
                latitude=CITY_HALL[0],
                longitude=CITY_HALL[1],
            )
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=resident, args=(person,)) for person in residents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(Request.objects.values_list("number", flat=True)) == list(range(1, THREADS + 1))
