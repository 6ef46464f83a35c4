"""The events' background work due at this minute: the lottery of every event whose registration has closed.

`machi worker` enqueues `draw_due_lotteries` every minute (settings.MACHI_DUE_TASKS). Running it
twice does nothing more: an event is drawn once (`actions.draw` refuses a second draw under the
event's row lock), and an event drawn by staff in the meantime is simply no longer due.
"""

import datetime

from django.utils import timezone
from django_tasks import task

from machi.accounts.actors import SYSTEM
from machi.events.actions.lottery import draw
from machi.events.models import Event


class DueDrawFailed(Exception):
    """Some event's lottery could not be drawn: the task is recorded as failed, so the operator sees it."""


def due_lotteries(now: datetime.datetime):
    return Event.objects.filter(
        allocation=Event.Allocation.LOTTERY,
        lottery_drawn_at__isnull=True,
        status__in=(Event.Status.PUBLISHED, Event.Status.CLOSED),
        registration_closes_at__lte=now,
    ).order_by("registration_closes_at", "id")


@task()
def draw_due_lotteries(now: str | None = None) -> dict:
    """Draw each lottery event whose registration has closed. `now`: an ISO 8601 moment (JSON arguments).

    Returns {"drawn": [event ids], "failed": [{"event": id, "reason": …}]}; one event's failure does not
    stop the others, and fails the task afterwards."""
    moment = datetime.datetime.fromisoformat(now) if now else timezone.now()
    done = {"drawn": [], "failed": []}
    for event in due_lotteries(moment):
        try:
            draw(actor=SYSTEM, event=event, now=moment)
        except Exception as error:  # reported in the task's result; the other events are still drawn
            done["failed"].append({"event": event.pk, "reason": str(error)})
        else:
            done["drawn"].append(event.pk)
    if done["failed"]:
        raise DueDrawFailed(f"実施できなかった抽選があります：{done}")
    return done
