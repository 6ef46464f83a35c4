"""The events' part of the staff home (`machi.accounts.staff_home`): groups' proposed events waiting for
the ward's approval, in the person's wards; the count links to the list of them. One query besides the
scope's own."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from machi.accounts.scope import staff_ward_ids
from machi.accounts.staff_home import StaffTask
from machi.events.models import Event
from machi.events.queries import events_awaiting_approval


def staff_tasks(user, now) -> list[StaffTask]:
    wards = staff_ward_ids(user)
    if wards is not None and not wards:
        return []
    listed = reverse("events:manage")
    return [
        StaffTask(
            section=_("催し・講座"),
            rank=45,
            label=_("団体から提案された催し（承認を待っている）"),
            count=events_awaiting_approval(wards).count(),
            url=f"{listed}?{urlencode({'status': Event.Status.PENDING_APPROVAL.value})}",
        )
    ]
