"""Bookings and lottery entries in a person's rights over their data (see machi.accounts.privacy).

A booking keeps its room, date, fee, exemption, status and attendance for the accounts and the
statistics; what is erased is who held it and what they wrote (name, phone, purpose, reasons).
"""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from machi.accounts.privacy import ERASED, anonymise_rows, rows
from machi.facilities.models import LotteryEntry, Reservation


def personal_data(user) -> dict[str, list[dict]]:
    return {
        "bookings": rows(
            Reservation.objects.filter(holder=user).order_by("date", "id"),
            [
                "id",
                "room__centre__name",
                "room__name",
                "date",
                "status",
                "holder_name",
                "holder_phone",
                "group__name",
                "purpose",
                "attendees",
                "on_behalf",
                "fee_yen",
                "exemption_yen",
                "created_at",
                "decline_reason",
                "cancelled_at",
                "cancel_reason",
            ],
        ),
        "lottery_entries": rows(
            LotteryEntry.objects.filter(applicant=user).order_by("created_at", "id"),
            ["id", "lottery__centre__name", "lottery__month", "group__name", "created_at"],
        ),
    }


def deletion_refusals(user, today: datetime.date | None = None) -> list[str]:
    """A booking still to come, or an entry in a lottery not yet drawn, needs its holder."""
    today = today or timezone.localdate()
    reasons = []
    upcoming = (
        Reservation.objects.filter(holder=user, date__gte=today)
        .filter(status__in=(Reservation.Status.PENDING, Reservation.Status.CONFIRMED, Reservation.Status.WON))
        .count()
    )
    if upcoming:
        reasons.append(
            _("これからの予約が%(count)d件あります。予約を取り消すか、利用日が過ぎてから削除してください。")
            % {"count": upcoming}
        )
    if LotteryEntry.objects.filter(applicant=user, lottery__drawn_at__isnull=True).exists():
        reasons.append(_("抽選前の申込みがあります。抽選が終わってから削除してください。"))
    return reasons


def _erased(*, detach: bool) -> dict:
    """What a forgotten holder's booking loses; `detach` (retention) unlinks the account too."""
    values = {"holder_phone": "", "purpose": "", "cancel_reason": ""}
    if detach:
        values.update(holder=None, holder_name=ERASED)  # a booking must name a holder (a database rule)
    else:
        values["holder_name"] = ""
    return values


def _anonymise(queryset, values: dict, *, actor) -> int:
    """A declined booking must keep a reason (a database rule): the staff's words become the erased mark."""
    queryset = queryset.select_related("room__centre")
    declined = Reservation.Status.DECLINED
    action = "facilities.anonymise_reservation"
    return anonymise_rows(
        queryset.exclude(status=declined), values, actor=actor, action=action
    ) + anonymise_rows(
        queryset.filter(status=declined), {**values, "decline_reason": ERASED}, actor=actor, action=action
    )


def forget_person(user, *, actor) -> None:
    """The person's bookings keep their account (now anonymised) but lose the name, phone and purpose."""
    _anonymise(Reservation.objects.filter(holder=user), _erased(detach=False), actor=actor)


def anonymise_expired(before: datetime.date, *, actor) -> int:
    """Bookings dated before `before` lose their holder and what was written about them, and lottery
    entries for months before it their applicant (each once: an anonymised row is not found again)."""
    expired = Reservation.objects.filter(date__lt=before).filter(
        Q(holder__isnull=False) | ~Q(holder_name=ERASED)
    )
    entries = LotteryEntry.objects.filter(lottery__month__lt=before, applicant__isnull=False).select_related(
        "lottery__centre", "group"
    )
    return _anonymise(expired, _erased(detach=True), actor=actor) + anonymise_rows(
        entries, {"applicant": None}, actor=actor, action="facilities.anonymise_lottery_entry"
    )
