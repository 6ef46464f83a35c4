"""The report pages and their downloads. Read only, thin: the figures come from `reports.queries`,
the pictures from `reports.charts`, the files from `reports.exports` and the ledger's CSV exporter."""

import io

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from machi.ledger.exporters.csv_export import export_csv
from machi.ledger.models import Programme
from machi.reports import charts, exports
from machi.reports.queries import city_overview, theme_spend, ward_report, year_over_year


def _programme(fiscal_year: str, ward_code: str) -> Programme:
    return get_object_or_404(
        Programme.objects.select_related("ward"), fiscal_year=int(fiscal_year), ward__code=ward_code
    )


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def ward_page(request, fiscal_year: str, ward_code: str):
    report = ward_report(_programme(fiscal_year, ward_code))
    same_year = city_overview(report.fiscal_year).rows
    return render(
        request,
        "reports/ward.html",
        {
            "report": report,
            "programme": report.programme,
            "ward": report.ward,
            "charts": charts.ward_charts(report),
            "pillar_shares": report.pillar_shares,
            "other_wards": [row.ward for row in same_year if row.ward.pk != report.ward.pk],
        },
    )


def city_page(request, fiscal_year: str):
    overview = city_overview(int(fiscal_year))
    if not overview.rows:
        raise Http404
    spend = theme_spend(overview.fiscal_year)
    history = year_over_year()
    return render(
        request,
        "reports/city.html",
        {
            "overview": overview,
            "spend": spend,
            "history": history,
            "charts": charts.city_charts(overview, spend, history),
        },
    )


def ward_csv(request, fiscal_year: str, ward_code: str):
    report = ward_report(_programme(fiscal_year, ward_code))
    content = exports.to_csv_bytes(exports.ward_report_csv, report)
    return _download(
        content, f"report-{report.fiscal_year}-{report.ward.code}.csv", "text/csv; charset=utf-8"
    )


def ward_xlsx(request, fiscal_year: str, ward_code: str):
    report = ward_report(_programme(fiscal_year, ward_code))
    content = exports.to_xlsx_bytes(exports.ward_report_xlsx, report)
    return _download(content, f"report-{report.fiscal_year}-{report.ward.code}.xlsx", exports.XLSX_TYPE)


def ledger_csv(request, fiscal_year: str, ward_code: str):
    """The canonical ledger CSV of one ward-year (the file the importer reads back), with a BOM for Excel."""
    programme = _programme(fiscal_year, ward_code)
    stream = io.BytesIO()
    export_csv(stream, fiscal_year=programme.fiscal_year, ward=programme.ward.code, bom=True)
    return _download(
        stream.getvalue(),
        f"ledger-{programme.fiscal_year}-{programme.ward.code}.csv",
        "text/csv; charset=utf-8",
    )


def city_csv(request, fiscal_year: str):
    overview = city_overview(int(fiscal_year))
    if not overview.rows:
        raise Http404
    content = exports.to_csv_bytes(exports.city_overview_csv, overview)
    return _download(content, f"report-{overview.fiscal_year}.csv", "text/csv; charset=utf-8")


def city_xlsx(request, fiscal_year: str):
    overview = city_overview(int(fiscal_year))
    if not overview.rows:
        raise Http404
    spend, history = theme_spend(overview.fiscal_year), year_over_year()
    content = exports.to_xlsx_bytes(exports.city_xlsx, overview, spend, history)
    return _download(content, f"report-{overview.fiscal_year}.xlsx", exports.XLSX_TYPE)
