"""The reports' business questions. Read only; each runs a fixed number of queries.

- `ward_report(programme)`: one ward-year as its annual report shows it (4 queries, and one per service);
- `city_overview(fiscal_year)`: the wards side by side with the city's totals (1 query);
- `theme_spend(fiscal_year)`: per theme and ward, the three stage sums (3 queries);
- `year_over_year(ward=None)`: per fiscal year, the three stage totals of the city or one ward (1 query).

Sums treat "―" (not budgeted) as nothing; a sum is None only when no project has that figure.
Derived figures (執行率, 不用額) come from `Totals`, never stored.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Sum

from machi.ledger.models import Programme, Project, Theme, Ward
from machi.ledger.queries import (
    MONEY_FIELDS,
    CheckFinding,
    CityYear,
    MoneyLeft,
    PillarGroup,
    Totals,
    WardYear,
    city_years,
    commitments_of,
    money_left_of,
    pillar_sheet,
    programme_check,
    stated_overdraws,
    stated_shortfalls,
    sum_or_none,
)

# A ward's annual report


@dataclass(frozen=True)
class Share:
    name: str
    settled_yen: int | None
    rate: Decimal | None


@dataclass
class WardReport:
    programme: Programme
    groups: list[PillarGroup]
    totals: Totals
    findings: list[CheckFinding]
    # The projects a service (a grant programme …) spends from, each with its money left: the same
    # figure as the service's pages and the project page (`machi.ledger.queries.money_left`).
    money_left: dict[int, MoneyLeft] = field(default_factory=dict)

    @property
    def service_projects(self) -> list[tuple[Project, MoneyLeft]]:
        return [(p, self.money_left[p.pk]) for p in self.projects if p.pk in self.money_left]

    @property
    def ward(self) -> Ward:
        return self.programme.ward

    @property
    def fiscal_year(self) -> int:
        return self.programme.fiscal_year

    @property
    def priorities(self) -> list[str]:
        return [line.strip() for line in self.programme.priorities.splitlines() if line.strip()]

    @property
    def projects(self) -> list[Project]:
        return [project for group in self.groups for project in group.projects]

    @property
    def execution_rate(self):
        return self.totals.execution_rate

    @property
    def unused_yen(self) -> int | None:
        return self.totals.unused_yen

    @property
    def pillar_shares(self) -> list["Share"]:
        """Each pillar's 決算額 and its share of the ward's 決算額 (the composition chart and its table)."""
        from django.utils.translation import gettext

        groups = [g for g in self.groups if g.pillar is not None or g.projects]
        whole = sum(g.totals.settled_yen or 0 for g in groups)
        return [
            Share(
                g.pillar.name if g.pillar else gettext("柱の指定なし"),
                g.totals.settled_yen,
                Decimal(g.totals.settled_yen or 0) / whole if whole else None,
            )
            for g in groups
        ]

    @property
    def status_counts(self) -> dict[str, int]:
        """How many projects are 新規 / 拡充 / 継続 (the marks the report prints beside a project)."""
        counts = {
            status: 0 for status in (Project.Status.NEW, Project.Status.EXPANDED, Project.Status.CONTINUING)
        }
        for project in self.projects:
            if project.status in counts:
                counts[project.status] += 1
        return {str(status): n for status, n in counts.items()}

    @property
    def status_summary(self) -> list[tuple[str, int]]:
        """The marks with their counts, labelled in the page's language (新規 3件 …)."""
        return [(str(Project.Status(status).label), n) for status, n in self.status_counts.items() if n]


def ward_report(programme: Programme) -> WardReport:
    """One ward-year: its pillars in order (an empty one included, projects without a pillar last),
    the subtotals, the ward total and the data-check findings. Four queries, and one per service that
    holds money on projects (`stated_shortfalls`)."""
    ordered, totals = pillar_sheet(programme)
    projects = [project for group in ordered for project in group.projects]
    commitments = commitments_of(projects)
    short = stated_shortfalls(projects, commitments)
    findings = programme_check(
        programme,
        projects,
        shortfalls=short,
        overdrawn=stated_overdraws(projects, commitments, besides=short),
    )
    served = [project for project in projects if project.pk in commitments]
    return WardReport(programme, ordered, totals, findings, money_left_of(served, commitments))


# The city: the wards side by side


# The wards side by side: the ledger's city year (a WardRow is one ward's programme with its totals).
WardRow = WardYear
CityOverview = CityYear


def city_overview(fiscal_year: int) -> CityOverview:
    """The year's wards in code order with their allocation and stage totals. One query."""
    years = city_years(fiscal_year)
    return years[0] if years else CityYear(fiscal_year)


# Spending by theme across wards


@dataclass
class ThemeRow:
    """One theme (None: the projects with no theme) with each ward's sums, in the wards' order."""

    theme: Theme | None
    by_ward: list[Totals]
    project_counts: list[int]

    @property
    def name(self) -> str:
        return self.theme.name if self.theme else ""

    @property
    def totals(self) -> Totals:
        return Totals.of(self.by_ward)

    @property
    def project_count(self) -> int:
        return sum(self.project_counts)

    @property
    def cells(self) -> list[tuple[Totals, int]]:
        return list(zip(self.by_ward, self.project_counts, strict=True))


@dataclass
class ThemeSpend:
    """Per theme per ward: a project with two themes counts in both, so the themes add up to more
    than the ward's total; the projects with no theme are their own row (`untagged`)."""

    fiscal_year: int
    wards: list[Ward]
    rows: list[ThemeRow]
    untagged: ThemeRow

    @property
    def has_themes(self) -> bool:
        return bool(self.rows)


_NONE = Totals(None, None, None)


def theme_spend(fiscal_year: int) -> ThemeSpend:
    """Three queries: the year's wards, the sums per theme and ward, the sums of untagged projects."""
    wards = list(Ward.objects.filter(programmes__fiscal_year=fiscal_year).order_by("code"))
    column = {ward.pk: i for i, ward in enumerate(wards)}
    sums = {f"sum_{f}": Sum(f"projects__{f}") for f in MONEY_FIELDS}
    tagged = (
        Theme.objects.filter(projects__programme__fiscal_year=fiscal_year)
        .values("pk", "name", ward_id=F("projects__programme__ward_id"))
        .annotate(count=Count("projects", distinct=True), **sums)
        .order_by("name", "ward_id")
    )
    rows: dict[int, ThemeRow] = {}
    themes: dict[int, Theme] = {}
    for entry in tagged:
        if entry["pk"] not in rows:
            themes[entry["pk"]] = Theme(pk=entry["pk"], name=entry["name"])
            rows[entry["pk"]] = ThemeRow(themes[entry["pk"]], [_NONE] * len(wards), [0] * len(wards))
        i = column[entry["ward_id"]]
        rows[entry["pk"]].by_ward[i] = Totals(*(entry[f"sum_{f}"] for f in MONEY_FIELDS))
        rows[entry["pk"]].project_counts[i] = entry["count"]
    untagged = ThemeRow(None, [_NONE] * len(wards), [0] * len(wards))
    for entry in (
        Project.objects.for_year(fiscal_year)
        .filter(themes__isnull=True)
        .values(ward_id=F("programme__ward_id"))
        .annotate(count=Count("pk"), **{f"sum_{f}": Sum(f) for f in MONEY_FIELDS})
        .order_by("ward_id")
    ):
        i = column[entry["ward_id"]]
        untagged.by_ward[i] = Totals(*(entry[f"sum_{f}"] for f in MONEY_FIELDS))
        untagged.project_counts[i] = entry["count"]
    ordered = sorted(rows.values(), key=lambda row: (-(row.totals.settled_yen or 0), row.name))
    return ThemeSpend(fiscal_year, wards, ordered, untagged)


# Year over year


@dataclass
class YearRow:
    fiscal_year: int
    totals: Totals
    allocation_yen: int | None
    ward_count: int
    project_count: int


@dataclass
class YearOverYear:
    ward: Ward | None
    years: list[YearRow] = field(default_factory=list)


def year_over_year(ward: Ward | None = None) -> YearOverYear:
    """Every fiscal year loaded, oldest first, with the city's (or one ward's) totals. One query."""
    programmes = Programme.objects.with_totals().order_by("fiscal_year", "ward__code")
    if ward is not None:
        programmes = programmes.filter(ward=ward)
    by_year: dict[int, list] = {}
    for programme in programmes:
        by_year.setdefault(programme.fiscal_year, []).append(programme)
    return YearOverYear(
        ward,
        [
            YearRow(
                fiscal_year=year,
                totals=Totals.of(Totals(*(getattr(p, f"total_{f}") for f in MONEY_FIELDS)) for p in group),
                allocation_yen=sum_or_none(p.allocation_yen for p in group),
                ward_count=len(group),
                project_count=sum(p.project_count for p in group),
            )
            for year, group in by_year.items()
        ],
    )
