"""Each report as a file, in every format it is published in: one place for the web's downloads and `machi report`."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.http import Http404
from django.template.loader import render_to_string
from django.test import RequestFactory

from machi.ledger.models import Programme
from machi.reports import charts, exports
from machi.reports.queries import city_overview, theme_spend, ward_report, year_over_year

FORMATS = ("html", "pdf", "xlsx", "csv")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": exports.XLSX_TYPE,
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Document:
    content: bytes
    filename: str
    content_type: str


def ward_context(programme: Programme) -> dict:
    report = ward_report(programme)
    same_year = city_overview(report.fiscal_year).rows
    return {
        "report": report,
        "programme": report.programme,
        "ward": report.ward,
        "charts": charts.ward_charts(report),
        "pillar_shares": report.pillar_shares,
        "other_wards": [row.ward for row in same_year if row.ward.pk != report.ward.pk],
    }


def city_context(fiscal_year: int) -> dict:
    """The city overview's figures; Http404 when the year has no programmes."""
    overview = city_overview(fiscal_year)
    if not overview.rows:
        raise Http404
    spend, history = theme_spend(overview.fiscal_year), year_over_year()
    return {
        "overview": overview,
        "spend": spend,
        "history": history,
        "charts": charts.city_charts(overview, spend, history),
    }


def ward_document(programme: Programme, fmt: str) -> Document:
    name = f"report-{programme.fiscal_year}-{programme.ward.code}.{fmt}"
    if fmt == "pdf":
        from machi.reports.pdf import render_ward_report_pdf

        content = render_ward_report_pdf(programme)
    elif fmt == "html":
        content = _standalone_html("reports/ward.html", ward_context(programme))
    else:
        report = ward_report(programme)
        content = (
            exports.to_csv_bytes(exports.ward_report_csv, report)
            if fmt == "csv"
            else exports.to_xlsx_bytes(exports.ward_report_xlsx, report)
        )
    return Document(content, name, CONTENT_TYPES[fmt])


def city_document(fiscal_year: int, fmt: str) -> Document:
    name = f"report-{fiscal_year}.{fmt}"
    if fmt == "pdf":
        from machi.reports.pdf import render_city_report_pdf

        city_context(fiscal_year)  # Http404 for a year without programmes, as the other formats
        content = render_city_report_pdf(fiscal_year)
    elif fmt == "html":
        content = _standalone_html("reports/city.html", city_context(fiscal_year))
    else:
        context = city_context(fiscal_year)
        overview, spend, history = context["overview"], context["spend"], context["history"]
        content = (
            exports.to_csv_bytes(exports.city_overview_csv, overview)
            if fmt == "csv"
            else exports.to_xlsx_bytes(exports.city_xlsx, overview, spend, history)
        )
    return Document(content, name, CONTENT_TYPES[fmt])


def _standalone_html(template: str, context: dict) -> bytes:
    """The page as one file to keep or mail: the stylesheet inlined, links as on the site."""
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with open(finders.find("machi.css"), encoding="utf-8") as css:
        context = {**context, "standalone_css": css.read()}
    return render_to_string(template, context, request=request).encode("utf-8")
