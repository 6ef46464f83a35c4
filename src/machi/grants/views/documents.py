"""Downloads of the grant's documents: the notices (PDF) and the ward's lists (XLSX). Read only, thin.

Who gets what: ward staff of the programme's ward (and city administrators) every file of
their ward; the applying group's members their own application's notices. Anyone else
gets a 404, whether the application exists or not.
"""

import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from machi.accounts.queries import can_manage_ward
from machi.audit.actions import record_view
from machi.core.fiscal import wareki
from machi.grants import documents, exports
from machi.grants.models import Application, GrantProgramme


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # A Japanese name goes in filename*=utf-8''… (RFC 5987); Django writes the header.
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _application_for(user, pk: int) -> Application:
    application = get_object_or_404(Application.objects.with_details(), pk=pk)
    if can_manage_ward(user, application.programme.ward_id):
        return application
    if Application.objects.of_person(user).filter(pk=application.pk).exists():
        return application
    raise Http404


def _programme_for(user, pk: int) -> GrantProgramme:
    programme = get_object_or_404(GrantProgramme.objects.select_related("ward", "project"), pk=pk)
    if not can_manage_ward(user, programme.ward_id):
        raise Http404
    return programme


def _notice(request, pk: int, kind: str):
    application = _application_for(request.user, pk)
    try:
        notice = documents.notice(application, kind)
    except documents.NoticeUnavailable as refusal:
        context = {"application": application, "message": refusal.messages[0]}
        return render(request, "grants/document_unavailable.html", context, status=400)
    return _download(notice.content, notice.filename, notice.content_type)


@never_cache
@login_required
def decision_notice(request, application_id: int):
    return _notice(request, application_id, documents.DECISION.slug)


@never_cache
@login_required
def confirmation_notice(request, application_id: int):
    return _notice(request, application_id, documents.CONFIRMATION.slug)


def _list(request, pk: int, write, what: str, action: str):
    programme = _programme_for(request.user, pk)
    # Audited: the lists name the applying groups (and so their people) to staff.
    listed = Application.objects.filter(programme=programme).exclude(status=Application.Status.DRAFT)
    people = listed.order_by("pk").values_list("pk", "applicant_id", "group_id")
    record_view(
        actor=request.user,
        action=action,
        obj=programme,
        people=[applicant for _pk, applicant, _group in people],
        detail={
            "applications": [pk for pk, _applicant, _group in people],
            "groups": sorted({group for _pk, _applicant, group in people}),
        },
    )
    stream = io.BytesIO()
    write([programme], stream)
    name = f"{what}_{wareki(programme.fiscal_year)}_{programme.ward.name}_{programme.pk}.xlsx"
    return _download(stream.getvalue(), name, exports.XLSX_TYPE)


@never_cache
@login_required
def applications_xlsx(request, programme_id: int):
    return _list(
        request, programme_id, exports.applications_xlsx, "補助金申請一覧", "grants.export_applications"
    )


@never_cache
@login_required
def payments_xlsx(request, programme_id: int):
    return _list(request, programme_id, exports.payments_xlsx, "補助金支払一覧", "grants.export_payments")
