"""Two phones (here eight threads, each its own database connection) check the same party in at once:
one check-in is made, every phone is answered with it.

PostgreSQL only: the tests' SQLite database is in memory with a shared cache, where a second thread's
write is refused at once ("database table is locked") instead of waiting as on a SQLite file. On
SQLite the same guarantee is the database's unique check-in per registration and session, and the
losing side of the race is tested step by step (test_attendance.py,
test_a_check_in_that_loses_a_race_returns_the_winner).
"""

import threading

import pytest
from django.db import connection

from machi.accounts.actors import SYSTEM
from machi.events import actions
from machi.events.models import CheckIn


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads racing need PostgreSQL here (above)")
@pytest.mark.django_db(transaction=True)
def test_racing_phones_make_one_check_in_and_all_get_it(make_event, people, django_user_model):
    event = make_event()
    [alice] = people(1)
    registration = actions.register(actor=alice, event=event, party_size=1)
    session = event.sessions.get()
    helpers = [
        django_user_model.objects.create_user(f"helper{n}", display_name=f"受付 {n}") for n in range(8)
    ]
    for helper in helpers:
        actions.grant_helper(actor=SYSTEM, event=event, user=helper)
    start = threading.Barrier(len(helpers))
    answers, errors = [], []

    def phone(helper):
        try:
            start.wait()
            answers.append(
                actions.check_in(actor=helper, event=event, session=session, code=registration.code)
            )
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=phone, args=(helper,)) for helper in helpers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert CheckIn.objects.count() == 1
    assert sum(answer.created for answer in answers) == 1
    assert {answer.checkin.pk for answer in answers} == {CheckIn.objects.get().pk}
