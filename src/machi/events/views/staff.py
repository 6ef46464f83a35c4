"""Ward staff's pages under /events/manage/: their wards' events by status, create and edit a draft,
publish (after a confirmation), approve or decline a group's proposal, cancel an event with a reason,
register a caller by phone or at the counter, and the read-only roster with the waiting list.

Scope comes from `machi.accounts.scope` (ward staff: their wards; city administrators: all); the
actions check it again, so a page reached by its address still cannot act. Showing the roster
(callers' names and phones) is audited.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from machi.accounts.forms import add_action_errors
from machi.accounts.models import CommunityGroup
from machi.accounts.scope import can_manage_ward
from machi.accounts.views import forbidden, staff_required
from machi.audit.actions import record_view
from machi.core.fiscal import fiscal_year_of
from machi.core.preview import rolled_back
from machi.events import actions, queries
from machi.events.codes import qr_svg
from machi.events.forms import (
    CallerForm,
    EventForm,
    ReasonForm,
    event_formsets,
    event_initial,
    question_inputs,
    session_moments,
)
from machi.events.models import Event, Registration
from machi.facilities.models import Room
from machi.ledger.models import Project

Status = Event.Status
STATUS_ORDER = [
    Status.PENDING_APPROVAL,
    Status.DRAFT,
    Status.PUBLISHED,
    Status.CLOSED,
    Status.HELD,
    Status.CANCELLED,
]


def current_projects(ward_filter: Q):
    """Projects of the current fiscal year's programmes (and next year's, for events planned ahead)."""
    year = fiscal_year_of(timezone.localdate())
    return (
        Project.objects.filter(ward_filter, programme__fiscal_year__in=[year, year + 1])
        .select_related("programme__ward")
        .order_by("programme__ward__code", "programme__fiscal_year", "id")
    )


def ward_rooms(ward_filter: Q):
    return (
        Room.objects.filter(ward_filter)
        .select_related("centre")
        .order_by("centre__ward__code", "centre__name", "position", "id")
    )


def _scoped(wards, field: str) -> Q:
    return Q() if wards is None else Q(**{f"{field}__in": wards})


@staff_required
def index(request, wards):
    """The events of one's wards, by status (?status=…); groups' proposals waiting come first."""
    events = queries.staff_events(wards)
    counts = queries.status_counts(events)
    status = request.GET.get("status") or ""
    if status not in Status.values:
        status = ""
    listed = events.filter(status=status) if status else events
    return render(
        request,
        "events/manage/index.html",
        {
            "events": listed[:200],
            "status": status,
            "status_label": Status(status).label if status else "",
            "tabs": [(s, counts.get(s.value, 0)) for s in STATUS_ORDER],
            "total": sum(counts.values()),
            "pending": queries.events_awaiting_approval(wards).select_related("ward", "organiser_group"),
            "nav": "manage",
        },
    )


def _form_kwargs(wards) -> dict:
    return {
        "projects": current_projects(_scoped(wards, "programme__ward_id")),
        "groups": CommunityGroup.objects.filter(_scoped(wards, "ward_id"), status="approved").order_by(
            "name"
        ),
        "rooms": ward_rooms(_scoped(wards, "centre__ward_id")),
    }


def event_form_page(request, *, form, event, save, done: str, next_url, **context):
    """The event form with its sessions and questions (`events/manage/form.html`) for creating, proposing
    or editing: on a valid POST `save(values, sessions, questions)` runs the action; its refusal is shown
    on the form, else the page tells `done` and goes to `next_url(saved event)`."""
    sessions, questions = event_formsets(request.POST or None, event)
    if request.method == "POST" and form.is_valid() and sessions.is_valid() and questions.is_valid():
        try:
            saved = save(form.values(), session_moments(sessions), question_inputs(questions))
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            messages.success(request, done)
            return redirect(next_url(saved))
    return render(
        request,
        "events/manage/form.html",
        {"form": form, "sessions": sessions, "questions": questions, "event": event, **context},
        status=400 if request.method == "POST" else 200,
    )


def _manage_page(event) -> str:
    return reverse("events:manage_event", args=[event.pk])


@staff_required
def new(request, wards):
    return event_form_page(
        request,
        form=EventForm(request.POST or None, **_form_kwargs(wards)),
        event=None,
        save=lambda values, moments, asked: actions.create_event(
            actor=request.user, sessions=moments, questions=asked, **values
        ),
        done=_("下書きを保存しました。内容を確かめて公開してください。"),
        next_url=_manage_page,
        nav="manage",
    )


def _staff_event(request, event_id: int):
    event = get_object_or_404(
        Event.objects.select_related(
            "ward", "project__programme", "organiser_group", "venue_room__centre"
        ).prefetch_related("sessions", "questions"),
        pk=event_id,
    )
    if not can_manage_ward(request.user, event.ward_id):
        return event, forbidden(
            request, _("%(ward)sの催しを扱う権限がありません") % {"ward": event.ward.name}
        )
    return event, None


@staff_required
def event(request, event_id: int, wards):
    event, refused = _staff_event(request, event_id)
    if refused:
        return refused
    to_call = []
    if event.status == Status.CANCELLED:
        to_call = list(
            event.registrations.filter(
                Q(person__isnull=True) | Q(person__email=""), cancelled_at=event.cancelled_at
            )
        )
        if to_call:
            record_view(
                actor=request.user,
                action="events.view_callers",
                obj=event,
                detail={"registrations": [r.pk for r in to_call]},
            )
    return render(
        request,
        "events/manage/event.html",
        {
            "event": event,
            "to_call": to_call,
            "decline_form": ReasonForm(label=_("承認しない理由")),
            "nav": "manage",
        },
    )


@staff_required
def edit(request, event_id: int, wards):
    event, refused = _staff_event(request, event_id)
    if refused:
        return refused
    if event.status != Status.DRAFT:
        messages.error(request, _("下書きの催しだけ変更できます。"))
        return redirect("events:manage_event", event_id=event.pk)
    return event_form_page(
        request,
        form=EventForm(request.POST or None, initial=event_initial(event), **_form_kwargs(wards)),
        event=event,
        save=lambda values, moments, asked: actions.update_event(
            actor=request.user, event=event, sessions=moments, questions=asked, **values
        ),
        done=_("変更を保存しました。"),
        next_url=_manage_page,
        nav="manage",
    )


@staff_required
def publish(request, event_id: int, wards):
    """A confirmation (the publish runs and is rolled back, so a refusal shows before confirming), then publish."""
    event, refused = _staff_event(request, event_id)
    if refused:
        return refused
    error = None
    try:
        if request.method == "POST":
            actions.publish_event(actor=request.user, event=event)
            messages.success(request, _("「%(title)s」を公開しました。") % {"title": event.title})
            return redirect("events:manage_event", event_id=event.pk)
        rolled_back(lambda: actions.publish_event(actor=request.user, event=event))
    except ValidationError as refusal:
        error = " ".join(refusal.messages)
    return render(
        request,
        "events/manage/publish.html",
        {"event": event, "error": error, "nav": "manage"},
        status=409 if error else 200,
    )


@staff_required
def approve(request, event_id: int, wards):
    event, refused = _staff_event(request, event_id)
    if refused:
        return refused
    if request.method == "POST":
        try:
            actions.approve_event(actor=request.user, event=event)
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(request, _("「%(title)s」を承認し、公開しました。") % {"title": event.title})
    return redirect("events:manage_event", event_id=event.pk)


@staff_required
def decline(request, event_id: int, wards):
    event, refused = _staff_event(request, event_id)
    if refused:
        return refused
    form = ReasonForm(request.POST or None, label=_("承認しない理由"))
    if request.method == "POST" and form.is_valid():
        try:
            actions.decline_event(actor=request.user, event=event, reason=form.cleaned_data["reason"])
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            messages.success(request, _("「%(title)s」を団体に差し戻しました。") % {"title": event.title})
            return redirect("events:manage_event", event_id=event.pk)
    return render(
        request,
        "events/manage/reason.html",
        {"event": event, "form": form, "step": "decline", "nav": "manage"},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def cancel_event(request, event_id: int, wards):
    """Cancel (中止) with a reason: everyone registered is told by mail; phone callers are listed to call."""
    event, refused = _staff_event(request, event_id)
    if refused:
        return refused
    form = ReasonForm(request.POST or None, label=_("中止の理由"))
    if request.method == "POST" and form.is_valid():
        try:
            result = actions.cancel_event(actor=request.user, event=event, reason=form.cleaned_data["reason"])
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            messages.success(
                request,
                _(
                    "「%(title)s」を中止しました。%(cancelled)s件の申込を取り消し、%(mailed)s人にメールで知らせました。"
                )
                % {"title": event.title, "cancelled": len(result.cancelled), "mailed": result.mailed},
            )
            return redirect("events:manage_event", event_id=event.pk)
    active = event.registrations.filter(status__in=Registration.ACTIVE).count()
    return render(
        request,
        "events/manage/reason.html",
        {"event": event, "form": form, "step": "cancel", "active": active, "nav": "manage"},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def phone(request, event_id: int, wards):
    """Register a caller by phone or at the counter, under the same rules; the code is then read aloud."""
    event, refused = _staff_event(request, event_id)
    if refused:
        return refused
    form = CallerForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = actions.register(
                actor=request.user,
                event=event,
                party_size=data["party_size"],
                caller=(data["caller_name"], data["caller_kana"], data["caller_phone"]),
                answers=form.answers(),
            )
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            return redirect("events:manage_registration", registration_id=registration.pk)
    return render(
        request,
        "events/manage/phone.html",
        {"event": event, "form": form, "nav": "manage"},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def registration(request, registration_id: int, wards):
    """One registration as staff see it: the code to read aloud to a caller, and its QR code."""
    registration = get_object_or_404(
        Registration.objects.select_related("event__ward", "person"), pk=registration_id
    )
    if not can_manage_ward(request.user, registration.event.ward_id):
        return forbidden(
            request, _("%(ward)sの催しを扱う権限がありません") % {"ward": registration.event.ward.name}
        )
    record_view(
        actor=request.user,
        action="events.view_registration",
        obj=registration,
        people=[registration.person_id] if registration.person_id else [],
        ward=registration.event.ward_id,
    )
    return render(
        request,
        "events/manage/registration.html",
        {
            "registration": registration,
            "event": registration.event,
            "qr": qr_svg(registration.code),
            "nav": "manage",
        },
    )


@staff_required
def roster(request, event_id: int, wards):
    """The roster, read only: confirmed, the waiting list in its order, lottery entries, cancelled."""
    event, refused = _staff_event(request, event_id)
    if refused:
        return refused
    groups = queries.registrations_by_status(event)
    everyone = [r for rows in groups.values() for r in rows]
    record_view(
        actor=request.user,
        action="events.view_roster",
        obj=event,
        people=sorted({r.person_id for r in everyone if r.person_id}),
        detail={"registrations": len(everyone)},
    )
    sections = [
        (Registration.Status.CONFIRMED, _("確定"), groups[Registration.Status.CONFIRMED]),
        (
            Registration.Status.WAITLISTED,
            _("キャンセル待ち（申込順）"),
            groups[Registration.Status.WAITLISTED],
        ),
        (Registration.Status.ENTERED, _("抽選待ち"), groups[Registration.Status.ENTERED]),
        (Registration.Status.CANCELLED, _("取消"), groups[Registration.Status.CANCELLED]),
    ]
    return render(
        request,
        "events/manage/roster.html",
        {
            "event": event,
            "sections": [s for s in sections if s[2] or s[0] != Registration.Status.ENTERED],
            "confirmed_people": sum(r.party_size for r in groups[Registration.Status.CONFIRMED]),
            "nav": "manage",
        },
    )
