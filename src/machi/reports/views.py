"""The report pages and their downloads. Read only, thin: the figures come from `reports.queries`,
the pictures from `reports.charts`, the files from `reports.exports` and the ledger's CSV exporter."""

import io

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from machi.ledger.exporters.csv_export import export_csv
from machi.ledger.models import Programme
from machi.reports import documents


def _programme(fiscal_year: str, ward_code: str) -> Programme:
    return get_object_or_404(
        Programme.objects.select_related("ward"), fiscal_year=int(fiscal_year), ward__code=ward_code
    )


def _download(document: documents.Document) -> HttpResponse:
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response


def ward_page(request, fiscal_year: str, ward_code: str):
    return render(request, "reports/ward.html", documents.ward_context(_programme(fiscal_year, ward_code)))


def city_page(request, fiscal_year: str):
    return render(request, "reports/city.html", documents.city_context(int(fiscal_year)))


def ward_file(request, fiscal_year: str, ward_code: str, fmt: str):
    return _download(documents.ward_document(_programme(fiscal_year, ward_code), fmt))


def city_file(request, fiscal_year: str, fmt: str):
    return _download(documents.city_document(int(fiscal_year), fmt))


def ledger_csv(request, fiscal_year: str, ward_code: str):
    """The canonical ledger CSV of one ward-year (the file the importer reads back), with a BOM for Excel."""
    programme = _programme(fiscal_year, ward_code)
    stream = io.BytesIO()
    export_csv(stream, fiscal_year=programme.fiscal_year, ward=programme.ward.code, bom=True)
    return _download(
        documents.Document(
            stream.getvalue(),
            f"ledger-{programme.fiscal_year}-{programme.ward.code}.csv",
            "text/csv; charset=utf-8",
        )
    )
