"""The public's pages: the listing, an event's page with its register form, a registration with its code
and QR code, "my registrations", and cancelling one's own.

Thin views: every rule is in `machi.events.actions` (the register form's answers, the party limit,
the window, the cancel deadline), and a refusal is shown on the form that caused it. Drafts,
proposals waiting for approval and cancelled events are 404 here.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from machi.accounts.forms import add_action_errors
from machi.events import actions, queries
from machi.events.actions.lottery import published_seed
from machi.events.codes import qr_svg
from machi.events.forms import ListingForm, RegistrationForm, age_range
from machi.events.models import Event, Registration
from machi.ledger.models import Ward

PAGE_SIZE = 20


def index(request):
    """Events to come, phone first: filter by ward, month, kind, free seats and words; 20 a page."""
    form = ListingForm(request.GET or None, wards=Ward.objects.order_by("code"))
    filters = form.cleaned_data if form.is_valid() else {}
    events = queries.listing(
        ward=filters.get("ward"),
        month=filters.get("month"),
        kind=filters.get("kind") or "",
        free_only=bool(filters.get("free")),
        words=filters.get("q") or "",
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/public/index.html",
        {"form": form, "page": page, "events": page.object_list, "query": query.urlencode(), "nav": "list"},
    )


def event(request, event_id: int, *, form=None, status=200):
    event = queries.public_event(event_id)
    if event is None:
        raise Http404(_("催しが見つかりません"))
    now = timezone.now()
    mine = None
    if request.user.is_authenticated:
        mine = event.registrations.filter(person=request.user, status__in=Registration.ACTIVE).first()
        if form is None and mine is None and is_open(event, now):
            form = RegistrationForm(event=event)
    return render(
        request,
        "events/public/event.html",
        {
            "event": event,
            "form": form,
            "mine": mine,
            "open_now": is_open(event, now),
            "not_yet": event.status == Event.Status.PUBLISHED and now < event.registration_opens_at,
            "ages": age_range(event),
            "lottery_seed": published_seed(event, now),
            "nav": "list",
        },
        status=status,
    )


def is_open(event: Event, now) -> bool:
    return (
        event.status == Event.Status.PUBLISHED
        and event.registration_opens_at <= now < event.registration_closes_at
    )


@login_required
def register(request, event_id: int):
    """The register form's POST (a GET, after logging in, goes back to the event's page)."""
    found = queries.public_event(event_id)
    if found is None:
        raise Http404(_("催しが見つかりません"))
    if request.method != "POST":
        return redirect(reverse("events:event", args=[found.pk]) + "#register")
    form = RegistrationForm(request.POST, event=found)
    if form.is_valid():
        try:
            registration = actions.register(
                actor=request.user,
                event=found,
                party_size=form.cleaned_data["party_size"],
                answers=form.answers(),
            )
        except actions.AlreadyRegistered as theirs:
            # Pressed twice, or the first answer never arrived: their registration, not an error.
            messages.info(request, theirs.message)
            return redirect("events:registration", registration_id=theirs.registration.pk)
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            return redirect("events:registration", registration_id=registration.pk)
    return event(request, event_id, form=form, status=400)


def _own_registration(request, registration_id: int) -> Registration:
    return get_object_or_404(
        Registration.objects.select_related(
            "event__ward", "event__venue_room__centre", "event__organiser_group"
        ),
        pk=registration_id,
        person=request.user,
    )


@login_required
def registration(request, registration_id: int):
    """A registration: its code to read aloud and its QR code for the door."""
    registration = _own_registration(request, registration_id)
    return render(
        request,
        "events/public/registration.html",
        {
            "registration": registration,
            "event": registration.event,
            "qr": qr_svg(registration.code),
            "can_cancel": _can_cancel(registration),
            "nav": "mine",
        },
    )


@login_required
def mine(request):
    """My registrations, each with its code and QR code; cancelled and past ones below."""
    now = timezone.now()
    current, ended = [], []
    for registration in queries.registrations_of(request.user):
        sessions = list(registration.event.sessions.all())
        over = sessions and max(s.ends_at for s in sessions) < now
        if registration.status in Registration.ACTIVE and not over:
            registration.qr = qr_svg(registration.code, scale=4)
            registration.can_cancel = _can_cancel(registration, now)
            current.append(registration)
        else:
            ended.append(registration)
    return render(request, "events/public/mine.html", {"current": current, "ended": ended, "nav": "mine"})


def _can_cancel(registration: Registration, now=None) -> bool:
    now = now or timezone.now()
    return registration.status in Registration.ACTIVE and now <= registration.event.cancel_until


@login_required
def cancel(request, registration_id: int):
    """Cancel one's own registration, after a confirmation; past the deadline the page says to call."""
    registration = _own_registration(request, registration_id)
    form_error = None
    if request.method == "POST" and _can_cancel(registration):
        try:
            actions.cancel(actor=request.user, registration=registration)
        except ValidationError as refusal:
            form_error = " ".join(refusal.messages)
        else:
            messages.success(
                request, _("受付番号 %(code)s の申込を取り消しました。") % {"code": registration.code}
            )
            return redirect("events:mine")
    return render(
        request,
        "events/public/cancel.html",
        {
            "registration": registration,
            "event": registration.event,
            "can_cancel": _can_cancel(registration),
            "error": form_error,
            "nav": "mine",
        },
        status=400 if form_error else 200,
    )
