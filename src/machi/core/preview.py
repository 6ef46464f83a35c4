"""Preview by rollback: run the real action, show what it did, keep nothing.

A review step (a booking's fee, a grant's confirmed amount, a payment) runs the one action that
will record it inside a transaction that is rolled back, so the figure shown before confirming is
exactly the one that will be recorded. Nothing stays written and no mail goes out: Django drops the
on-commit callbacks of a transaction that is rolled back.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction

T = TypeVar("T")


def rolled_back(run: Callable[[], T]) -> T:
    """What `run()` returns, its writes rolled back; its refusal (an exception) propagates."""
    with transaction.atomic():
        result = run()
        transaction.set_rollback(True)
    return result
