"""The ledger's public pages: the city's wards and years, one ward-year, one project. Read only.

Each page runs a fixed number of queries, however many projects a ward has:
the figures come from `queries.pillar_sheet` and `city_years`, and the
derived figures (執行率, 不用額, totals) are computed, never stored.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext, gettext_lazy

from machi.core.fiscal import fiscal_year_bounds, fiscal_year_of, wareki
from machi.ledger.models import Outcome, Programme, Project
from machi.ledger.queries import city_years, money_left, pillar_sheet, public_history


def index(request):
    years = city_years()
    city_name = years[0].city_name if years else ""
    return render(request, "ledger/index.html", {"years": years, "city_name": city_name})


def programme_page(request, fiscal_year: str, ward_code: str):
    programme = get_object_or_404(
        Programme.objects.select_related("ward"), fiscal_year=int(fiscal_year), ward__code=ward_code
    )
    groups, totals = pillar_sheet(programme)
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
    periods = outcome_periods(project)
    return render(
        request,
        "ledger/project.html",
        {
            "project": project,
            "programme": project.programme,
            "ward": project.programme.ward,
            "history": public_history(project),
            "money_left": money_left(project),
            "outcome_periods": periods,
            "cost_per_attendee": cost_per_attendee(project, periods),
        },
    )


# A service posts a figure for a part of the project (one room of several) as `<part>__<metric>`;
# the page shows those under 内訳, below the project's own figures.
PART_SEPARATOR = "__"
# The services that post outcomes, as the page names them.
OUTCOME_SOURCES = {
    "facilities": gettext_lazy("地域コミュニティセンターの予約システム"),
    "events": gettext_lazy("催し・講座・訓練の申込・受付"),
    "requests": gettext_lazy("地域課題の受付"),
}


@dataclass
class OutcomePeriod:
    source: str
    start: object
    end: object
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def totals(self) -> list[Outcome]:
        return [o for o in self.outcomes if not self._is_part(o)]

    @property
    def parts(self) -> list[Outcome]:
        return [o for o in self.outcomes if self._is_part(o)]

    @staticmethod
    def _is_part(outcome: Outcome) -> bool:
        """A figure for a part of the project (a room…): its metric is `<part>__<metric>`."""
        return PART_SEPARATOR in outcome.metric

    @property
    def source_label(self) -> str:
        return str(OUTCOME_SOURCES.get(self.source, self.source))

    @property
    def label(self) -> str:
        """令和4年度 for April–March, 2022年10月 for a whole month, else the two dates."""
        year = fiscal_year_of(self.start)
        if (self.start, self.end) == fiscal_year_bounds(year):
            return gettext("%(year)s（%(first)s年4月〜%(last)s年3月）") % {
                "year": wareki(year),
                "first": year,
                "last": year + 1,
            }
        whole_month = self.start.day == 1 and self.end.replace(day=1) == self.start
        if whole_month and (self.end + datetime.timedelta(days=1)).day == 1:
            return gettext("%(year)s年%(month)s月") % {"year": self.start.year, "month": self.start.month}
        return f"{self.start:%Y-%m-%d}〜{self.end:%Y-%m-%d}"


@dataclass(frozen=True)
class CostPerAttendee:
    settled_yen: int
    attendees: int

    @property
    def yen(self) -> int:
        return (self.settled_yen + self.attendees // 2) // self.attendees

    @property
    def yen_text(self) -> str:
        return f"{self.yen:,}"

    @property
    def settled_text(self) -> str:
        return f"{self.settled_yen:,}"

    @property
    def attendees_text(self) -> str:
        return f"{self.attendees:,}"


def cost_per_attendee(project: Project, periods: list["OutcomePeriod"]) -> CostPerAttendee | None:
    """決算額 ÷ the year's attendees the events posted (metric `attendees` over the fiscal year), from the
    outcomes the page already holds: derived here, never stored. None without a settled figure or
    without attendees."""
    if project.settled_yen is None:
        return None
    start, end = fiscal_year_bounds(project.programme.fiscal_year)
    attendees = next(
        (
            outcome.value
            for period in periods
            if (period.source, period.start, period.end) == ("events", start, end)
            for outcome in period.outcomes
            if outcome.metric == "attendees"
        ),
        None,
    )
    if not attendees:
        return None
    return CostPerAttendee(settled_yen=project.settled_yen, attendees=int(attendees))


def outcome_periods(project: Project) -> list[OutcomePeriod]:
    """The project's outcomes by service and period: the longest period first, then the latest."""
    periods: dict = {}
    for outcome in project.outcomes.order_by("source", "period_start", "period_end", "id"):
        key = (outcome.source, outcome.period_start, outcome.period_end)
        periods.setdefault(key, OutcomePeriod(*key)).outcomes.append(outcome)
    return sorted(
        periods.values(),
        key=lambda p: (p.source, -(p.end - p.start).days, -p.end.toordinal()),
    )
