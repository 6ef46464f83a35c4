"""A resident's pages: report a problem (ward → category → the form), the duplicates offered first,
follow, my reports with reopen and withdraw.

Thin: `machi.requests.actions` decides (the location inside the city, the description's length, the
photos, the category's own questions, the 30 days to reopen); a refusal is shown on the form that
caused it, in Japanese, and nothing is written.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from machi.core.errors import status_of
from machi.ledger.models import Ward
from machi.requests import actions, queries
from machi.requests.forms import NoteForm, ReportForm, attach_refusal
from machi.requests.models import Category, Request
from machi.requests.views.common import map_settings, photo_url


def reportable_category(value) -> Category | None:
    if not str(value or "").isdigit():
        return None
    return (
        Category.objects.select_related("ward", "fund")
        .filter(pk=int(value), active=True, public=True)
        .first()
    )


def grouped(categories) -> list[tuple[str, list[Category]]]:
    """Categories under their group's name, in the order given (the group's name, then the code)."""
    groups: dict[str, list[Category]] = {}
    for category in categories:
        groups.setdefault(category.group or _("その他"), []).append(category)
    return list(groups.items())


@login_required
def report(request):
    """Report a problem. Without a category: choose the ward, then the category (plain GET forms, no
    script needed). With one: the form; on its POST the duplicates are offered first, then submit."""
    category = reportable_category(request.GET.get("category"))
    if category is None:
        return _choose(request)
    form = ReportForm(request.POST or None, request.FILES or None, category=category)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            if values["not_duplicate"] != "1":
                duplicates = actions.find_duplicates(
                    category=category, latitude=values["latitude"], longitude=values["longitude"]
                )
                if duplicates:
                    return _report_page(request, category, form, duplicates=duplicates)
            created = _submit(request, category, form)
        except ValidationError as refusal:
            attach_refusal(form, refusal)
            return _report_page(request, category, form, status=status_of(refusal))
        messages.success(request, _("%(label)sとして受け付けました") % {"label": created.label})
        return redirect("requests:my_request", code=created.service_request_id)
    return _report_page(request, category, form, status=400 if form.errors else 200)


def _submit(request, category: Category, form: ReportForm) -> Request:
    values = form.cleaned_data
    extra = {}
    if values["photos"]:
        extra["photos"] = values["photos"]
    if answers := form.attribute_answers():
        extra["attributes"] = answers
    return actions.submit_request(
        actor=request.user,
        category=category,
        description=values["description"],
        latitude=values["latitude"],
        longitude=values["longitude"],
        address=values["address"],
        **extra,
    )


def _choose(request):
    wards = list(Ward.objects.filter(request_categories__active=True).distinct().order_by("code"))
    ward = next((w for w in wards if w.code == request.GET.get("ward")), None)
    categories = []
    if ward is not None:
        categories = grouped(
            Category.objects.filter(ward=ward, active=True, public=True).order_by("group", "code")
        )
    return render(
        request,
        "requests/choose.html",
        {"wards": wards, "ward": ward, "groups": categories, "nav": "report"},
    )


def _report_page(request, category, form, *, duplicates=(), status=200):
    if duplicates:
        form.data = form.data.copy()
        form.data["not_duplicate"] = "1"
    return render(
        request,
        "requests/report.html",
        {
            "category": category,
            "form": form,
            "duplicates": [queries.public_view(found) | {"pk": found.pk} for found in duplicates],
            "map": map_settings(),
            "nav": "report",
        },
        status=status,
    )


@login_required
@require_POST
def follow(request, code: str):
    """「同じ問題です（フォローする）」: the person follows the open request instead of making a new one."""
    found = queries.public_request(code)
    if found is None:
        raise Http404(_("課題が見つかりません"))
    try:
        actions.follow(actor=request.user, request=found)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect("requests:request", code=code)
    messages.success(
        request,
        _("%(label)sをフォローしました。状況が変わると「自分の申出」に表示されます") % {"label": found.label},
    )
    return redirect("requests:mine")


@login_required
def mine(request):
    """My reports and the ones I follow: status, dates, public notes; reopen and withdraw where allowed."""
    mine_ = list(queries.requests_of(request.user))
    for found in mine_:
        _decorate(found, request.user)
    return render(request, "requests/mine.html", {"found": mine_, "nav": "mine"})


def _decorate(found: Request, user) -> None:
    found.own = found.requester_id == user.pk
    found.late = queries.is_late(found)
    found.can_withdraw = found.own and found.is_open
    found.can_reopen = found.own and queries.may_reopen(found)
    found.photo_urls = [photo_url(photo) for photo in found.photos.all()] if found.own else []


def _own(request, code: str) -> Request:
    found = queries.requests_of(request.user, code).first()
    if found is None or found.requester_id != request.user.pk:
        raise Http404(_("課題が見つかりません"))
    return found


@login_required
def my_request(request, code: str):
    """One of my reports, as I wrote it: the label, the date it is to be acknowledged by, the description,
    the place, photos, the public notes and the history of its states."""
    found = _own(request, code)
    _decorate(found, request.user)
    return render(
        request,
        "requests/my_request.html",
        {
            "found": found,
            "history": queries.status_history(found),
            "note_form": NoteForm(initial={"expected_version": found.version}),
            "nav": "mine",
        },
    )


@login_required
@require_POST
def reopen(request, code: str):
    found = _own(request, code)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        actions.reopen(
            actor=request.user,
            request=found,
            public_note=form.cleaned_data.get("public_note", ""),
            expected_version=form.cleaned_data.get("expected_version"),
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(
            request, _("%(label)sを再開しました。区役所が改めて確認します") % {"label": found.label}
        )
    return redirect("requests:my_request", code=code)


@login_required
@require_POST
def withdraw(request, code: str):
    found = _own(request, code)
    try:
        actions.withdraw(actor=request.user, request=found)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("%(label)sを取り下げました") % {"label": found.label})
    return redirect("requests:my_request", code=code)


def report_url(category: Category) -> str:
    return f"{reverse('requests:report')}?{urlencode({'category': category.pk})}"
