"""The residents' requests' part of the staff home (`machi.accounts.staff_home`): new requests waiting to
be acknowledged and open requests past their date, in the person's wards; each count links to the
queue filtered to them. Two queries besides the scope's own."""

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from machi.accounts.scope import staff_ward_ids
from machi.accounts.staff_home import StaffTask
from machi.requests.models import Request
from machi.requests.queries import late_filter


def staff_tasks(user, now) -> list[StaffTask]:
    wards = staff_ward_ids(user)
    if wards is not None and not wards:
        return []
    requests = Request.objects.all() if wards is None else Request.objects.filter(ward_id__in=wards)
    today = timezone.localdate(now)
    queue = reverse("requests:queue")
    return [
        StaffTask(
            section=_("地域課題の受付"),
            rank=47,
            label=_("受付の確認を待っている課題"),
            count=requests.filter(status=Request.Status.RECEIVED, acknowledged_at__isnull=True).count(),
            url=f"{queue}?{urlencode({'status': Request.Status.RECEIVED.value})}",
        ),
        StaffTask(
            section=_("地域課題の受付"),
            rank=47,
            label=_("期限を過ぎた課題"),
            count=requests.filter(late_filter(today)).count(),
            url=f"{queue}?{urlencode({'late': 'on'})}",
        ),
    ]
