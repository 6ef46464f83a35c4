"""The public statistics of residents' requests: per ward, category and month, as a page and as CSV.

Anyone may read them. Figures of fewer than 5 requests are withheld alike on the page and in the CSV
(`machi.requests.stats` defines every figure).
"""

import io

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from machi.core.fiscal import fiscal_year_label
from machi.ledger.models import Ward
from machi.requests import queries
from machi.requests import stats as figures


def _choices(request):
    years = figures.fiscal_years()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = years[0]
    if year not in years:
        year = years[0]
    wards = list(Ward.objects.order_by("code"))
    ward = next((w for w in wards if w.code == request.GET.get("ward")), None)
    return year, years, ward, wards


def stats(request):
    year, years, ward, wards = _choices(request)
    cells = queries.statistics(fiscal_year=year, ward=ward)
    if request.GET.get("format") == "csv":
        text = io.StringIO(newline="")
        figures.write_csv(text, cells)
        response = HttpResponse(text.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        name = f"requests-stats-{year}{'-' + ward.code if ward else ''}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    query = f"year={year}" + (f"&ward={ward.code}" if ward else "")
    return render(
        request,
        "requests/stats.html",
        {
            "year": year,
            "year_label": fiscal_year_label(year),
            "years": [(y, fiscal_year_label(y)) for y in years],
            "ward": ward,
            "wards": wards,
            "tables": figures.tables(cells),
            "columns": figures.columns(),
            "threshold": figures.THRESHOLD,
            "csv_query": query + "&format=csv",
            "title": _("地域課題の受付状況"),
        },
    )
