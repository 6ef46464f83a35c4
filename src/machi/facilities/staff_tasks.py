"""The facilities' part of the staff home (`machi.accounts.staff_home`): bookings to approve, today's day
sheets, lotteries to draw and wins waiting for their winners; within `managed_centre_ids` (city
administrators every centre, ward staff their wards' centres, centre managers theirs). Two queries for
the counts, whatever the number of centres and lotteries, besides the scope's own."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from machi.accounts.staff_home import StaffTask
from machi.facilities.models import Centre, Lottery, Reservation
from machi.facilities.queries import managed_centre_ids

Status = Reservation.Status


def staff_tasks(user, now) -> list[StaffTask]:
    centre_ids = managed_centre_ids(user)
    if centre_ids is not None and not centre_ids:
        return []
    today = timezone.localdate(now)
    centres = Centre.objects.select_related("ward").annotate(
        today_count=Count(
            "rooms__reservations",
            filter=Q(rooms__reservations__date=today, rooms__reservations__status__in=Reservation.HOLDING),
        ),
        pending_count=Count("rooms__reservations", filter=Q(rooms__reservations__status=Status.PENDING)),
    )
    lotteries = (
        Lottery.objects.select_related("centre__ward")
        .annotate(won_count=Count("reservations", filter=Q(reservations__status=Status.WON)))
        .filter(Q(drawn_at__isnull=True, draw_at__lte=now) | Q(won_count__gt=0))
        .order_by("draw_at", "centre__ward__code", "centre_id")
    )
    if centre_ids is not None:
        centres = centres.filter(pk__in=centre_ids)
        lotteries = lotteries.filter(centre_id__in=centre_ids)
    centres, lotteries = list(centres), list(lotteries)

    bookings = _("施設予約")
    tasks = [
        StaffTask(
            section=bookings,
            rank=20,
            label=_("承認を待っている予約"),
            count=sum(centre.pending_count for centre in centres),
            url=reverse("facilities:manage"),
        )
    ]
    for lottery in lotteries:
        where = _("%(centre)s（%(month)s分）") % {
            "centre": lottery.centre.name,
            "month": date_format(lottery.month, _("Y年n月")),
        }
        if lottery.drawn_at is None:
            tasks.append(
                StaffTask(
                    section=bookings,
                    rank=20,
                    label=_("抽選日を過ぎた、未実施の抽選"),
                    count=1,
                    url=reverse("facilities:lottery-staff", kwargs={"lottery_id": lottery.pk}),
                    ward=where,
                )
            )
        if lottery.won_count:
            tasks.append(
                StaffTask(
                    section=bookings,
                    rank=20,
                    label=_("当選者の確認を待っている予約"),
                    count=lottery.won_count,
                    url=reverse("facilities:lottery-staff", kwargs={"lottery_id": lottery.pk}),
                    ward=where,
                )
            )
    sheets = _("今日の利用表 %(day)s") % {"day": date_format(today, _("n月j日（D）"))}
    tasks += [
        StaffTask(
            section=sheets,
            rank=30,
            label=centre.name,
            count=centre.today_count,
            url=reverse("facilities:day_sheet", kwargs={"centre_id": centre.pk}),
            ward=centre.ward.name,
            waits=False,
        )
        for centre in centres
    ]
    return tasks
