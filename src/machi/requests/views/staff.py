"""Staff's pages: the queue of their wards' requests (overdue first, then by age), one request with
everything (description, address, caller, photos, answers, the full history with internal notes), the
change of status (409 on a stale version), expenditures and refunds against the category's fund with
its money left, and a request phoned in.

Thin: `machi.requests.actions` decides and checks the ward; a page of another ward's request is 403.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from machi.accounts.scope import NotAllowed, can_manage_ward, is_staff_anywhere, staff_ward_ids
from machi.core.errors import status_of
from machi.ledger.models import Ward
from machi.requests import actions, queries
from machi.requests.forms import CallerForm, ExpenditureForm, RefundForm, StatusForm, attach_refusal
from machi.requests.models import Category, Expenditure, Request
from machi.requests.views.common import map_settings, photo_url
from machi.requests.views.public import status_choices
from machi.requests.views.report import grouped, reportable_category

PAGE_SIZE = 50


def _require_staff(user) -> None:
    if not is_staff_anywhere(user):
        raise NotAllowed(_("地域課題の受付一覧は区の職員だけが見られます"), code="scope.ward")


def _staff_wards(user) -> list[Ward]:
    wards = staff_ward_ids(user)
    found = Ward.objects.order_by("code")
    return list(found if wards is None else found.filter(pk__in=wards))


class QueueFilter(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("状態"), required=False)
    ward = forms.ChoiceField(label=gettext_lazy("区"), required=False)
    category = forms.CharField(label=gettext_lazy("種類のコード"), required=False, max_length=40)
    late = forms.BooleanField(label=gettext_lazy("期限を過ぎたものだけ"), required=False)

    def __init__(self, *args, wards, **kwargs):
        super().__init__(*args, **kwargs)
        choices = status_choices()
        choices[0] = ("all", _("すべて"))
        choices.insert(0, ("", _("対応中のもの（受付・確認中・対応中）")))
        self.fields["status"].choices = [c for c in choices if c[0] != "open"]
        self.fields["ward"].choices = [("", _("担当のすべての区"))] + [(w.code, w.name) for w in wards]


@login_required
def queue(request):
    """The actor's wards' requests: overdue first, then the oldest; filter by status, ward, category."""
    _require_staff(request.user)
    wards = _staff_wards(request.user)
    form = QueueFilter(request.GET or None, wards=wards)
    filters = form.cleaned_data if form.is_valid() else {}
    ward = next((w for w in wards if w.code == filters.get("ward")), None)
    today = timezone.localdate()
    listing = queries.staff_queue(
        request.user,
        filters.get("status") or None,
        ward=ward,
        category=filters.get("category") or "",
        late_only=bool(filters.get("late")),
        today=today,
    )
    page = Paginator(listing, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    categories = Category.objects.filter(ward__in=wards, active=True).select_related("ward")
    return render(
        request,
        "requests/staff/queue.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "query": query.urlencode(),
            "categories": categories,
            "nav": "queue",
        },
    )


def _for_staff(request, code: str) -> Request:
    found = queries.by_code(code)
    if found is None:
        raise Http404(_("課題が見つかりません"))
    request_ = get_object_or_404(
        Request.objects.select_related("ward", "category__fund", "duplicate_of__ward"), found
    )
    if not can_manage_ward(request.user, request_.ward_id):
        raise NotAllowed(_("%(ward)sの地域課題を見る権限がありません") % {"ward": request_.ward.name})
    return request_


def _fund(found: Request):
    """The fund's money left (queries.fund_left, req-money) and the request's expenditures."""
    fund_left = getattr(queries, "fund_left", None)
    expenditures_of = getattr(queries, "expenditures_of", None)
    left = fund_left(found) if fund_left else None
    rows = expenditures_of(found) if expenditures_of else list(found.expenditures.all())
    return left, rows


@login_required
def staff_request(request, code: str, *, form=None, expenditure_form=None, status=200):
    """Everything about one request, the change of status (POST) and the fund's money."""
    found = _for_staff(request, code)
    if request.method == "POST" and form is None and expenditure_form is None:
        form = StatusForm(request.POST, request=found)
        if form.is_valid():
            values = form.cleaned_data
            try:
                duplicate = _duplicate_of(found, values["duplicate_of"])
                actions.change_status(
                    actor=request.user,
                    request=found,
                    to=values["to"],
                    expected_version=values["expected_version"],
                    public_note=values["public_note"],
                    internal_note=values["internal_note"],
                    reason=values["reason"],
                    referred_to=values["referred_to"],
                    duplicate_of=duplicate,
                )
            except ValidationError as refusal:
                attach_refusal(form, refusal)
                status = status_of(refusal)
            else:
                messages.success(
                    request,
                    _("状態を「%(status)s」にしました") % {"status": Request.Status(values["to"]).label},
                )
                return redirect("requests:staff_request", code=code)
        else:
            status = 400
        found.refresh_from_db()
    left, expenditures = _fund(found)
    refunded = {}
    for row in expenditures:
        if row.kind == Expenditure.Kind.REFUND:
            refunded[row.refund_of_id] = refunded.get(row.refund_of_id, 0) + row.amount_yen
    for row in expenditures:
        row.refundable = (
            row.amount_yen - refunded.get(row.pk, 0) if row.kind == Expenditure.Kind.PAYMENT else 0
        )
    return render(
        request,
        "requests/staff/request.html",
        {
            "found": found,
            "view": queries.public_view(found),
            "late": queries.is_late(found),
            "history": list(found.updates.select_related("actor")),
            "photos": [(photo, photo_url(photo)) for photo in found.photos.defer("content")],
            "attributes": _answers(found),
            "followers": found.followers.count(),
            "form": form or StatusForm(request=found),
            "expenditures": expenditures,
            "spent": sum(row.signed_yen for row in expenditures),
            "left": left,
            "expenditure_form": expenditure_form or ExpenditureForm(),
            "refund_form": RefundForm(),
            "points": [{"lat": str(found.latitude), "lon": str(found.longitude), "label": found.label}]
            if found.latitude is not None
            else [],
            "map": map_settings(),
            "nav": "queue",
        },
        status=status,
    )


def _duplicate_of(found: Request, typed: str) -> Request | None:
    """The request named as the one this duplicates: its number in the same ward and year, or its code."""
    typed = (typed or "").strip().removeprefix("第").removesuffix("号")
    if not typed:
        return None
    if typed.isdigit():
        lookup = {"ward": found.ward, "fiscal_year": found.fiscal_year, "number": int(typed)}
        return Request.objects.filter(**lookup).select_related("ward").first()
    code = queries.by_code(typed)
    return Request.objects.filter(code).select_related("ward").first() if code is not None else None


def _answers(found: Request) -> list[tuple[str, str]]:
    labels = {a.get("code"): a.get("label") or a.get("code") for a in found.category.attributes or []}
    values = []
    for code, value in (found.attributes or {}).items():
        shown = "、".join(map(str, value)) if isinstance(value, list) else str(value)
        values.append((labels.get(code, code), shown))
    return values


@login_required
@require_POST
def staff_expenditure(request, code: str):
    """Record a payment from the category's fund (actions.record_expenditure)."""
    found = _for_staff(request, code)
    form = ExpenditureForm(request.POST)
    if form.is_valid():
        values = form.cleaned_data
        try:
            actions.record_expenditure(actor=request.user, request=found, **values)
        except ValidationError as refusal:
            attach_refusal(form, refusal)
            return staff_request(request, code, expenditure_form=form, status=status_of(refusal))
        messages.success(
            request,
            _("%(yen)s円の支出を記録し、基金の事業の決算額に計上しました")
            % {"yen": f"{values['amount_yen']:,}"},
        )
        return redirect("requests:staff_request", code=code)
    return staff_request(request, code, expenditure_form=form, status=400)


@login_required
@require_POST
def staff_refund(request, code: str, expenditure_id: int):
    """A refund (戻入) of (part of) a payment (actions.refund_expenditure)."""
    found = _for_staff(request, code)
    payment = get_object_or_404(Expenditure, pk=expenditure_id, request=found, kind=Expenditure.Kind.PAYMENT)
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("requests:staff_request", code=code)
    values = form.cleaned_data
    try:
        actions.refund_expenditure(actor=request.user, expenditure=payment, **values)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(
            request,
            _("%(yen)s円を戻入し、基金の事業の決算額から差し引きました")
            % {"yen": f"{values['amount_yen']:,}"},
        )
    return redirect("requests:staff_request", code=code)


@login_required
def staff_phoned(request):
    """A request phoned in or brought to the counter: staff choose the category, then enter the caller."""
    _require_staff(request.user)
    wards = _staff_wards(request.user)
    category = reportable_category(request.GET.get("category"))
    if category is None or category.ward not in wards:
        categories = Category.objects.filter(ward__in=wards, active=True).select_related("ward")
        return render(
            request,
            "requests/staff/phoned_choose.html",
            {"groups": grouped(categories.order_by("ward__code", "group", "code")), "nav": "queue"},
        )
    form = CallerForm(request.POST or None, request.FILES or None, category=category)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = form.cleaned_data
            extra = {}
            if values["photos"]:
                extra["photos"] = values["photos"]
            if answers := form.attribute_answers():
                extra["attributes"] = answers
            try:
                created = actions.submit_request(
                    actor=request.user,
                    category=category,
                    description=values["description"],
                    latitude=values["latitude"],
                    longitude=values["longitude"],
                    address=values["address"],
                    school_district=values["school_district"],
                    caller_name=values["caller_name"],
                    caller_phone=values["caller_phone"],
                    **extra,
                )
            except ValidationError as refusal:
                attach_refusal(form, refusal)
                status = status_of(refusal)
            else:
                messages.success(request, _("%(label)sとして受け付けました") % {"label": created.label})
                return redirect("requests:staff_request", code=created.service_request_id)
        else:
            status = 400
    return render(
        request,
        "requests/staff/phoned.html",
        {"category": category, "form": form, "map": map_settings(), "nav": "queue"},
        status=status,
    )
