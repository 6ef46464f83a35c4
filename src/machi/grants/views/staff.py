"""Ward staff's pages: the pipeline of a programme, totals against its envelope, and each application's steps.

Ward staff see their wards' programmes; a city administrator sees every ward's. The
actions check the scope again, so a page reached by its address still cannot act.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from machi.accounts.forms import add_action_errors
from machi.accounts.queries import can_manage_ward, staff_ward_ids
from machi.accounts.views import forbidden
from machi.audit.actions import record_view
from machi.core.preview import rolled_back
from machi.grants import actions, queries
from machi.grants.forms import (
    CONFIRMED_STEPS,
    STAFF_FORMS,
    STAFF_STEPS,
    NoteForm,
    ProgrammeSetupForm,
    setup_formsets,
)
from machi.grants.models import Application, ExpenseLine, GrantProgramme
from machi.grants.views.applicant import application_facts

Status = Application.Status
# Drafts are the group's own work until they submit; staff see applications from then on.
PIPELINE = [status for status in Status if status != Status.DRAFT]


def _staff_programmes(user):
    wards = staff_ward_ids(user)
    programmes = GrantProgramme.objects.with_details()
    return programmes if wards is None else programmes.filter(ward_id__in=wards)


@login_required
def index(request):
    """The programmes of the wards one looks after, each with its envelope and how much is decided."""
    if staff_ward_ids(request.user) == set():
        return forbidden(request, _("補助金の審査は区の職員だけが行えます"))
    programmes = queries.with_money_left(
        _staff_programmes(request.user).order_by("-fiscal_year", "ward__code", "id")
    )
    return render(
        request, "grants/manage_index.html", {"programmes": programmes, "can_create": True, "nav": "manage"}
    )


@login_required
def applications(request):
    """The applications of one's wards at one step (?status=submitted …), across programmes: where the
    staff home's counts lead. Without a known status, every application sent (not drafts)."""
    wards = staff_ward_ids(request.user)
    if wards == set():
        return forbidden(request, _("補助金の審査は区の職員だけが行えます"))
    status = request.GET.get("status") or ""
    if status not in {s.value for s in PIPELINE}:
        status = ""
    listed = Application.objects.exclude(status=Status.DRAFT)
    if wards is not None:
        listed = listed.filter(programme__ward_id__in=wards)
    if status:
        listed = listed.filter(status=status)
    return render(
        request,
        "grants/manage_applications.html",
        {
            "applications": listed.select_related("programme__ward", "track", "group").order_by(
                "programme__ward__code", "submitted_at", "id"
            ),
            "status": status,
            "status_label": Status(status).label if status else "",
            "pipeline": PIPELINE,
            "nav": "manage",
        },
    )


def _programme(request, programme_id: int):
    programme = get_object_or_404(GrantProgramme.objects.with_details(), pk=programme_id)
    if not can_manage_ward(request.user, programme.ward_id):
        return programme, forbidden(
            request, _("%(ward)sの補助金を扱う権限がありません") % {"ward": programme.ward.name}
        )
    return programme, None


@login_required
def programme(request, programme_id: int):
    """The pipeline: counts by status, totals against the envelope, counts per track, and the list."""
    programme, refused = _programme(request, programme_id)
    if refused:
        return refused
    sent = Application.objects.filter(programme=programme).exclude(status=Status.DRAFT)
    counts = queries.status_counts(sent)
    status = request.GET.get("status") or ""
    if status not in {s.value for s in PIPELINE}:
        status = ""
    listed = sent.filter(status=status) if status else sent
    applications = (
        listed.select_related("programme", "track", "group")
        .annotate(
            planned_eligible=Sum(
                "expenses__amount_yen",
                filter=Q(expenses__phase=ExpenseLine.Phase.PLANNED, expenses__category__eligible=True),
            )
        )
        .order_by("submitted_at", "id")
    )
    return render(
        request,
        "grants/manage_programme.html",
        {
            "programme": programme,
            "totals": queries.programme_totals(programme),
            "open_now": programme.is_open(timezone.now()),
            "can_open": programme.closes_at > timezone.now(),
            "pipeline": [(s, counts.get(s.value, 0)) for s in PIPELINE],
            "total_count": sum(counts.values()),
            "status": status,
            "status_label": Status(status).label if status else "",
            "tracks": queries.tracks_with_counts(programme, sent),
            "applications": applications,
            "nav": "manage",
        },
    )


def _staff_application(request, application_id: int):
    application = get_object_or_404(
        Application.objects.with_details().select_related("programme__project"), pk=application_id
    )
    if not can_manage_ward(request.user, application.programme.ward_id):
        return application, forbidden(
            request,
            _("%(ward)sの補助金の申請を扱う権限がありません") % {"ward": application.programme.ward.name},
        )
    return application, None


@login_required
def application(request, application_id: int):
    application, refused = _staff_application(request, application_id)
    if refused:
        return refused
    record_view(
        actor=request.user,
        action="grants.view_application",
        obj=application,
        people=[application.applicant_id],
        detail={"groups": [application.group_id]},
    )
    return _page(request, application)


def _page(request, application, *, failed: str | None = None, failed_form=None, status=200):
    """The application with the steps its state allows, each a form; a refused one keeps its message."""
    steps = STAFF_STEPS.get(application.status, ())
    forms = {step: failed_form if step == failed else _step_form(step) for step in steps}
    if failed and failed not in forms:
        forms[failed] = failed_form
    facts = application_facts(application)
    left = queries.envelope_left_yen(application.programme)
    return render(
        request,
        "grants/manage_application.html",
        {**facts, "forms": forms, "envelope_left": left, "failed": failed, "nav": "manage"},
        status=status,
    )


def _step_form(step: str, data=None):
    """A step's form; ids carry the step's name, as the page holds several forms."""
    form_class = STAFF_FORMS[step]
    kwargs = {"auto_id": f"id_{step}_%s"}
    if form_class is NoteForm:
        kwargs["label"] = {
            "request_changes": _("修正をお願いする内容"),
            "return_report": _("実績報告に不足している内容"),
        }.get(step, _("コメント"))
    return form_class(data, **kwargs)


def _run(application, actor, step: str, data: dict) -> str:
    """One staff step through its action; returns what the page tells them afterwards."""
    if step == "review":
        actions.start_review(actor=actor, application=application)
        return _("審査を始めました。")
    if step == "comment":
        actions.comment(actor=actor, application=application, note=data["note"])
        return _("コメントを記録しました。")
    if step == "request_changes":
        actions.request_changes(actor=actor, application=application, note=data["note"])
        return _("修正を依頼しました。団体に連絡しました。")
    if step == "decide":
        actions.decide(
            actor=actor,
            application=application,
            amount_yen=data["amount_yen"],
            conditions=data["conditions"],
            overdraw_reason=data.get("overdraw_reason", ""),
        )
        return _("交付を決定しました（%(yen)s円）。") % {"yen": f"{data['amount_yen']:,}"}
    if step == "reject":
        actions.reject(actor=actor, application=application, reason=data["reason"])
        return _("不交付にしました。")
    if step == "return_report":
        actions.return_report(actor=actor, application=application, note=data["note"])
        return _("実績報告を団体に差し戻しました。団体に連絡しました。")
    if step == "confirm":
        confirmed = actions.confirm_amount(actor=actor, application=application)
        return _("補助金の額を確定しました（%(yen)s円）。") % {"yen": f"{confirmed.confirmed_yen:,}"}
    if step == "pay":
        payment = actions.pay(actor=actor, application=application)
        return _("%(yen)s円を支払いました。台帳の事業の決算額に加えました。") % {
            "yen": f"{payment.amount_yen:,}"
        }
    if step == "repay":
        actions.record_repayment(
            actor=actor, application=application, amount_yen=data["amount_yen"], reason=data["reason"]
        )
        return _("返還（%(yen)s円）を記録しました。台帳の事業の決算額から差し引きました。") % {
            "yen": f"{data['amount_yen']:,}"
        }
    raise ValueError(step)


@login_required
def act(request, application_id: int, step: str):
    """Any staff step: the form checks what was typed, the action decides; a refusal stays on the page.

    A step is taken with a button (POST); its address followed or reloaded (GET) goes back to the
    application, never to an empty 405. 額を確定する and 支払う first show what will be recorded (the
    action run and rolled back) and act only on the second button, which says `confirmed=yes`; their
    address opened directly shows that confirmation page.
    """
    if step not in STAFF_FORMS:
        return forbidden(request, _("この操作はありません"))
    application, refused = _staff_application(request, application_id)
    if refused:
        return refused
    if request.method != "POST":
        if step in CONFIRMED_STEPS:
            return _confirmation(request, application, step)
        return redirect("grants:manage_application", application_id=application.pk)
    if step in CONFIRMED_STEPS and request.POST.get("confirmed") != "yes":
        return _confirmation(request, application, step)
    form = _step_form(step, request.POST)
    if form.is_valid():
        try:
            message = _run(application, request.user, step, form.cleaned_data)
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            messages.success(request, message)
            return redirect("grants:manage_application", application_id=application.pk)
    application.refresh_from_db()
    return _page(request, application, failed=step, failed_form=form, status=400)


def _confirmation(request, application, step: str):
    """額の確定 or 支払い as it will be recorded (the action run and rolled back), with the button that acts."""
    from machi.ledger.models import Project

    def run():
        settled_before = Project.objects.get(pk=application.programme.project_id).settled_yen
        if step == "confirm":
            done = actions.confirm_amount(actor=request.user, application=application)
            amount = done.confirmed_yen
            note = done.events.order_by("-id").values_list("note", flat=True).first()
        else:
            amount = actions.pay(actor=request.user, application=application).amount_yen
            note = ""
        settled_after = Project.objects.get(pk=application.programme.project_id).settled_yen
        return amount, note, settled_before, settled_after

    try:
        amount, note, settled_before, settled_after = rolled_back(run)
    except ValidationError as refusal:
        form = _step_form(step, {})
        form.is_valid()
        add_action_errors(form, refusal)
        application.refresh_from_db()
        return _page(request, application, failed=step, failed_form=form, status=400)
    application.refresh_from_db()
    return render(
        request,
        "grants/manage_confirm.html",
        {
            "application": application,
            "programme": application.programme,
            "step": step,
            "amount": amount,
            "note": note,
            "settled_before": settled_before,
            "settled_after": settled_after,
            "nav": "manage",
        },
    )


# --- Setting up a programme: its project, period, 区分 and 費目; opening and closing its round -------


def _staff_wards(user):
    from machi.ledger.models import Ward

    wards = staff_ward_ids(user)
    found = Ward.objects.order_by("code")
    return found if wards is None else found.filter(pk__in=wards)


def _candidate_projects(ward_id: int, fiscal_year: int, programme=None):
    """That ward-year's projects no other programme pays from (the programme's own included)."""
    from machi.ledger.models import Project

    projects = Project.objects.filter(programme__ward_id=ward_id, programme__fiscal_year=fiscal_year)
    free = Q(grant_programme__isnull=True)
    if programme is not None:
        free |= Q(pk=programme.project_id)
    return projects.filter(free).order_by("position", "no", "id")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def programme_new(request):
    """「補助金の制度を作る」: first the ward and year (their projects are listed), then the programme."""
    from machi.core.fiscal import fiscal_year_of

    wards = list(_staff_wards(request.user))
    if not wards:
        return forbidden(request, _("補助金の制度は区の職員だけが作れます"))
    source = request.POST if request.method == "POST" else request.GET
    ward_id = _int(source.get("ward"))
    ward = next((w for w in wards if w.pk == ward_id), None if ward_id else wards[0])
    if ward is None:
        return forbidden(request, _("この区の補助金の制度を作る権限がありません"))
    fiscal_year = _int(source.get("fiscal_year")) or fiscal_year_of(timezone.localdate())
    return _setup_page(request, programme=None, ward=ward, fiscal_year=fiscal_year, wards=wards)


@login_required
def programme_edit(request, programme_id: int):
    programme, refused = _programme(request, programme_id)
    if refused:
        return refused
    return _setup_page(request, programme=programme, ward=programme.ward, fiscal_year=programme.fiscal_year)


def _setup_page(request, *, programme, ward, fiscal_year: int, wards=()):
    from machi.grants.demo import CATEGORIES

    posted = request.method == "POST"
    data = request.POST if posted else None
    initial = {"ward": ward.pk, "fiscal_year": fiscal_year}
    if programme is not None:
        initial |= {
            "project": programme.project_id,
            "name": programme.name,
            "description": programme.description,
            "opens_at": timezone.localtime(programme.opens_at),
            "closes_at": timezone.localtime(programme.closes_at),
        }
    projects = _candidate_projects(ward.pk, fiscal_year, programme)
    form = ProgrammeSetupForm(data, projects=projects, initial=initial)
    tracks, categories = setup_formsets(data, programme=programme, default_categories=CATEGORIES)
    if posted and form.is_valid() and tracks.is_valid() and categories.is_valid():
        target = programme or GrantProgramme(ward_id=form.cleaned_data["ward"])
        target.fiscal_year = form.cleaned_data["fiscal_year"] if programme is None else programme.fiscal_year
        for name in ("project", "name", "description", "opens_at", "closes_at"):
            setattr(target, name, form.cleaned_data[name])
        try:
            saved = actions.set_up_programme(
                actor=request.user,
                programme=target,
                tracks=_track_inputs(tracks, programme),
                categories=_category_inputs(categories, programme),
            )
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            messages.success(
                request,
                (
                    _("補助金の制度「%(name)s」を作りました。")
                    if programme is None
                    else _("補助金の制度「%(name)s」を変更しました。")
                )
                % {"name": saved.name},
            )
            return redirect("grants:manage_programme", programme_id=saved.pk)
    return render(
        request,
        "grants/manage_setup.html",
        {
            "programme": programme,
            "ward": ward,
            "fiscal_year": fiscal_year,
            "wards": wards,
            "has_projects": projects.exists(),
            "form": form,
            "tracks": tracks,
            "categories": categories,
            "nav": "manage",
        },
        status=400 if posted else 200,
    )


def _track_inputs(formset, programme) -> list:
    stored = {t.pk: t for t in programme.tracks.all()} if programme is not None else {}
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        track = stored.get(data.get("id"))
        if track is None and not (data.get("name") or "").strip():
            continue
        rows.append(
            actions.TrackInput(
                name=data.get("name") or "",
                rate_numerator=data.get("rate_numerator"),
                rate_denominator=data.get("rate_denominator"),
                cap_yen=data.get("cap_yen"),
                rounding=data.get("rounding") or "floor_1000",
                track=track,
                delete=bool(data.get("delete")),
            )
        )
    return rows


def _category_inputs(formset, programme) -> list:
    stored = {c.pk: c for c in programme.categories.all()} if programme is not None else {}
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        category = stored.get(data.get("id"))
        if category is None and not (data.get("name") or "").strip():
            continue
        rows.append(
            actions.CategoryInput(
                name=data.get("name") or "",
                eligible=bool(data.get("eligible")),
                category=category,
                delete=bool(data.get("delete")),
            )
        )
    return rows


@login_required
def programme_round(request, programme_id: int, step: str):
    """受付を始める（今から）/ 締め切る（今）: a button; a GET goes back to the programme's page."""
    programme, refused = _programme(request, programme_id)
    if refused:
        return refused
    if request.method == "POST":
        try:
            if step == "open":
                actions.open_programme(actor=request.user, programme=programme)
                messages.success(request, _("申請の受付を始めました。"))
            else:
                actions.close_programme(actor=request.user, programme=programme)
                messages.success(request, _("申請の受付を締め切りました。"))
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
    return redirect("grants:manage_programme", programme_id=programme.pk)
