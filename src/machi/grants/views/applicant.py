"""The public programmes, and a group's applications: draft, budget, attachments, submit, report, withdraw.

The budget form shows the grant as people type (static/grants/grants.js asks the public
quote API); without scripts, 「補助金の額を計算する」 asks the server, which runs the same
rule (`grants.rules.compute_grant`). Either way the figure is the server's.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from machi.accounts.forms import add_action_errors
from machi.accounts.models import CommunityGroup
from machi.accounts.queries import can_manage_ward
from machi.accounts.views import forbidden
from machi.core.limits import max_body
from machi.grants import actions, queries
from machi.grants.forms import (
    MAX_ROWS,
    START_ROWS,
    ApplicationForm,
    AttachmentForm,
    EmptyForm,
    NoteForm,
    ReportForm,
    categories_of,
    expense_formset,
)
from machi.grants.models import MAX_ATTACHMENT_BYTES, Application, Attachment, ExpenseLine, GrantProgramme
from machi.grants.rules import compute_grant

Status = Application.Status
WITHDRAWABLE = (*Application.EDITABLE, Status.SUBMITTED, Status.UNDER_REVIEW, Status.DECIDED)
PLANNED, ACTUAL = ExpenseLine.Phase.PLANNED, ExpenseLine.Phase.ACTUAL


# --- The programmes (public) -------------------------------------------------------------------


def index(request):
    """The programmes of a year by ward: tracks, window, categories, envelope and how much is decided."""
    years = list(
        GrantProgramme.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    )
    year = _year(request.GET.get("year"), years)
    programmes = queries.with_money_left(
        GrantProgramme.objects.for_year(year)
        .with_details()
        .prefetch_related("categories")
        .order_by("ward__code", "id")
    )
    now = timezone.now()
    for programme in programmes:
        programme.open_now = programme.is_open(now)
    return render(
        request,
        "grants/index.html",
        {"programmes": programmes, "year": year, "years": years, "nav": "programmes"},
    )


def _year(value, years: list[int]) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return years[0] if years else None
    return year if year in years else (years[0] if years else None)


# --- My applications ---------------------------------------------------------------------------


@login_required
def mine(request):
    applications = (
        Application.objects.of_person(request.user)
        .with_details()
        .annotate(
            planned_eligible=Sum(
                "expenses__amount_yen", filter=Q(expenses__phase=PLANNED, expenses__category__eligible=True)
            ),
            paid_yen=Max("payment__amount_yen"),
        )
        .order_by("-created_at", "-id")
    )
    for application in applications:
        application.planned_grant = compute_grant(application.track, int(application.planned_eligible or 0))
    return render(request, "grants/mine.html", {"applications": applications, "nav": "mine"})


def _visible(request, application_id: int) -> tuple[Application, bool, bool]:
    """An application its group's members or the ward's staff may see; to anyone else it does not exist."""
    application = get_object_or_404(
        Application.objects.with_details().select_related("programme__project"), pk=application_id
    )
    is_member = Application.objects.of_person(request.user).filter(pk=application.pk).exists()
    is_staff = can_manage_ward(request.user, application.programme.ward_id)
    if not is_member and not is_staff:
        raise Http404
    return application, is_member, is_staff


# --- The draft and its budget ------------------------------------------------------------------


def _groups_for(user, programme):
    """The approved groups of the programme's ward the person represents or is listed in."""
    return (
        CommunityGroup.objects.of_person(user)
        .filter(status=CommunityGroup.Status.APPROVED, ward=programme.ward)
        .order_by("name")
        .distinct()
    )


@login_required
def start(request, programme_id: int):
    programme = get_object_or_404(GrantProgramme.objects.with_details(), pk=programme_id)
    groups = _groups_for(request.user, programme)
    if not groups.exists():
        return render(
            request, "grants/no_group.html", {"programme": programme, "nav": "programmes"}, status=403
        )
    return _budget_page(request, programme, groups, application=None)


@login_required
def edit(request, application_id: int):
    application, is_member, _is_staff = _visible(request, application_id)
    if not is_member:
        return forbidden(
            request,
            _("%(group)sの構成員でないため、この申請は変更できません") % {"group": application.group.name},
        )
    if application.status not in Application.EDITABLE:
        messages.error(
            request,
            _("この申請は「%(status)s」のため、変更できません")
            % {"status": application.get_status_display()},
        )
        return redirect("grants:application", application_id=application.pk)
    programme = application.programme
    groups = CommunityGroup.objects.filter(pk=application.group_id)
    return _budget_page(request, programme, groups, application=application)


def _budget_page(request, programme, groups, *, application):
    """The draft form: 「行を追加」 and 「計算する」 re-show it (nothing written); 「保存」 saves the draft."""
    step = request.POST.get("step") if request.method == "POST" else None
    data = request.POST if request.method == "POST" else None
    categories = categories_of(programme)
    initial = {}
    lines = []
    if application is not None:
        initial = {
            "group": application.group_id,
            "track": application.track_id,
            "title": application.title,
            "plan": application.plan,
            "schedule": application.schedule,
            "other_income_yen": application.other_income_yen,
        }
        lines = list(application.expenses.filter(phase=PLANNED).select_related("category"))
    form = ApplicationForm(data, programme=programme, groups=groups, initial=initial)
    formset = _formset(request, data, step, prefix="expenses", categories=categories, lines=lines)
    quote = None
    if step in ("save", "recalculate") and form.is_valid() and formset.is_valid():
        expenses = formset.expense_inputs()
        quote = _quote(form.cleaned_data["track"], expenses)
        if step == "save":
            try:
                saved = actions.save_draft(
                    actor=request.user,
                    programme=programme,
                    track=form.cleaned_data["track"],
                    group=form.cleaned_data["group"],
                    title=form.cleaned_data["title"],
                    plan=form.cleaned_data["plan"],
                    schedule=form.cleaned_data["schedule"],
                    other_income_yen=form.cleaned_data["other_income_yen"],
                    expenses=expenses,
                    application=application,
                )
            except ValidationError as refusal:
                add_action_errors(form, refusal)
            else:
                messages.success(
                    request, _("下書きを保存しました。内容を確かめて「申請する」を押してください。")
                )
                return redirect("grants:application", application_id=saved.pk)
    elif application is not None and step is None:
        quote = _quote(application.track, lines)
    return render(
        request,
        "grants/edit.html",
        {
            "programme": programme,
            "application": application,
            "form": form,
            "formset": formset,
            "quote": quote,
            "eligible_ids": ",".join(str(c.pk) for c in categories if c.eligible),
            "categories": categories,
            "envelope_left": queries.envelope_left_yen(programme),
            "nav": "mine",
        },
    )


def _formset(request, data, step, *, prefix, categories, lines, rows=None):
    """The expense rows; 「行を追加」 without scripts re-shows the rows typed so far and one more."""
    if data is not None and step == "add_row":
        data = data.copy()
        key = f"{prefix}-TOTAL_FORMS"
        try:
            data[key] = str(min(int(data.get(key, START_ROWS)) + 1, MAX_ROWS))
        except ValueError:
            data[key] = str(START_ROWS)
    return expense_formset(data, prefix=prefix, categories=categories, lines=lines, rows=rows)


def _quote(track, expenses) -> dict:
    """Total, eligible and the grant, by the one rule (the same figure the quote API gives)."""
    total = sum(line.amount_yen for line in expenses)
    eligible = sum(line.amount_yen for line in expenses if line.category.eligible)
    return {"total": total, "eligible": eligible, "grant": compute_grant(track, eligible), "track": track}


# --- One application -------------------------------------------------------------------------


@login_required
def application(request, application_id: int):
    application, is_member, is_staff = _visible(request, application_id)
    return _application_page(request, application, is_member=is_member, is_staff=is_staff)


def _application_page(request, application, *, is_member, is_staff, forms=None, status=200):
    """The applicant's view: status, budget and grant, documents, history, and the steps they may take."""
    forms = forms or {}
    context = {
        **application_facts(application),
        "is_member": is_member,
        "is_staff": is_staff,
        "editable": is_member and application.status in Application.EDITABLE,
        "withdrawable": is_member and application.status in WITHDRAWABLE,
        "reportable": is_member and application.status == Status.DECIDED,
        "can_attach": application.status
        not in (Status.WITHDRAWN, Status.REJECTED, Status.CONFIRMED, Status.PAID),
        "submit_form": forms.get("submit") or EmptyForm(),
        "attachment_form": forms.get("attach") or AttachmentForm(),
        "comment_form": forms.get("comment") or NoteForm(label=_("コメント")),
        "withdraw_form": forms.get("withdraw")
        or NoteForm(label=_("取下げの理由"), required=False, auto_id="id_withdraw_%s"),
        "nav": "mine",
    }
    return render(request, "grants/application.html", context, status=status)


def application_facts(application) -> dict:
    """What both the group's and the staff's page show of an application: budget, accounts, files, history."""
    expenses = list(application.expenses.select_related("category"))
    planned = [line for line in expenses if line.phase == PLANNED]
    actual = [line for line in expenses if line.phase == ACTUAL]
    events = list(application.events.select_related("actor"))
    requests = [e for e in events if e.to_status == Status.CHANGES_REQUESTED and not e.is_comment]
    returned = [e for e in events if (e.from_status, e.to_status) == (Status.REPORTED, Status.DECIDED)]
    return {
        "application": application,
        "programme": application.programme,
        "planned": planned,
        "planned_quote": _quote(application.track, planned),
        "actual": actual,
        "actual_quote": _quote(application.track, actual) if actual else None,
        "events": events,
        "change_request": requests[-1] if requests else None,
        # The last time staff sent the result report back, while it waits for the group's new report.
        "report_returned": returned[-1] if returned and application.status == Status.DECIDED else None,
        "attachments": application.attachments.defer("content"),
        "payment": getattr(application, "payment", None) if application.status == Status.PAID else None,
        "repayments": application.repayments.all(),
    }


def post_only(view):
    """A step taken with a button (POST). Its address followed or reloaded (GET) goes to the
    application's page, where the button is, never to an empty 405."""

    @wraps(view)
    def checked(request, application_id: int, *args, **kwargs):
        if request.method != "POST":
            return redirect("grants:application", application_id=application_id)
        return view(request, application_id, *args, **kwargs)

    return checked


def _member_step(request, application_id: int, name: str, form, run):
    """A POST step of the group's: run the action; on refusal, show the application page with the reason."""
    application, is_member, is_staff = _visible(request, application_id)
    if form.is_valid():
        try:
            message = run(application, form.cleaned_data)
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            messages.success(request, message)
            return redirect("grants:application", application_id=application.pk)
    return _application_page(
        request, application, is_member=is_member, is_staff=is_staff, forms={name: form}, status=400
    )


@login_required
@post_only
def submit(request, application_id: int):
    def run(application, data):
        actions.submit(actor=request.user, application=application)
        return _("申請しました。区の担当者が審査します。")

    return _member_step(request, application_id, "submit", EmptyForm(request.POST), run)


@login_required
@post_only
def withdraw(request, application_id: int):
    def run(application, data):
        actions.withdraw(actor=request.user, application=application, reason=data["note"])
        return _("申請を取り下げました。")

    form = NoteForm(request.POST, label=_("取下げの理由"), required=False, auto_id="id_withdraw_%s")
    return _member_step(request, application_id, "withdraw", form, run)


@login_required
@post_only
def comment(request, application_id: int):
    def run(application, data):
        actions.comment(actor=request.user, application=application, note=data["note"])
        return _("コメントを送りました。")

    return _member_step(request, application_id, "comment", NoteForm(request.POST, label=_("コメント")), run)


# A 5 MB file and the form around it; larger bodies are refused before they are read.
@max_body(MAX_ATTACHMENT_BYTES + 64 * 1024)
@login_required
@post_only
def attach(request, application_id: int):
    """Add a file; the action reads its type from its first bytes and checks its size."""

    def run(application, data):
        upload = data["file"]
        attachment = actions.add_attachment(
            actor=request.user,
            application=application,
            kind=data["kind"],
            name=upload.name,
            content=upload.read(),
        )
        return _("「%(name)s」を添付しました。") % {"name": attachment.name}

    form = AttachmentForm(request.POST, request.FILES)
    response = _member_step(request, application_id, "attach", form, run)
    back = request.POST.get("back")
    if response.status_code == 302 and back == "report":
        return redirect("grants:report", application_id=application_id)
    return response


@login_required
def attachment(request, application_id: int, attachment_id: int):
    """A file as it was uploaded, to the group's members and the ward's staff."""
    application, _is_member, _is_staff = _visible(request, application_id)
    attachment = get_object_or_404(Attachment, pk=attachment_id, application=application)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + _quote_filename(attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quote_filename(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# --- The result report (実績報告) ---------------------------------------------------------


@login_required
def report(request, application_id: int):
    """Actual expenses by category (receipts as attachments); staff then confirm the amount."""
    application, is_member, _is_staff = _visible(request, application_id)
    if not is_member:
        return forbidden(
            request,
            _("%(group)sの構成員でないため、実績報告はできません") % {"group": application.group.name},
        )
    if application.status != Status.DECIDED:
        messages.error(
            request,
            _("この申請は「%(status)s」のため、実績報告はできません")
            % {"status": application.get_status_display()},
        )
        return redirect("grants:application", application_id=application.pk)
    step = request.POST.get("step") if request.method == "POST" else None
    data = request.POST if request.method == "POST" else None
    categories = categories_of(application.programme)
    # The report starts from the budget: most lines are spent as planned, and a person changes the amounts.
    # A report sent back starts from what the group reported.
    reported = list(application.expenses.filter(phase=ACTUAL).select_related("category"))
    start = reported or list(application.expenses.filter(phase=PLANNED).select_related("category"))
    formset = _formset(request, data, step, prefix="actual", categories=categories, lines=start)
    form = ReportForm(data)
    quote = None
    if step in ("save", "recalculate") and form.is_valid() and formset.is_valid():
        expenses = formset.expense_inputs()
        quote = _quote(application.track, expenses)
        if step == "save":
            try:
                actions.report_results(
                    actor=request.user,
                    application=application,
                    expenses=expenses,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as refusal:
                add_action_errors(form, refusal)
            else:
                messages.success(request, _("実績報告を送りました。区の担当者が補助金の額を確定します。"))
                return redirect("grants:application", application_id=application.pk)
    return render(
        request,
        "grants/report.html",
        {
            "application": application,
            "programme": application.programme,
            "form": form,
            "formset": formset,
            "quote": quote,
            "eligible_ids": ",".join(str(c.pk) for c in categories if c.eligible),
            "attachments": application.attachments.defer("content"),
            "attachment_form": AttachmentForm(initial={"kind": "receipt"}),
            "nav": "mine",
        },
    )
