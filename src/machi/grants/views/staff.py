"""Ward staff's pages: the pipeline of a programme, totals against its envelope, and each application's steps.

Ward staff see their wards' programmes; a city administrator sees every ward's. The
actions check the scope again, so a page reached by its address still cannot act.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from machi.accounts.forms import add_action_errors
from machi.accounts.queries import can_manage_ward, staff_ward_ids
from machi.accounts.views import forbidden
from machi.audit.actions import record_view
from machi.grants import actions, queries
from machi.grants.forms import STAFF_FORMS, STAFF_STEPS, NoteForm
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
    programmes = queries.with_committed_yen(_staff_programmes(request.user)).order_by(
        "-fiscal_year", "ward__code", "id"
    )
    for programme in programmes:
        envelope = programme.envelope_yen
        programme.left_yen = None if envelope is None else envelope - programme.committed_yen
    return render(request, "grants/manage_index.html", {"programmes": programmes, "nav": "manage"})


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
        kwargs["label"] = _("修正をお願いする内容") if step == "request_changes" else _("コメント")
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
            actor=actor, application=application, amount_yen=data["amount_yen"], conditions=data["conditions"]
        )
        return _("交付を決定しました（%(yen)s円）。") % {"yen": f"{data['amount_yen']:,}"}
    if step == "reject":
        actions.reject(actor=actor, application=application, reason=data["reason"])
        return _("不交付にしました。")
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
@require_POST
def act(request, application_id: int, step: str):
    """Any staff step: the form checks what was typed, the action decides; a refusal stays on the page."""
    if step not in STAFF_FORMS:
        return forbidden(request, _("この操作はありません"))
    application, refused = _staff_application(request, application_id)
    if refused:
        return refused
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
