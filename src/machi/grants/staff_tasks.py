"""The grants' part of the staff home (`machi.accounts.staff_home`): applications waiting for a step of
staff, by step, in the person's wards; each count links to the list of those applications. One query
for the counts, besides the scope's own."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from machi.accounts.scope import staff_ward_ids
from machi.accounts.staff_home import StaffTask
from machi.grants.models import Application
from machi.grants.queries import status_counts

Status = Application.Status

# The steps that wait for staff, in the order an application goes through them.
STAFF_STEPS = [
    (Status.SUBMITTED, _("申請済み（審査の開始を待っている）")),
    (Status.UNDER_REVIEW, _("審査中（交付の決定を待っている）")),
    (Status.REPORTED, _("実績報告済み（額の確定を待っている）")),
    (Status.CONFIRMED, _("額の確定済み（支払いを待っている）")),
]


def staff_tasks(user, now) -> list[StaffTask]:
    wards = staff_ward_ids(user)
    if wards is not None and not wards:
        return []
    waiting = Application.objects.filter(status__in=[status for status, _label in STAFF_STEPS])
    if wards is not None:
        waiting = waiting.filter(programme__ward_id__in=wards)
    counts = status_counts(waiting)
    listed = reverse("grants:manage_applications")
    return [
        StaffTask(
            section=_("補助金"),
            rank=40,
            label=label,
            count=counts.get(status.value, 0),
            url=f"{listed}?{urlencode({'status': status.value})}",
        )
        for status, label in STAFF_STEPS
    ]
