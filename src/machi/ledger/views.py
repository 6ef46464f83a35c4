"""The ledger's public pages: the city's wards and years, one ward-year, one project. Read only.

Each page runs a fixed number of queries, however many projects a ward has:
the figures come from `queries.programme_sheet` and `with_totals`, and the
derived figures (執行率, 不用額, totals) are computed, never stored.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from machi.ledger.models import FigureChange, Pillar, Programme, Project
from machi.ledger.queries import MONEY_FIELDS, PillarGroup, Totals, programme_sheet


@dataclass
class YearSummary:
    """One fiscal year on the index: each ward's programme with its totals, and the city's."""

    fiscal_year: int
    programmes: list
    totals: Totals
    allocation_yen: int | None
    project_count: int


def index(request):
    programmes = list(Programme.objects.with_totals().order_by("-fiscal_year", "ward__code"))
    by_year: dict[int, list] = {}
    for programme in programmes:
        programme.totals = Totals(*(getattr(programme, f"total_{f}") for f in MONEY_FIELDS))
        by_year.setdefault(programme.fiscal_year, []).append(programme)
    years = [
        YearSummary(
            fiscal_year=year,
            programmes=group,
            totals=_sum_totals([p.totals for p in group]),
            allocation_yen=_sum_or_none(p.allocation_yen for p in group),
            project_count=sum(p.project_count for p in group),
        )
        for year, group in by_year.items()
    ]
    city_name = programmes[0].ward.city_name if programmes else ""
    return render(request, "ledger/index.html", {"years": years, "city_name": city_name})


def programme_page(request, fiscal_year: str, ward_code: str):
    programme = get_object_or_404(
        Programme.objects.select_related("ward"), fiscal_year=int(fiscal_year), ward__code=ward_code
    )
    groups, totals = programme_sheet(programme)
    groups = _with_every_pillar(groups, list(Pillar.objects.filter(programme=programme).order_by("position")))
    projects = [project for group in groups for project in group.projects]
    # The other wards of this year and the other years of this ward, for the page's navigation.
    neighbours = list(
        Programme.objects.filter(Q(fiscal_year=programme.fiscal_year) | Q(ward=programme.ward_id))
        .select_related("ward")
        .order_by("ward__code", "-fiscal_year")
    )
    return render(
        request,
        "ledger/programme.html",
        {
            "programme": programme,
            "ward": programme.ward,
            "groups": groups,
            "totals": totals,
            "project_count": len(projects),
            "settled_above_revised": [p for p in projects if p.settled_exceeds_revised],
            "priorities": [line for line in programme.priorities.splitlines() if line.strip()],
            "same_year": [p for p in neighbours if p.fiscal_year == programme.fiscal_year],
            "same_ward": sorted(
                (p for p in neighbours if p.ward_id == programme.ward_id), key=lambda p: -p.fiscal_year
            ),
        },
    )


def project_page(request, project_id: int):
    project = get_object_or_404(
        Project.objects.select_related("programme__ward", "pillar").prefetch_related("themes"), pk=project_id
    )
    return render(
        request,
        "ledger/project.html",
        {
            "project": project,
            "programme": project.programme,
            "ward": project.programme.ward,
            "history": list(FigureChange.objects.for_project(project)),
        },
    )


def _with_every_pillar(groups: list[PillarGroup], pillars: list) -> list[PillarGroup]:
    """The pillars in their order, an empty one included; projects without a pillar last.

    (`programme_sheet` orders by pillar position, and databases disagree on where
    NULL sorts; the page should not.)
    """
    by_pillar = {group.pillar.pk if group.pillar else None: group for group in groups}
    ordered = [by_pillar.get(pillar.pk) or PillarGroup(pillar) for pillar in pillars]
    if None in by_pillar:
        ordered.append(by_pillar[None])
    return ordered


def _sum_or_none(values) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _sum_totals(totals: list[Totals]) -> Totals:
    return Totals(*(_sum_or_none(getattr(t, f) for t in totals) for f in MONEY_FIELDS))
