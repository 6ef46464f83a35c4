"""Ward staff's ledger pages: their wards, each ward's years, and carrying a year forward.

Thin: the page parses the form and calls `actions.carry_forward`; the review step runs that very action and
rolls it back (`actions.preview_carry_forward`), so what staff confirm is what is written. Staff of the ward
and city administrators only; anyone else gets the 403 page, and the action asks the scope again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from machi.accounts.forms import add_action_errors
from machi.accounts.scope import can_manage_ward, staff_ward_ids
from machi.accounts.views import forbidden
from machi.core.fiscal import wareki
from machi.ledger import actions
from machi.ledger.forms import CarryForwardForm
from machi.ledger.models import Programme, Project, Ward


def _staff_ward(request, ward_code: str):
    ward = get_object_or_404(Ward, code=ward_code)
    if not can_manage_ward(request.user, ward.pk):
        return ward, forbidden(request, _("%(ward)sの台帳を扱う権限がありません") % {"ward": ward.name})
    return ward, None


@login_required
def wards(request):
    """The wards one looks after; a single ward goes straight to its page."""
    ward_ids = staff_ward_ids(request.user)
    if ward_ids == set():
        return forbidden(request, _("このページは区の職員だけが利用できます"))
    found = Ward.objects.all() if ward_ids is None else Ward.objects.filter(pk__in=ward_ids)
    if len(found) == 1:
        return redirect("ledger:manage_ward", ward_code=found[0].code)
    return render(request, "ledger/manage_wards.html", {"wards": found})


@login_required
def ward(request, ward_code: str):
    """A ward's years, newest first, each with its totals and 「次年度へ引き継ぐ」."""
    ward, refused = _staff_ward(request, ward_code)
    if refused:
        return refused
    programmes = list(Programme.objects.for_ward(ward).with_totals().order_by("-fiscal_year"))
    years = {p.fiscal_year for p in programmes if p.project_count}
    for programme in programmes:
        programme.next_year_taken = programme.fiscal_year + 1 in years
    return render(request, "ledger/manage_ward.html", {"ward": ward, "programmes": programmes})


@login_required
def carry_forward(request, ward_code: str, fiscal_year: str):
    """The year to carry to and its 当初予算 (a sheet or typed in 千円) → review (nothing written) → confirm."""
    ward, refused = _staff_ward(request, ward_code)
    if refused:
        return refused
    programme = get_object_or_404(
        Programme.objects.select_related("ward"), ward=ward, fiscal_year=int(fiscal_year)
    )
    projects = list(
        Project.objects.filter(programme=programme).select_related("pillar").order_by("position", "no")
    )
    step = request.POST.get("step") if request.method == "POST" else None
    form = CarryForwardForm(
        request.POST if step else None,
        request.FILES if step else None,
        programme=programme,
        projects=projects,
    )
    context = {"ward": ward, "programme": programme, "form": form, "projects": projects}
    if step in ("review", "confirm") and form.is_valid():
        arguments = {
            "actor": request.user,
            "programme": programme,
            "to_year": form.cleaned_data["to_year"],
            "initial_yen_by_project": form.cleaned_data["initial_yen_by_project"],
            "reason": form.reason,
        }
        try:
            if step == "review":
                preview = actions.preview_carry_forward(**arguments)
                return render(
                    request,
                    "ledger/carry_forward_review.html",
                    {**context, "preview": preview, "hidden": form.review_values()},
                )
            result = actions.carry_forward(**arguments)
        except ValidationError as refusal:
            add_action_errors(form, refusal)
        else:
            messages.success(
                request,
                _("%(year)s %(ward)sの年度計画を作成しました（事業 %(count)s件）")
                % {
                    "year": wareki(result.programme.fiscal_year),
                    "ward": ward.name,
                    "count": len(result.projects),
                },
            )
            return redirect("ledger:manage_ward", ward_code=ward.code)
    return render(request, "ledger/carry_forward.html", context)
