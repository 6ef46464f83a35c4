"""The public files of the events: イベント一覧 CSV (open data) and the iCalendar feeds. Read only."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from machi.core.fiscal import parse_fiscal_year
from machi.events import ical, opendata
from machi.events.models import Event
from machi.facilities.views.feeds import _calendar_response as facilities_response
from machi.ledger.models import Ward


@require_safe
def opendata_csv(request):
    """イベント一覧 CSV of the public events: ?ward=431010&year=2026&encoding=cp932 (all optional)."""
    ward = None
    if request.GET.get("ward"):
        ward = Ward.objects.named(request.GET["ward"])
        if ward is None:
            raise Http404("区が見つかりません")
    try:
        year = parse_fiscal_year(request.GET["year"]) if request.GET.get("year") else None
    except ValueError:
        raise Http404("年度を読み取れません") from None
    encoding = (
        "cp932" if request.GET.get("encoding", "").casefold() in ("cp932", "sjis", "shift_jis") else "utf-8"
    )
    response = HttpResponse(
        content_type=f"text/csv; charset={'Shift_JIS' if encoding == 'cp932' else 'utf-8'}"
    )
    try:
        opendata.export_events(response, ward=ward, fiscal_year=year, encoding=encoding, request=request)
    except ValueError as error:  # a character CP932 cannot write: the UTF-8 file has it
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    name = f"events-{ward.code if ward else 'all'}{f'-{year}' if year else ''}{'-cp932' if encoding == 'cp932' else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
def ward_feed(request, ward_code: str):
    ward = get_object_or_404(Ward, code=ward_code)
    return _calendar_response(ical.ward_calendar(ward, url_of=_url_of(request)), f"events-{ward.code}.ics")


@require_safe
def event_feed(request, event_id: int):
    event = get_object_or_404(Event.objects.published(), pk=event_id)
    return _calendar_response(ical.event_calendar(event, url_of=_url_of(request)), f"event-{event.pk}.ics")


def _url_of(request):
    return lambda event: opendata.event_url(event, request)


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = facilities_response(body, filename)
    response["Cache-Control"] = "public, max-age=300"
    return response
