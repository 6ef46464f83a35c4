"""The managers' and counter staff's pages: approvals, the day's bookings, bookings on behalf, the day sheet,
and a centre's schedule (which months go by lottery, and when first-come booking opens).

Who may see a centre is `facilities.queries.managed_centre_ids` (city admins every centre, ward staff their
wards' centres, centre managers theirs); the actions ask the same question again
before they write, so a page can never let anyone act beyond their scope.
"""

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from machi.accounts.forms import add_action_errors
from machi.accounts.views import forbidden
from machi.audit.actions import record_view
from machi.facilities import actions, queries
from machi.facilities import lottery as lotteries
from machi.facilities.actions.centres import BOOKING_WINDOW_FIELDS
from machi.facilities.forms import (
    BookingWindowForm,
    DeclineForm,
    LotteryScheduleForm,
    OnBehalfForm,
    parse_day,
    parse_month,
)
from machi.facilities.models import Centre, Lottery, Reservation
from machi.facilities.queries import managed_centre_ids
from machi.facilities.views.booking import (
    booking_steps,
    chosen_blocks,
    held_blocks,
    record_booking_shown,
    safe_next,
)
from machi.facilities.views.lottery import STAGE_LABELS

UPCOMING_DAYS = 14


def manager_required(view):
    """People who manage at least one centre; the view gets `centre_ids` (None: every centre)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        centre_ids = managed_centre_ids(request.user)
        if centre_ids is not None and not centre_ids:
            return forbidden(request, _("このページはセンターの管理者と区の職員だけが利用できます。"))
        return view(request, *args, centre_ids=centre_ids, **kwargs)

    return wrapper


def _managed_centre(request, centre_id: int, centre_ids):
    centre = get_object_or_404(Centre.objects.select_related("ward"), pk=centre_id)
    if centre_ids is not None and centre.pk not in centre_ids:
        return centre, forbidden(
            request, _("%(centre)sを管理する権限がありません。") % {"centre": centre.name}
        )
    return centre, None


def _day_label(day: datetime.date) -> str:
    return date_format(day, _("Y年n月j日（D）"))


@manager_required
def index(request, centre_ids):
    """Bookings awaiting approval at the person's centres, and each centre with today's bookings."""
    today = timezone.localdate()
    pending = (
        Reservation.objects.awaiting_approval()
        .at_centres(centre_ids)
        .with_details()
        .order_by("date", "created_at")
    )
    centres = Centre.objects.select_related("ward").annotate(
        today_count=Count(
            "rooms__reservations",
            filter=Q(rooms__reservations__date=today, rooms__reservations__status__in=Reservation.HOLDING),
        )
    )
    if centre_ids is not None:
        centres = centres.filter(pk__in=centre_ids)
    return render(
        request,
        "facilities/manage_index.html",
        {"pending": pending, "centres": centres, "today": today, "nav": "manage"},
    )


@manager_required
def centre_bookings(request, centre_id: int, centre_ids):
    """One centre's bookings on a day (today unless chosen) and over the next two weeks."""
    centre, refusal = _managed_centre(request, centre_id, centre_ids)
    if refusal:
        return refusal
    today = timezone.localdate()
    day = parse_day(request.GET.get("date"), today)
    now = timezone.now()
    at_centre = Reservation.objects.filter(room__centre=centre).with_details()
    on_day = list(at_centre.filter(date=day).order_by("room__position", "room_id", "id"))
    for reservation in on_day:
        first = min(reservation.held_blocks.all(), key=lambda held: held.block.position, default=None)
        # A no-show can be recorded once the booking's first block has started.
        reservation.started = first is not None and queries.block_starts(reservation.date, first.block) <= now
    upcoming = list(
        at_centre.active()
        .filter(date__gt=day, date__lte=day + datetime.timedelta(days=UPCOMING_DAYS))
        .order_by("date", "room__position", "room_id", "id")
    )
    _record_bookings_shown(request, "facilities.view_day", centre, day, [*on_day, *upcoming])
    return render(
        request,
        "facilities/manage_centre.html",
        {
            "centre": centre,
            "day": day,
            "today": today,
            "on_day": on_day,
            "upcoming": upcoming,
            "upcoming_days": UPCOMING_DAYS,
            "previous": day - datetime.timedelta(days=1),
            "next": day + datetime.timedelta(days=1),
            "here": request.get_full_path(),
            "nav": "manage",
        },
    )


def _record_bookings_shown(request, action: str, centre, day: datetime.date, bookings) -> None:
    """Audit a page that shows staff the holders of these bookings (names and phones)."""
    bookings = sorted(bookings, key=lambda booking: booking.pk)
    record_view(
        actor=request.user,
        action=action,
        obj=centre,
        people=[booking.holder_id for booking in bookings],
        detail={"date": day.isoformat(), "bookings": [booking.pk for booking in bookings]},
    )


def _reservation(reservation_id: int) -> Reservation:
    return get_object_or_404(Reservation.objects.select_related("room__centre"), pk=reservation_id)


def _back(request) -> str:
    return safe_next(request, reverse("facilities:manage"))


def _act(request, do, done_message: str):
    """Run a manager's action on a booking; a refused rule is a message (NotAllowed propagates to the 403 page)."""
    try:
        do()
    except ValidationError as refusal:
        for message in refusal.messages:
            messages.error(request, message)
    else:
        messages.success(request, done_message)
    return redirect(_back(request))


def _booking_label(reservation: Reservation) -> str:
    return _("%(date)s %(room)s（%(holder)s）") % {
        "date": _day_label(reservation.date),
        "room": reservation.room.name,
        "holder": reservation.holder_label,
    }


@require_POST
@manager_required
def approve(request, reservation_id: int, centre_ids):
    reservation = _reservation(reservation_id)
    return _act(
        request,
        lambda: actions.approve(actor=request.user, reservation=reservation),
        _("%(booking)sの予約を承認しました。") % {"booking": _booking_label(reservation)},
    )


@require_POST
@manager_required
def no_show(request, reservation_id: int, centre_ids):
    reservation = _reservation(reservation_id)
    return _act(
        request,
        lambda: actions.mark_no_show(actor=request.user, reservation=reservation),
        _("%(booking)sを無断不使用として記録しました。") % {"booking": _booking_label(reservation)},
    )


@manager_required
def decline(request, reservation_id: int, centre_ids):
    """GET asks for the reason (it is mailed to the holder); POST declines."""
    reservation = get_object_or_404(Reservation.objects.with_details(), pk=reservation_id)
    if not actions.can_manage_centre(request.user, reservation.room.centre):
        return forbidden(
            request, _("%(centre)sを管理する権限がありません。") % {"centre": reservation.room.centre.name}
        )
    if request.method == "GET":
        record_booking_shown(request, reservation)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.decline(actor=request.user, reservation=reservation, reason=form.cleaned_data["reason"])
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            messages.success(
                request, _("%(booking)sの予約を不承認にしました。") % {"booking": _booking_label(reservation)}
            )
            return redirect(_back(request))
    return render(
        request,
        "facilities/manage_decline.html",
        {
            "reservation": reservation,
            "blocks": held_blocks(reservation),
            "form": form,
            "next": _back(request),
            "nav": "manage",
        },
    )


@manager_required
def book_on_behalf(request, centre_id: int, centre_ids):
    """A booking taken at the counter or on the telephone, for an account holder or a caller without one."""
    centre, refusal = _managed_centre(request, centre_id, centre_ids)
    if refusal:
        return refusal
    form = OnBehalfForm(
        request.POST or None,
        initial={"date": parse_day(request.GET.get("date"), None), "blocks": request.GET.getlist("block")},
        centre=centre,
    )

    def make_booking():
        data = form.cleaned_data
        return actions.book(
            actor=request.user,
            room=data["room"],
            date=data["date"],
            block_codes=data["blocks"],
            group=data.get("group"),
            purpose=data["purpose"],
            attendees=data["attendees"],
            holder=form.holder,
            holder_name="" if form.holder else data["holder_name"],
            holder_phone=data["holder_phone"],
            resident=data["resident"],
        )

    context = {"centre": centre, "on_behalf": True, "nav": "manage"}
    valid = form.is_bound and form.is_valid()
    if form.is_bound and form.looked_up:
        record_view(
            actor=request.user,
            action="facilities.find_holder",
            obj=centre,
            people=[form.holder],
            detail={"found": form.holder is not None},
        )
    if valid:
        context["room"] = form.cleaned_data["room"]
        context["blocks"] = chosen_blocks(centre, form.cleaned_data["blocks"])
    return booking_steps(
        request,
        form,
        make_booking,
        template="facilities/manage_book.html",
        review_template="facilities/book_review.html",
        context=context,
    )


@manager_required
def day_sheet(request, centre_id: int, centre_ids):
    """The printable day sheet: rooms × blocks with who, what for, how many, the fee and the status."""
    centre, refusal = _managed_centre(request, centre_id, centre_ids)
    if refusal:
        return refusal
    day = parse_day(request.GET.get("date"), timezone.localdate())
    blocks, rows = queries.day_sheet(centre, day)
    shown = {cell.reservation for row in rows for cell in row.cells if cell.reservation is not None}
    _record_bookings_shown(request, "facilities.view_day_sheet", centre, day, shown)
    return render(
        request,
        "facilities/day_sheet.html",
        {
            "centre": centre,
            "day": day,
            "blocks": blocks,
            "rows": rows,
            "closed": queries.closure_reason(centre, day),
            "printed_at": timezone.localtime(),
            "previous": day - datetime.timedelta(days=1),
            "next": day + datetime.timedelta(days=1),
            "nav": "manage",
        },
    )


# --- A centre's schedule: months by lottery or first-come, and the booking window -------------------


def _schedule_url(centre) -> str:
    return reverse("facilities:manage_schedule", kwargs={"centre_id": centre.pk})


@manager_required
def schedule(request, centre_id: int, centre_ids):
    """The coming months of a centre, each by lottery (its timetable) or first-come (when it opens)."""
    centre, refusal = _managed_centre(request, centre_id, centre_ids)
    if refusal:
        return refusal
    now = timezone.now()
    months = queries.centre_schedule(centre, now=now)
    for row in months:
        if row.lottery is not None:
            row.lottery.stage_label = STAGE_LABELS[lotteries.stage(row.lottery, now)]
            row.lottery.unstarted = (
                row.lottery.drawn_at is None
                and row.lottery.entry_count == 0
                and now < row.lottery.applications_open_at
            )
            row.lottery.cancellable = row.lottery.drawn_at is None and row.lottery.entry_count == 0
    return render(
        request,
        "facilities/manage_schedule.html",
        {"centre": centre, "months": months, "nav": "manage"},
    )


def _lottery_form_page(request, centre, form, *, month, lottery=None):
    return render(
        request,
        "facilities/manage_lottery_form.html",
        {"centre": centre, "form": form, "month": month, "lottery": lottery, "nav": "manage"},
    )


@manager_required
def lottery_create(request, centre_id: int, centre_ids):
    """Put a month to lottery: the timetable starts from the centre's rules (`default_schedule`), editable."""
    centre, refusal = _managed_centre(request, centre_id, centre_ids)
    if refusal:
        return refusal
    today = timezone.localdate()
    month = parse_month(request.POST.get("month") or request.GET.get("month"), today)
    initial = LotteryScheduleForm.initial_from(lotteries.default_schedule(centre, month), 3)
    form = LotteryScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.create_lottery(actor=request.user, centre=centre, month=month, **form.cleaned_data)
        except ValidationError as refused:
            add_action_errors(form, refused)
        else:
            messages.success(
                request, _("%(month)s分を抽選にしました。") % {"month": date_format(month, _("Y年n月"))}
            )
            return redirect(_schedule_url(centre))
    return _lottery_form_page(request, centre, form, month=month)


def _centre_lottery(request, centre_id: int, lottery_id: int, centre_ids):
    centre, refusal = _managed_centre(request, centre_id, centre_ids)
    lottery = get_object_or_404(Lottery.objects.select_related("centre"), pk=lottery_id, centre_id=centre.pk)
    return centre, lottery, refusal


@manager_required
def lottery_edit(request, centre_id: int, lottery_id: int, centre_ids):
    """Change a lottery's timetable or number of choices, before applications open."""
    centre, lottery, refusal = _centre_lottery(request, centre_id, lottery_id, centre_ids)
    if refusal:
        return refusal
    initial = LotteryScheduleForm.initial_from(
        {name: getattr(lottery, name) for name in LotteryScheduleForm.TIMES}, lottery.max_choices
    )
    form = LotteryScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_lottery(actor=request.user, lottery=lottery, **form.cleaned_data)
        except ValidationError as refused:
            add_action_errors(form, refused)
        else:
            messages.success(
                request,
                _("%(month)s分の抽選の日程を変更しました。")
                % {"month": date_format(lottery.month, _("Y年n月"))},
            )
            return redirect(_schedule_url(centre))
    return _lottery_form_page(request, centre, form, month=lottery.month, lottery=lottery)


@manager_required
def lottery_cancel(request, centre_id: int, lottery_id: int, centre_ids):
    """GET asks to confirm; POST takes the month off lottery (only while no one has applied)."""
    centre, lottery, refusal = _centre_lottery(request, centre_id, lottery_id, centre_ids)
    if refusal:
        return refusal
    error = None
    if request.method == "POST":
        try:
            actions.cancel_lottery(actor=request.user, lottery=lottery)
        except ValidationError as refused:
            error = refused.messages[0]
        else:
            messages.success(
                request,
                _("%(month)s分の抽選を取り消しました。この月は先着順で受け付けます。")
                % {"month": date_format(lottery.month, _("Y年n月"))},
            )
            return redirect(_schedule_url(centre))
    return render(
        request,
        "facilities/manage_lottery_cancel.html",
        {
            "centre": centre,
            "lottery": lottery,
            "error": error,
            "opens_at": queries.booking_opens_at(centre, lottery.month, resident=False),
            "nav": "manage",
        },
    )


@manager_required
def booking_window(request, centre_id: int, centre_ids):
    """Change when first-come booking opens at the centre (months ahead, day, time, residents' head start)."""
    centre, refusal = _managed_centre(request, centre_id, centre_ids)
    if refusal:
        return refusal
    form = BookingWindowForm(
        request.POST or None, initial={name: getattr(centre, name) for name in BOOKING_WINDOW_FIELDS}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_booking_window(actor=request.user, centre=centre, **form.cleaned_data)
        except ValidationError as refused:
            add_action_errors(form, refused)
        else:
            messages.success(request, _("予約の受付期間を変更しました。"))
            return redirect(_schedule_url(centre))
    return render(request, "facilities/manage_window.html", {"centre": centre, "form": form, "nav": "manage"})
