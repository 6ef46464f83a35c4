"""The residents' and groups' pages: find a centre and a free room, see availability, book, cancel.

Thin views: forms check what was typed, `actions.book` / `actions.cancel` decide and
write, and their refusal is shown on the form in the action's own words. A booking
takes two steps: the review shows the fee, the 減免 and whether the manager must
approve, before anything is written (see `preview_booking`).
"""

import datetime
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from machi.accounts.forms import add_action_errors
from machi.accounts.models import CommunityGroup
from machi.audit.actions import record_view
from machi.core.preview import rolled_back
from machi.facilities import actions, ical, queries
from machi.facilities.forms import BookingForm, CancelForm, FreeRoomSearchForm, parse_day, parse_month
from machi.facilities.models import Centre, ClosedDay, Reservation, Room

WEEK = 7
SELF_CANCELLABLE = (Reservation.Status.PENDING, Reservation.Status.CONFIRMED, Reservation.Status.WON)
PAST_SHOWN = 30


# --- Finding a centre and a free room -------------------------------------------------------


def index(request):
    """The centres by ward, and the search for a room free on a day in a block across a ward."""
    form = FreeRoomSearchForm(request.GET or None, initial={"date": timezone.localdate()})
    results = block_label = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        results = queries.free_rooms(
            data["ward"], data["date"], data["block"], min_capacity=data["capacity"] or 0
        )
        block_label = dict(form.fields["block"].choices)[data["block"]]
    centres = Centre.objects.select_related("ward").order_by("ward__code", "name_kana", "name")
    return render(
        request,
        "facilities/index.html",
        {"form": form, "results": results, "block_label": block_label, "centres": centres, "nav": "search"},
    )


def centre(request, centre_id: int):
    centre = get_object_or_404(Centre.objects.select_related("ward"), pk=centre_id)
    today = timezone.localdate()
    return render(
        request,
        "facilities/centre.html",
        {
            "centre": centre,
            "rooms": centre.rooms.all(),
            "blocks": centre.blocks.all(),
            "closures": ClosedDay.objects.filter(centre=centre, date__gte=today)[:20],
            "exemptions": centre.exemptions.all(),
            "example": _rule_example(centre, today),
            "nav": "search",
        },
    )


def _rule_example(centre: Centre, today: datetime.date) -> dict:
    """The booking window told by an example: the next month to open, and when it opens."""
    month = queries.add_months(today, centre.window_months_ahead)
    if queries.booking_opens_at(centre, month, resident=False) <= timezone.now():
        month = queries.add_months(month, 1)
    return {
        "month": month,
        "opens_at": queries.booking_opens_at(centre, month, resident=False),
        "resident_opens_at": queries.booking_opens_at(centre, month, resident=True),
    }


def _is_resident(user, centre: Centre) -> bool:
    return user.is_authenticated and user.verified_resident_of(centre.ward_id)


def _room(room_id: int) -> Room:
    return get_object_or_404(Room.objects.select_related("centre__ward"), pk=room_id)


def _weekday_names() -> list[tuple[str, str]]:
    """Sunday to Saturday, short and long, in the page's language."""
    sunday = datetime.date(2023, 1, 1)
    days = [sunday + datetime.timedelta(days=n) for n in range(WEEK)]
    return [(date_format(day, "D"), date_format(day, "l")) for day in days]


def room_month(request, room_id: int):
    """A month of one room: each day's free and total blocks, closures and holidays named."""
    room = _room(room_id)
    centre = room.centre
    today = timezone.localdate()
    month = parse_month(request.GET.get("month"), today)
    now = timezone.now()
    lotteries = queries.lotteries_by_month(centre, [month])
    resident = _is_resident(request.user, centre)
    opens_at = queries.openings_by_month(centre, [month], resident=resident, lotteries=lotteries)[month]
    return render(
        request,
        "facilities/room_month.html",
        {
            "room": room,
            "centre": centre,
            "month": month,
            "weeks": queries.month_calendar(room, month, now=now),
            "opens_later": opens_at if opens_at > now else None,
            "lottery": _shown_lottery(lotteries.get(month), now),
            "previous": queries.add_months(month, -1),
            "next": queries.add_months(month, 1),
            "today": today,
            "weekday_names": _weekday_names(),
            "view": "month",
            "month_start": month,
            "week_start": today if month == today.replace(day=1) else month,
            "nav": "search",
        },
    )


def room_week(request, room_id: int):
    """Seven days × the centre's blocks; each free block a link to book it."""
    room = _room(room_id)
    centre = room.centre
    today = timezone.localdate()
    start = parse_day(request.GET.get("from"), today)
    end = start + datetime.timedelta(days=WEEK - 1)
    now = timezone.now()
    states = queries.room_availability(room, start, end, now=now)
    months = {state.date.replace(day=1) for state in states}
    lotteries = queries.lotteries_by_month(centre, months)
    openings = queries.openings_by_month(
        centre, months, resident=_is_resident(request.user, centre), lotteries=lotteries
    )
    days = []
    for state in states:
        opens_at = openings[state.date.replace(day=1)]
        days.append(
            {
                "state": state,
                "holiday": queries.national_holiday(state.date),
                "opens_later": opens_at if opens_at > now else None,
            }
        )
    return render(
        request,
        "facilities/room_week.html",
        {
            "room": room,
            "centre": centre,
            "blocks": [state.block for state in states[0].blocks] if states else [],
            "lotteries": [
                shown for month in sorted(lotteries) if (shown := _shown_lottery(lotteries[month], now))
            ],
            "days": days,
            "start": start,
            "end": end,
            "previous": start - datetime.timedelta(days=WEEK),
            "next": start + datetime.timedelta(days=WEEK),
            "today": today,
            "view": "week",
            "month_start": start.replace(day=1),
            "week_start": start,
            "nav": "search",
        },
    )


def _shown_lottery(lottery, now):
    """A month's lottery, told on the room's pages until its leftovers open first-come."""
    return lottery if lottery is not None and now < lottery.first_come_opens_at else None


# --- Booking ---------------------------------------------------------------------------------


def preview_booking(make_booking: Callable[[], Reservation]) -> Reservation:
    """Run the booking and roll it back, for the review step.

    Every rule is checked by the one function that books, and the fee, the 減免 and the
    status shown are the ones it will record. Nothing stays written, and no mail goes out:
    Django drops the on-commit callbacks of a transaction that is rolled back.
    """
    return rolled_back(make_booking)


def booking_steps(request, form, make_booking, *, template: str, review_template: str, context: dict):
    """The steps of every booking form: fill in → review (nothing written) → confirm → the result page.

    `step` comes from the button pressed: "review" from the form, "confirm" or "edit" from the review.
    """
    step = request.POST.get("step") if request.method == "POST" else None
    if step in ("review", "confirm") and form.is_valid():
        try:
            if step == "review":
                preview = preview_booking(make_booking)
                return render(
                    request,
                    review_template,
                    {
                        **context,
                        "form": form,
                        "preview": preview,
                        "cancel_until": actions.cancellation_deadline(preview),
                        # What `actions.cancel` will allow the holder: the page says the same.
                        "self_cancellable": timezone.localdate() <= actions.cancellation_deadline(preview),
                        "today": timezone.localdate(),
                    },
                )
            reservation = make_booking()
        except actions.AlreadyYours as theirs:
            # Pressed twice, or the first answer never arrived: their booking, not an error.
            messages.info(request, theirs.message)
            return redirect("facilities:reservation", reservation_id=theirs.reservation.pk)
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            if reservation.status == Reservation.Status.PENDING:
                messages.success(request, _("予約を申し込みました。センターの管理者が承認すると確定します。"))
            else:
                messages.success(request, _("予約が確定しました。"))
            return redirect("facilities:reservation", reservation_id=reservation.pk)
    return render(request, template, {**context, "form": form})


def chosen_blocks(centre: Centre, codes: list[str]) -> list:
    """The blocks a form chose, in the day's order, for the review page."""
    return [block for block in centre.blocks.all() if block.code in codes]


@login_required
def book(request, room_id: int):
    room = _room(room_id)
    centre = room.centre
    groups = CommunityGroup.objects.of_person(request.user).filter(status=CommunityGroup.Status.APPROVED)
    represented = [group.pk for group in groups if group.representative_id == request.user.pk]
    form = BookingForm(
        request.POST or None,
        initial={
            "date": parse_day(request.GET.get("date"), None),
            "blocks": request.GET.getlist("block"),
            # The one group the person represents, so its 減免 is not lost by leaving the choice alone.
            "group": represented[0] if len(represented) == 1 else None,
        },
        centre=centre,
        room=room,
        groups=groups if groups.exists() else None,
    )

    def make_booking():
        data = form.cleaned_data
        return actions.book(
            actor=request.user,
            room=room,
            date=data["date"],
            block_codes=data["blocks"],
            group=data.get("group"),
            purpose=data["purpose"],
            attendees=data["attendees"],
        )

    context = {"room": room, "centre": centre, "nav": "search"}
    if form.is_bound and form.is_valid():
        context["blocks"] = chosen_blocks(centre, form.cleaned_data["blocks"])
    return booking_steps(
        request,
        form,
        make_booking,
        template="facilities/book.html",
        review_template="facilities/book_review.html",
        context=context,
    )


# --- The holder's bookings ------------------------------------------------------------------------


def _visible_reservation(request, reservation_id: int) -> tuple[Reservation, bool]:
    """A booking its holder or a manager of its centre may see (and whether this is its manager).

    To anyone else it does not exist: booking numbers are sequential, and a 403 would confirm one.
    """
    reservation = get_object_or_404(Reservation.objects.with_details(), pk=reservation_id)
    is_manager = actions.can_manage_centre(request.user, reservation.room.centre)
    if reservation.holder_id != request.user.pk and not is_manager:
        raise Http404
    if reservation.holder_id != request.user.pk and request.method == "GET":
        record_booking_shown(request, reservation)
    return reservation, is_manager


def record_booking_shown(request, reservation: Reservation) -> None:
    """Audit staff being shown someone's booking (its holder's name and phone)."""
    record_view(
        actor=request.user,
        action="facilities.view_booking",
        obj=reservation,
        people=[reservation.holder_id],
        detail={"page": request.resolver_match.url_name},
    )


def _with_deadline(reservation: Reservation, today: datetime.date) -> Reservation:
    """Attach what the pages show: the blocks, the cancel deadline, and whether the holder may still cancel."""
    reservation.blocks = held_blocks(reservation)
    reservation.cancel_until = actions.cancellation_deadline(reservation)
    reservation.cancellable = reservation.status in SELF_CANCELLABLE and reservation.date >= today
    reservation.self_cancellable = reservation.cancellable and today <= reservation.cancel_until
    reservation.same_day = reservation.date == today
    return reservation


def held_blocks(reservation: Reservation) -> list:
    """The blocks a booking holds (or held, once cancelled), in the day's order; from the prefetch."""
    return sorted((held.block for held in reservation.held_blocks.all()), key=lambda block: block.position)


@login_required
def reservation(request, reservation_id: int):
    reservation, is_manager = _visible_reservation(request, reservation_id)
    _with_deadline(reservation, timezone.localdate())
    return render(
        request,
        "facilities/reservation.html",
        {
            "reservation": reservation,
            "blocks": held_blocks(reservation),
            "is_manager": is_manager,
            "nav": "mine",
        },
    )


@login_required
def receipt(request, reservation_id: int):
    """The printable 利用承認書 (with the fee, the 減免 and the amount to pay)."""
    reservation, _is_manager = _visible_reservation(request, reservation_id)
    return render(
        request,
        "facilities/receipt.html",
        {
            "reservation": reservation,
            "blocks": held_blocks(reservation),
            "issued_on": timezone.localdate(),
            "nav": "mine",
        },
    )


@login_required
def mine(request):
    today = timezone.localdate()
    held = Reservation.objects.of_holder(request.user).with_details()
    coming = [_with_deadline(r, today) for r in held.upcoming(today).order_by("date", "id")]
    past = held.filter(date__lt=today).order_by("-date", "-id")[:PAST_SHOWN]
    return render(
        request,
        "facilities/mine.html",
        {
            "upcoming": [r for r in coming if r.status in Reservation.HOLDING],
            "ended": [r for r in coming if r.status not in Reservation.HOLDING],
            "past": past,
            "past_shown": PAST_SHOWN,
            "feed_url": ical.holder_feed_url(request.user, request),
            "nav": "mine",
        },
    )


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


@login_required
def cancel(request, reservation_id: int):
    """GET asks to confirm (a cancelled block may be taken by someone else at once); POST cancels.

    The holder cancels until the centre's deadline; managers of the centre at any time.
    """
    reservation, is_manager = _visible_reservation(request, reservation_id)
    _with_deadline(reservation, timezone.localdate())
    next_url = safe_next(request, reverse("facilities:manage" if is_manager else "facilities:mine"))
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.cancel(actor=request.user, reservation=reservation, reason=form.cleaned_data["reason"])
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            messages.success(
                request,
                _("%(date)s %(room)sの予約を取り消しました。")
                % {"date": date_format(reservation.date, _("Y年n月j日（D）")), "room": reservation.room.name},
            )
            return redirect(next_url)
    return render(
        request,
        "facilities/cancel.html",
        {
            "reservation": reservation,
            "blocks": held_blocks(reservation),
            "form": form,
            "is_manager": is_manager,
            "next": next_url,
            "nav": "manage" if is_manager else "mine",
        },
    )
