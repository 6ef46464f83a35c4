"""The public's pages: the list and map of requests by ward, status and category, and one request's page.

Only what `queries.public_view` gives: category, 校区, status, dates, public notes, the location rounded
to about 50 m. Never the description, the address, a name or a photo. The list reads a fixed number of
queries whatever the page size.
"""

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from machi.ledger.models import Ward
from machi.requests import queries
from machi.requests.models import Category, Request
from machi.requests.views.common import map_settings

PAGE_SIZE = 20


def status_choices() -> list[tuple[str, str]]:
    return [
        ("", _("すべて")),
        ("open", _("対応中のもの（受付・確認中・対応中）")),
        ("closed", _("終わったもの")),
        *[(s.value, s.label) for s in Request.Status],
    ]


class ListFilter(forms.Form):
    ward = forms.ChoiceField(label=gettext_lazy("区"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("状態"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("種類"), required=False)

    def __init__(self, *args, wards, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = [("", _("すべての区"))] + [(w.code, w.name) for w in wards]
        self.fields["status"].choices = status_choices()
        names: dict[str, str] = {}
        for category in categories:
            names.setdefault(category.code, category.name)
        self.fields["category"].choices = [("", _("すべての種類")), *sorted(names.items())]


def stats_url() -> str:
    try:
        return reverse("requests:stats")
    except NoReverseMatch:  # until the statistics page is merged (req-stats)
        return ""


def index(request):
    """Requests in public categories, newest first, 20 a page, with the page's points on a map."""
    wards = list(Ward.objects.order_by("code"))
    categories = Category.objects.filter(public=True).only("code", "name").order_by("code")
    form = ListFilter(request.GET or None, wards=wards, categories=categories)
    filters = form.cleaned_data if form.is_valid() else {}
    ward = next((w for w in wards if w.code == filters.get("ward")), None)
    listing = queries.public_listing(
        ward=ward, status=filters.get("status") or None, category=filters.get("category") or ""
    )
    page = Paginator(listing, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = []
    for found in page.object_list:
        view = queries.public_view(found)
        view["late"] = queries.is_late(found, today)
        view["url"] = reverse("requests:request", kwargs={"code": view["id"]})
        rows.append(view)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "requests/index.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "points": _points(rows),
            "query": query.urlencode(),
            "map": map_settings(),
            "stats_url": stats_url(),
            "nav": "index",
        },
    )


def _points(rows: list[dict]) -> list[dict]:
    """The map's points: the rounded location only, with the label, category and status."""
    return [
        {
            "lat": str(row["latitude"]),
            "lon": str(row["longitude"]),
            "label": row["label"],
            "category": row["category"],
            "status": row["status_label"],
            "url": row["url"],
        }
        for row in rows
        if row["latitude"] is not None
    ]


def request_page(request, code: str):
    """One request as the public sees it: its public notes and the history of its states."""
    found = queries.public_request(code)
    if found is None:
        raise Http404(_("課題が見つかりません"))
    view = queries.public_view(found)
    view["late"] = queries.is_late(found)
    view["url"] = request.path
    history = [
        {"at": update.at, "status": Request.Status(update.to_status).label, "note": update.public_note}
        for update in queries.status_history(found)
    ]
    following = (
        request.user.is_authenticated
        and found.requester_id != request.user.pk
        and found.followers.filter(user=request.user).exists()
    )
    return render(
        request,
        "requests/request.html",
        {
            "view": view,
            "history": history,
            "points": _points([view]),
            "map": map_settings(),
            "following": following,
            "own": request.user.is_authenticated and found.requester_id == request.user.pk,
            "nav": "index",
        },
    )
