"""Open-data downloads. Read only; the package is built in memory, never on disk."""

import io
import zipfile

from django.http import Http404, HttpResponse

from machi.reports.fdp import NoBudget, build_fdp


def fdp_zip(request, fiscal_year):
    """The year's Fiscal Data Package as a ZIP: datapackage.json, budget.csv, themes.csv."""
    fiscal_year = int(fiscal_year)
    try:
        package = build_fdp(fiscal_year=fiscal_year)
    except NoBudget as error:
        raise Http404(str(error)) from None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in package.files.items():
            archive.writestr(name, content)
    name = f"machi-fdp-{fiscal_year}.zip"
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
