"""The accounts' background task: personal data past its retention period is anonymised, once a day.

`machi worker` enqueues it on the first minute of each day (settings.MACHI_DAILY_TASKS); `machi
privacy anonymise` does the same at once. Running it again does nothing more: a row is anonymised once.
"""

import datetime

from django_tasks import task

from machi.accounts.actors import SYSTEM
from machi.accounts.idempotency import forget_old_answers
from machi.accounts.privacy import anonymise_expired as anonymise


@task()
def anonymise_expired(today: str | None = None) -> dict:
    """Anonymise what is past retention; `today` an ISO date (the task's arguments are JSON). Counts by app."""
    return anonymise(actor=SYSTEM, today=datetime.date.fromisoformat(today) if today else None)


@task()
def forget_idempotent_answers() -> int:
    """Delete the answers to `Idempotency-Key` requests older than 48 hours (`accounts.idempotency`)."""
    return forget_old_answers()
