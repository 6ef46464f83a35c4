"""The door of an event (受付), phone first: check parties in by QR code, typed code or a kana/phone
search; add walk-ins; and, for the ward's staff, name helpers, draw the lottery, close the event as
held, and download the roster (PDF) and attendance list (XLSX).

Thin views: every write is an action in `machi.events.actions`, whose refusal is shown in its own
words. Typing and searching work without JavaScript (plain forms); the camera alone needs it
(`events/door.js`, the browser's BarcodeDetector where it exists).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from machi.accounts.forms import NamedRequiredMessages, clean_kana, clean_phone, nfkc
from machi.accounts.scope import can_manage_ward, helped_event_ids, require_event_helper, staff_ward_ids
from machi.core.errors import NotFound
from machi.events import actions, documents
from machi.events.actions.lottery import can_draw, published_seed
from machi.events.models import Event, EventSession
from machi.events.queries import roster_rows, search_roster
from machi.grants.forms import YenField, parse_yen

User = get_user_model()


class WalkInForm(NamedRequiredMessages, forms.Form):
    name = forms.CharField(label=gettext_lazy("お名前"), max_length=100)
    kana = forms.CharField(label=gettext_lazy("ふりがな"), max_length=100, required=False)
    phone = forms.CharField(
        label=gettext_lazy("電話番号"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    fee_paid_yen = YenField(label=gettext_lazy("受け取った参加費（円）"), required=False)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, prefix="walkin", **kwargs)
        if not event.fee_yen:
            del self.fields["fee_paid_yen"]
        self.fields["party_size"] = forms.IntegerField(
            label=_("人数"),
            min_value=1,
            max_value=event.max_party,
            initial=1,
            # Text, not a number input: a phone's keyboard may type ２ (full width), which this field reads.
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 3}),
        )

    def clean_name(self):
        return nfkc(self.cleaned_data["name"])

    def clean_kana(self):
        return clean_kana(self.cleaned_data["kana"])

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])


class HelperForm(forms.Form):
    account = forms.CharField(
        label=gettext_lazy("受付係にする方のログイン名またはメールアドレス"), max_length=254
    )

    def clean_account(self):
        text = nfkc(self.cleaned_data["account"])
        user = User.objects.filter(Q(username=text) | Q(email__iexact=text), is_active=True).first()
        if user is None:
            raise ValidationError(_("そのログイン名またはメールアドレスの方は見つかりません。"))
        return user


def _event(user, event_id: int) -> Event:
    """The event, for its ward's staff and its helpers; anyone else gets the 403 page with the reason."""
    event = get_object_or_404(Event.objects.select_related("ward", "project"), pk=event_id)
    require_event_helper(user, event)
    return event


def _staff_event(user, event_id: int) -> Event:
    event = _event(user, event_id)
    if not can_manage_ward(user, event.ward_id):
        raise Http404
    return event


def _session(event: Event, wanted) -> EventSession:
    """The session asked for, else today's (or the next one, or the last)."""
    sessions = list(event.sessions.all())
    for session in sessions:
        if str(session.pk) == str(wanted):
            return session
    today = timezone.localdate()
    for session in sessions:
        if timezone.localtime(session.ends_at).date() >= today:
            return session
    return sessions[-1]


def _back(event: Event, session: EventSession, **query) -> str:
    params = {"session": session.pk, **{k: v for k, v in query.items() if v}}
    return f"{reverse('events_door:event', args=[event.pk])}?{urlencode(params)}"


@never_cache
@login_required
def index(request):
    """The events a person works the door of: those they help, and their wards' events still to be held."""
    user = request.user
    wards = staff_ward_ids(user)
    mine = Q() if wards is None else Q(pk__in=helped_event_ids(user)) | Q(ward_id__in=wards)
    events = (
        Event.objects.filter(mine)
        .filter(status__in=(Event.Status.PUBLISHED, Event.Status.CLOSED))
        .select_related("ward")
        .prefetch_related("sessions")
        .order_by("registration_closes_at", "id")
    )
    return render(request, "events/door/index.html", {"events": events})


@never_cache
@login_required
def check_in_page(request, event_id: int):
    """The check-in page: pick the session, scan or type a code, or search; each result has 受付."""
    event = _event(request.user, event_id)
    source = request.POST if request.method == "POST" else request.GET
    session = _session(event, source.get("session"))
    query = nfkc(request.GET.get("q", ""))[:100]
    if request.method == "POST":
        code, registration = request.POST.get("code"), request.POST.get("registration")
        if not (code or "").strip() and not registration:
            messages.error(request, _("受付番号を入力してください"))
            return redirect(_back(event, session, q=query))
        try:
            result = actions.check_in(
                actor=request.user,
                event=event,
                session=session,
                code=code if not registration else None,
                registration=int(registration) if (registration or "").isdigit() else None,
                nonce=request.POST.get("nonce") or None,
                fee_paid_yen=parse_yen(request.POST.get("fee_paid_yen")) if event.fee_yen else None,
            )
        except (ValidationError, NotFound) as refusal:
            messages.error(request, _refusal_text(refusal))
        else:
            (messages.success if result.created else messages.warning)(request, result.message)
        return redirect(_back(event, session, q=request.POST.get("q", "")))

    rows = roster_rows(event)
    found = search_roster(rows, query) if query else None
    if found is not None:
        actions.record_roster_seen(actor=request.user, event=event, rows=found, action="events.search_roster")
    checked_in = sum(row.party_size for row in rows if session.pk in row.checkins)
    context = {
        "event": event,
        "session": session,
        "session_start": timezone.localtime(session.starts_at),
        "session_end": timezone.localtime(session.ends_at),
        "sessions": list(event.sessions.all()),
        "query": query,
        "found": found,
        "checked_in": checked_in,
        "confirmed_seats": sum(row.party_size for row in rows),
        "seats_left": event.seats_left,
        "walk_in_form": WalkInForm(event=event),
        "is_staff": can_manage_ward(request.user, event.ward_id),
    }
    return render(request, "events/door/check_in.html", context)


@require_POST
@login_required
def walk_in(request, event_id: int):
    event = _event(request.user, event_id)
    session = _session(event, request.POST.get("session"))
    form = WalkInForm(request.POST, event=event)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = actions.add_walk_in(
                actor=request.user,
                event=event,
                session=session,
                name=data["name"],
                kana=data["kana"],
                phone=data["phone"],
                party_size=data["party_size"],
                fee_paid_yen=data.get("fee_paid_yen"),
            )
        except ValidationError as refusal:
            messages.error(request, _refusal_text(refusal))
        else:
            messages.success(
                request,
                _("当日参加の%(name)sさん（%(party)s人）を受け付けました（受付番号 %(code)s）")
                % {"name": data["name"], "party": data["party_size"], "code": result.registration.code},
            )
        return redirect(_back(event, session))
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(_back(event, session) + "#walk-in")


@never_cache
@login_required
def helpers(request, event_id: int):
    """Ward staff name the event's helpers, and take the role back."""
    event = _staff_event(request.user, event_id)
    form = HelperForm(request.POST if request.POST.get("do") == "grant" else None)
    if request.method == "POST":
        if request.POST.get("do") == "grant" and form.is_valid():
            user = form.cleaned_data["account"]
            actions.grant_helper(actor=request.user, event=event, user=user)
            messages.success(request, _("%(name)sさんを受付係にしました") % {"name": user})
            return redirect("events_door:helpers", event_id=event.pk)
        if request.POST.get("do") == "revoke":
            user = get_object_or_404(User, pk=request.POST.get("user"))
            actions.revoke_helper(actor=request.user, event=event, user=user)
            messages.success(request, _("%(name)sさんの受付係を取り消しました") % {"name": user})
            return redirect("events_door:helpers", event_id=event.pk)
    helpers = User.objects.filter(role_grants__role="event-helper", role_grants__event=event).order_by("pk")
    return render(request, "events/door/helpers.html", {"event": event, "form": form, "helpers": helpers})


@never_cache
@login_required
def lottery(request, event_id: int):
    """The lottery: the seed's digest (the seed once registration has closed), the draw, the kept log."""
    event = _staff_event(request.user, event_id)
    if event.allocation != Event.Allocation.LOTTERY:
        raise Http404
    now = timezone.now()
    if request.method == "POST":
        try:
            log = actions.draw(actor=request.user, event=event, now=now)
        except ValidationError as refusal:
            messages.error(request, _refusal_text(refusal))
        else:
            messages.success(
                request,
                _("抽選しました：%(entries)s件のうち%(winners)s件が当選")
                % {"entries": len(log["entries"]), "winners": log["winners"]},
            )
        return redirect("events_door:lottery", event_id=event.pk)
    context = {
        "event": event,
        "seed": published_seed(event, now),
        "can_draw": can_draw(event, now),
        "entries": event.registrations.filter(status="entered").count(),
        "decisions": (event.lottery_log or {}).get("decisions", []),
        "verification": actions.verify_draw(event) if event.lottery_drawn_at else None,
    }
    return render(request, "events/door/lottery.html", context)


@never_cache
@login_required
def close(request, event_id: int):
    """Close the event as held, after a page that says what it does."""
    event = _staff_event(request.user, event_id)
    if request.method == "POST":
        try:
            no_shows = actions.close_as_held(actor=request.user, event=event)
        except ValidationError as refusal:
            return render(
                request,
                "events/door/close.html",
                {"event": event, "error": _refusal_text(refusal)},
                status=409,
            )
        messages.success(request, _("開催済みにしました。欠席は%(count)s件でした") % {"count": no_shows})
        return redirect("events_door:index")
    absent = event.registrations.filter(status="confirmed", checkins__isnull=True).count()
    return render(request, "events/door/close.html", {"event": event, "absent": absent})


def _download(request, event_id: int, kind: str) -> HttpResponse:
    event = _event(request.user, event_id)
    rows = roster_rows(event)
    actions.record_roster_seen(
        actor=request.user, event=event, rows=rows, action=f"events.download_roster_{kind}"
    )
    document = documents.roster_pdf(event, rows) if kind == "pdf" else documents.attendance_xlsx(event, rows)
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.filename
    )
    return response


@never_cache
@login_required
def roster_pdf(request, event_id: int):
    return _download(request, event_id, "pdf")


@never_cache
@login_required
def roster_xlsx(request, event_id: int):
    return _download(request, event_id, "xlsx")


def _refusal_text(refusal) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(refusal.messages)
    return str(refusal.args[0]) if refusal.args else _("見つかりません")
